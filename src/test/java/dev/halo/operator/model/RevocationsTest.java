package dev.halo.operator.model;

import static dev.halo.operator.model.TestPods.pod;
import static dev.halo.operator.model.TestPods.view;
import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.ElectionView;
import dev.halo.operator.model.Revocations.Revocation;
import java.util.List;
import org.junit.jupiter.api.Test;

class RevocationsTest {
  @Test
  void runningPodsKeepTheirLeases() {
    assertThat(
            Revocations.plan(
                "web",
                List.of(pod("web-0", "master"), pod("web-1", "standby")),
                view("web-0", "web-1")))
        .isEmpty();
  }

  @Test
  void revokesLeasesOfDeletedTerminatingFailedAndAgentCrashedPods() {
    List<Revocation> plan =
        Revocations.plan(
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
        Revocations.plan(
            "web",
            List.of(TestPods.terminating(pod("web-0", "master")), pod("web-1", "standby")),
            view("web-0", "web-1"));

    assertThat(plan)
        .extracting(Revocation::member, Revocation::stepDownFirst)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("web-0", true));
  }

  @Test
  void aMasterWhosePodIsGoneFromTheApiIsRevokedAtOnce() {
    List<Revocation> plan =
        Revocations.plan("web", List.of(pod("web-1", "standby")), view("web-0", "web-1"));

    assertThat(plan).containsExactly(new Revocation(0x100, "web-0", "podDeleted"));
  }

  @Test
  void deadAgentsAndStandbysAreRevokedAtOnce() {
    List<Revocation> plan =
        Revocations.plan(
            "web",
            List.of(
                TestPods.agentCrashed(TestPods.terminating(pod("web-0", "master"))),
                TestPods.terminating(pod("web-1", "standby"))),
            view("web-0", "web-1", "web-2"));

    assertThat(plan).extracting(Revocation::stepDownFirst).containsOnly(false).hasSize(3);
  }

  @Test
  void notReadyIsNotGone() {
    assertThat(
            Revocations.plan(
                "web", List.of(TestPods.notReady(pod("web-0", "master"))), view("web-0")))
        .isEmpty();
  }

  @Test
  void staleKeysOfARestartedAgentAreRevokedButTheNewestIsKept() {
    ElectionView view =
        new ElectionView(
            "/halo/shop/web/election",
            true,
            List.of(new Candidate("k/1", "web-0", 5, 1), new Candidate("k/2", "web-0", 9, 2)),
            10,
            "");

    assertThat(Revocations.plan("web", List.of(pod("web-0", "master")), view))
        .containsExactly(new Revocation(1, "web-0", "staleKey"));
  }

  @Test
  void foreignValuesAreNeverRevoked() {
    assertThat(Revocations.plan("web", List.of(), view("someone-else"))).isEmpty();
  }
}
