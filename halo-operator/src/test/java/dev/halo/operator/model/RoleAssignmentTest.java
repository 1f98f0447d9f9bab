package dev.halo.operator.model;

import static dev.halo.operator.model.TestPods.pod;
import static dev.halo.operator.model.TestPods.view;
import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.common.FenceValue;
import dev.halo.common.Names;
import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.ElectionView;
import dev.halo.operator.election.Fence;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class RoleAssignmentTest {
  private static RoleAssignment plan(String group, List<Pod> pods, ElectionView view) {
    return RoleAssignment.plan(pods, TestPods.members(pods, view));
  }

  @Test
  void leaderPodBecomesMasterAndOthersStandby() {
    RoleAssignment plan =
        plan(
            "web",
            List.of(pod("web-0", null), pod("web-1", null), pod("web-2", null)),
            view("web-1", "web-0"));

    assertThat(plan.master()).contains("web-1");
    assertThat(plan.promote()).contains("web-1");
    assertThat(plan.demote()).isEmpty();
    assertThat(plan.standby()).containsExactly("web-0", "web-2");
  }

  @Test
  void oldMasterIsDemotedWhenLeadershipMoved() {
    RoleAssignment plan =
        plan("web", List.of(pod("web-0", "master"), pod("web-1", "standby")), view("web-1"));

    assertThat(plan.demote()).containsExactly("web-0");
    assertThat(plan.promote()).contains("web-1");
  }

  @Test
  void aMasterTheOperatorLabelledButThePodsReadDoNotShowIsDemotedFirst() {
    // web-0's master label, written by the operator, is missing from a stalled pod cache.
    RoleAssignment plan =
        plan("web", List.of(pod("web-0", "standby"), pod("web-1", "standby")), view("web-1"));

    assertThat(plan.demote()).isEmpty();
    assertThat(plan.unseenMaster(Optional.of("web-0"))).contains("web-0");
  }

  @Test
  void theRememberedMasterNeedsNothingExtraWhenThePlanKeepsOrDemotesIt() {
    RoleAssignment keeps =
        plan("web", List.of(pod("web-0", "master"), pod("web-1", "standby")), view("web-0"));
    RoleAssignment demotes =
        plan("web", List.of(pod("web-0", "master"), pod("web-1", "standby")), view("web-1"));

    assertThat(keeps.unseenMaster(Optional.of("web-0"))).isEmpty();
    assertThat(demotes.unseenMaster(Optional.of("web-0"))).isEmpty();
    assertThat(demotes.unseenMaster(Optional.empty())).isEmpty();
  }

  @Test
  void nothingChangesWhenLabelsAlreadyFollowTheElection() {
    RoleAssignment plan =
        plan(
            "web",
            List.of(pod("web-0", "master"), pod("web-1", "standby")),
            view("web-0", "web-1"));

    assertThat(plan.changesLabels()).isFalse();
    assertThat(plan.master()).contains("web-0");
  }

  @Test
  void aLeaderWhosePodIsBeingDeletedKeepsItsLabelWhileItDrains() {
    RoleAssignment plan =
        plan(
            "web",
            List.of(TestPods.terminating(pod("web-0", "master")), pod("web-1", "standby")),
            view("web-0", "web-1"));

    assertThat(plan.master()).contains("web-0");
    assertThat(plan.demote()).isEmpty();
    assertThat(plan.changesLabels()).isFalse();
  }

  @Test
  void aLeaderWhosePodFailedIsNotLabelledAndTheOldMasterIsDemoted() {
    Pod failed = pod("web-0", "master");
    failed.setStatus(
        new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Failed").build());
    RoleAssignment plan =
        plan("web", List.of(failed, pod("web-1", "standby")), view("web-0", "web-1"));

    assertThat(plan.master()).isEmpty();
    assertThat(plan.demote()).containsExactly("web-0");
    assertThat(plan.promote()).isEmpty();
  }

  @Test
  void aLeaderThatNamesNoPodOfTheGroupIsReportedAndIgnored() {
    RoleAssignment plan = plan("web", List.of(pod("web-0", "standby")), view("intruder"));

    assertThat(plan.foreignLeader()).map(Candidate::member).contains("intruder");
    assertThat(plan.master()).isEmpty();
    assertThat(plan.changesLabels()).isFalse();
  }

  @Test
  void noLeaderMeansNoMasterLabel() {
    RoleAssignment plan = plan("web", List.of(pod("web-0", "master")), view());

    assertThat(plan.master()).isEmpty();
    assertThat(plan.demote()).containsExactly("web-0");
  }

  @Test
  void aForeignLeaderNamedAfterAPodMakesNobodyMaster() {
    ElectionView view =
        new ElectionView(
            "/halo/shop/web/election",
            true,
            List.of(
                new Candidate("/halo/shop/web/election/999", "web-1", 5, 0x999),
                TestPods.own("/halo/shop/web/election/100", "web-0", 10, 0x100),
                TestPods.own("/halo/shop/web/election/101", "web-1", 11, 0x101)),
            20,
            "");

    RoleAssignment plan =
        plan("web", List.of(pod("web-0", "master"), pod("web-1", "standby")), view);

    assertThat(plan.master()).isEmpty();
    assertThat(plan.demote()).containsExactly("web-0");
    assertThat(plan.foreignLeader()).map(Candidate::leaseId).contains(0x999L);
  }

  private static Fence fence(long fencedCreateRevision) {
    return new Fence(
        "/halo/shop/web/fence/99",
        Optional.of(
            new FenceValue(
                0x99,
                fencedCreateRevision,
                "web-9",
                "",
                "",
                "podDeleted",
                3,
                FenceValue.FENCED,
                FenceValue.ARMED)),
        0x555,
        30);
  }

  @Test
  void aLeaderHeldBackByAFenceIsNotLabelledMasterYet() {
    ElectionView view = view("web-0", "web-1").withFences(List.of(fence(9)), OptionalLong.empty());

    RoleAssignment plan =
        plan("web", List.of(pod("web-0", "standby"), pod("web-1", "standby")), view);

    assertThat(plan.master()).isEmpty();
    assertThat(RoleAssignment.fenced(TestPods.members(List.of(), view)))
        .map(Fence::describe)
        .contains("web-9 (lease 99)");
  }

  @Test
  void aFenceOfAYoungerKeyHoldsNobodyBack() {
    ElectionView view = view("web-0", "web-1").withFences(List.of(fence(11)), OptionalLong.empty());

    assertThat(plan("web", List.of(pod("web-0", "master"), pod("web-1", "standby")), view).master())
        .contains("web-0");
  }

  @Test
  void anUnreadableFenceHoldsEveryLeaderBack() {
    ElectionView view =
        view("web-0")
            .withFences(
                List.of(new Fence("/halo/shop/web/fence/1", Optional.empty(), 0, 3)),
                OptionalLong.empty());

    assertThat(plan("web", List.of(pod("web-0", "master")), view).demote())
        .containsExactly("web-0");
  }

  @Test
  void anAgentWithoutIdentityIsTrustedByNameOnlyInAPodBuiltBeforeIdentities() {
    ElectionView view =
        new ElectionView(
            "/halo/shop/web/election",
            true,
            List.of(new Candidate("/halo/shop/web/election/100", "web-0", 10, 0x100)),
            20,
            "");
    Pod legacy =
        new PodBuilder(pod("web-0", "standby"))
            .withNewSpec()
            .addNewContainer()
            .withName(Names.AGENT_CONTAINER)
            .addNewEnv()
            .withName("HALO_MEMBER")
            .withValue("web-0")
            .endEnv()
            .endContainer()
            .endSpec()
            .build();

    assertThat(plan("web", List.of(legacy), view).master()).contains("web-0");
    assertThat(plan("web", List.of(pod("web-0", "standby")), view).master()).isEmpty();
  }
}
