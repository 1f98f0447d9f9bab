package dev.halo.operator.model;

import static dev.halo.operator.model.TestPods.GROUP_UID;
import static dev.halo.operator.model.TestPods.pod;
import static dev.halo.operator.model.TestSites.ELECTION;
import static dev.halo.operator.model.TestSites.SITE;
import static dev.halo.operator.model.TestSites.fence;
import static dev.halo.operator.model.TestSites.local;
import static dev.halo.operator.model.TestSites.members;
import static dev.halo.operator.model.TestSites.remote;
import static dev.halo.operator.model.TestSites.view;
import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.common.ElectionKeys;
import dev.halo.common.MemberIdentity;
import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.ElectionView;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** A group on site "paris" of the shared group "orders", next to members on site "lyon". */
class SiteMembershipTest {

  @Test
  void anotherSitesKeysAreRemoteNotForeignEvenUnderThisSitesPodNames() {
    Membership m =
        members(
            List.of(pod("web-0", "standby"), pod("web-1", "standby")),
            view(remote("web-0", 10, 0x100), local("web-0", 11, 0x101), local("web-1", 12, 0x102)));

    assertThat(m.remote()).extracting(Candidate::leaseId).containsExactly(0x100L);
    assertThat(m.foreign()).isEmpty();
    assertThat(m.campaigningPods()).containsExactly("web-0", "web-1");
    assertThat(m.keysOf("web-0")).extracting(Candidate::leaseId).containsExactly(0x101L);
    assertThat(m.remoteLeader()).map(Candidate::leaseId).contains(0x100L);
    assertThat(m.leaderPod()).isEmpty();
  }

  @Test
  void aKeyThatClaimsThisSiteButIsNotThisGroupsIsForeign() {
    Candidate impostor =
        new Candidate(ElectionKeys.candidateKey(ELECTION, 0x100), "web-0", 10, 0x100)
            .withIdentity(
                Optional.of(new MemberIdentity("web-0", "x", "uid-other").atSite(SITE, "")));

    Membership m = members(List.of(pod("web-0", "standby")), view(impostor));

    assertThat(m.foreign()).containsExactly(impostor);
    assertThat(m.remote()).isEmpty();
  }

  @Test
  void withoutASiteNoKeyIsRemote() {
    Membership m =
        Membership.of(
            "web", GROUP_UID, List.of(pod("web-0", "standby")), view(remote("web-0", 10, 0x100)));

    assertThat(m.remote()).isEmpty();
    assertThat(m.foreign()).hasSize(1);
  }

  @Test
  void aRemoteMasterLeavesEveryPodOfThisSiteStandby() {
    List<Pod> pods = List.of(pod("web-0", "master"), pod("web-1", null));
    RoleAssignment plan =
        RoleAssignment.plan(
            pods, members(pods, view(remote("web-3", 10, 0x100), local("web-0", 11, 0x101))));

    assertThat(plan.master()).isEmpty();
    assertThat(plan.demote()).containsExactly("web-0");
    assertThat(plan.standby()).containsExactly("web-1");
    assertThat(plan.promote()).isEmpty();
    assertThat(plan.foreignLeader()).isEmpty();
  }

  @Test
  void aLocalLeaderIsMasterAsOnOneSite() {
    List<Pod> pods = List.of(pod("web-0", "standby"), pod("web-1", "standby"));
    RoleAssignment plan =
        RoleAssignment.plan(
            pods, members(pods, view(local("web-1", 10, 0x101), remote("web-0", 11, 0x100))));

    assertThat(plan.master()).contains("web-1");
    assertThat(plan.promote()).contains("web-1");
  }

  @Test
  void remoteKeysAreNeverRemovedNotEvenWhenTheGroupIsDeleted() {
    // A remote key under a pod name of this site whose pod is gone, and a local dead agent's key.
    List<Pod> pods = List.of(TestPods.agentCrashed(pod("web-0", "standby")));
    Membership m = members(pods, view(remote("web-1", 10, 0x100), local("web-0", 11, 0x101)));

    assertThat(Revocations.plan(pods, m))
        .extracting(Revocations.Revocation::leaseId)
        .containsExactly(0x101L);
    assertThat(Revocations.groupDeleted(m))
        .extracting(Revocations.Revocation::leaseId)
        .containsExactly(0x101L);
  }

  @Test
  void onlyItsOwnMembersFencesAreFinishedHere() {
    Membership m = members(List.of(), view(remote("web-1", 10, 0x100)));

    assertThat(m.finishes(fence(0x100, "uid-group-lyon"))).isFalse();
    assertThat(m.finishes(fence(0x101, GROUP_UID))).isTrue();
    assertThat(
            Membership.of("web", GROUP_UID, List.of(), view())
                .finishes(fence(0x100, "uid-group-lyon")))
        .isTrue();
  }

  @Test
  void aFenceOnAnotherSitesOldMasterHoldsTheRemoteLeaderBackToo() {
    ElectionView fenced =
        view(remote("web-1", 12, 0x100))
            .withFences(List.of(fence(0x99, GROUP_UID)), OptionalLong.empty());

    assertThat(RoleAssignment.fenced(members(List.of(), fenced))).isPresent();
  }
}
