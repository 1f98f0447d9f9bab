package dev.halo.operator.model;

import static dev.halo.operator.model.TestPods.pod;
import static dev.halo.operator.model.TestPods.view;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.halo.common.MemberIdentity;
import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.ElectionView;
import dev.halo.operator.election.RemovalPath;
import dev.halo.operator.model.Revocations.Revocation;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RevocationsTest {
  private static List<Revocation> plan(String group, List<Pod> pods, ElectionView view) {
    return Revocations.plan(pods, TestPods.members(pods, view));
  }

  @Test
  void runningPodsKeepTheirLeases() {
    assertThat(
            plan(
                "web",
                List.of(pod("web-0", "master"), pod("web-1", "standby")),
                view("web-0", "web-1")))
        .isEmpty();
  }

  @Test
  void revokesLeasesOfDeletedTerminatingFailedAndAgentCrashedPods() {
    List<Revocation> plan =
        plan(
            "web",
            List.of(
                TestPods.terminating(pod("web-1", "standby")),
                TestPods.agentCrashed(pod("web-2", "standby")),
                pod("web-3", "standby")),
            view("web-0", "web-1", "web-2", "web-3"));

    assertThat(plan)
        .extracting(Revocation::member, Revocation::reason)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("web-0", "podDeleted"),
            org.assertj.core.groups.Tuple.tuple("web-1", "podDeleted"),
            org.assertj.core.groups.Tuple.tuple("web-2", "agentTerminated"));
  }

  @Test
  void aTerminatingMasterWhoseAgentRunsIsAskedToStepDownFirst() {
    List<Revocation> plan =
        plan(
            "web",
            List.of(TestPods.terminating(pod("web-0", "master")), pod("web-1", "standby")),
            view("web-0", "web-1"));

    assertThat(plan)
        .extracting(Revocation::member, Revocation::stepDownFirst)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("web-0", true));
  }

  @Test
  void aMasterWhosePodIsGoneFromTheApiIsFencedItsAgentMayStillRun() {
    List<Revocation> plan = plan("web", List.of(pod("web-1", "standby")), view("web-0", "web-1"));

    assertThat(plan)
        .extracting(Revocation::leaseId, Revocation::member, Revocation::reason, Revocation::path)
        .containsExactly(tuple(0x100L, "web-0", "podDeleted", RemovalPath.FENCED));
  }

  @Test
  void deadAgentsGoAtOnceAndStandbysBehindALiveLeaderAsNeverLeaders() {
    List<Revocation> plan =
        plan(
            "web",
            List.of(
                TestPods.agentCrashed(TestPods.terminating(pod("web-0", "master"))),
                TestPods.terminating(pod("web-1", "standby"))),
            view("web-0", "web-1", "web-2"));

    assertThat(plan)
        .extracting(Revocation::member, Revocation::path, r -> r.witness().map(Candidate::member))
        .containsExactlyInAnyOrder(
            tuple("web-0", RemovalPath.IMMEDIATE, Optional.empty()),
            tuple("web-1", RemovalPath.NEVER_LEADER, Optional.of("web-0")),
            tuple("web-2", RemovalPath.NEVER_LEADER, Optional.of("web-0")));
  }

  @Test
  void notReadyIsNotGone() {
    assertThat(plan("web", List.of(TestPods.notReady(pod("web-0", "master"))), view("web-0")))
        .isEmpty();
  }

  @Test
  void staleKeysOfARestartedAgentAreRevokedButTheNewestIsKept() {
    ElectionView view =
        new ElectionView(
            "/halo/shop/web/election",
            true,
            List.of(TestPods.own("k/1", "web-0", 5, 1), TestPods.own("k/2", "web-0", 9, 2)),
            10,
            "");

    assertThat(plan("web", List.of(pod("web-0", "master")), view))
        .extracting(Revocation::leaseId, Revocation::reason, Revocation::path)
        .containsExactly(tuple(1L, "staleKey", RemovalPath.IMMEDIATE));
  }

  @Test
  void foreignValuesAreNeverRevoked() {
    assertThat(plan("web", List.of(), view("someone-else"))).isEmpty();
  }

  @Test
  void aForeignKeyNamedAfterARunningPodNeverCostsThatPodItsLease() {
    // etcdctl elect /halo/shop/web/election web-1: a newer key with web-1's name, no identity.
    ElectionView view =
        new ElectionView(
            "/halo/shop/web/election",
            true,
            List.of(
                TestPods.own("/halo/shop/web/election/100", "web-0", 10, 0x100),
                TestPods.own("/halo/shop/web/election/101", "web-1", 11, 0x101),
                new Candidate("/halo/shop/web/election/999", "web-1", 30, 0x999)),
            30,
            "");

    assertThat(plan("web", List.of(pod("web-0", "master"), pod("web-1", "standby")), view))
        .isEmpty();
  }

  @Test
  void aKeyOfAnotherGroupWithTheSamePodNamesIsNeverRevoked() {
    // The same group name in another cluster: its web-0 campaigns while ours is deleted.
    Candidate remote =
        new Candidate("/halo/shop/web/election/200", "web-0", 12, 0x200)
            .withIdentity(
                Optional.of(new MemberIdentity("web-0", "uid-remote-web-0", "uid-remote-group")));
    ElectionView view =
        new ElectionView(
            "/halo/shop/web/election",
            true,
            List.of(TestPods.own("/halo/shop/web/election/101", "web-1", 11, 0x101), remote),
            30,
            "");

    assertThat(plan("web", List.of(pod("web-1", "master")), view)).isEmpty();
  }

  @Test
  void aKeyOfAPreviousPodOfTheSameNameIsRevoked() {
    Candidate old =
        new Candidate("/halo/shop/web/election/100", "web-0", 10, 0x100)
            .withIdentity(
                Optional.of(new MemberIdentity("web-0", "uid-old-web-0", TestPods.GROUP_UID)));
    ElectionView view =
        new ElectionView(
            "/halo/shop/web/election",
            true,
            List.of(old, TestPods.own("/halo/shop/web/election/300", "web-0", 31, 0x300)),
            31,
            "");

    assertThat(plan("web", List.of(pod("web-0", "standby")), view))
        .extracting(Revocation::leaseId, Revocation::reason, Revocation::path)
        .as("it leads: the old agent may still run and be master")
        .containsExactly(tuple(0x100L, "podDeleted", RemovalPath.FENCED));
  }
}
