package dev.halo.operator.model;

import static dev.halo.operator.model.TestPods.pod;
import static dev.halo.operator.model.TestPods.view;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RoleAssignmentTest {
  @Test
  void leaderPodBecomesMasterAndOthersStandby() {
    RoleAssignment plan =
        RoleAssignment.plan(
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
        RoleAssignment.plan(
            "web", List.of(pod("web-0", "master"), pod("web-1", "standby")), view("web-1"));

    assertThat(plan.demote()).containsExactly("web-0");
    assertThat(plan.promote()).contains("web-1");
  }

  @Test
  void nothingChangesWhenLabelsAlreadyFollowTheElection() {
    RoleAssignment plan =
        RoleAssignment.plan(
            "web",
            List.of(pod("web-0", "master"), pod("web-1", "standby")),
            view("web-0", "web-1"));

    assertThat(plan.changesLabels()).isFalse();
    assertThat(plan.master()).contains("web-0");
  }

  @Test
  void aGoneLeaderIsNotLabelledAndTheOldMasterIsDemoted() {
    RoleAssignment plan =
        RoleAssignment.plan(
            "web",
            List.of(TestPods.terminating(pod("web-0", "master")), pod("web-1", "standby")),
            view("web-0", "web-1"));

    assertThat(plan.master()).isEmpty();
    assertThat(plan.demote()).containsExactly("web-0");
    assertThat(plan.promote()).isEmpty();
  }

  @Test
  void aLeaderThatNamesNoPodOfTheGroupIsReportedAndIgnored() {
    RoleAssignment plan =
        RoleAssignment.plan("web", List.of(pod("web-0", "standby")), view("intruder"));

    assertThat(plan.unknownLeader()).contains("intruder");
    assertThat(plan.master()).isEmpty();
    assertThat(plan.changesLabels()).isFalse();
  }

  @Test
  void noLeaderMeansNoMasterLabel() {
    RoleAssignment plan = RoleAssignment.plan("web", List.of(pod("web-0", "master")), view());

    assertThat(plan.master()).isEmpty();
    assertThat(plan.demote()).containsExactly("web-0");
  }
}
