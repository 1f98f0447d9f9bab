package dev.halo.operator.model;

import static dev.halo.operator.model.TestPods.pod;
import static dev.halo.operator.model.TestPods.view;
import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.operator.election.ElectionView;
import dev.halo.operator.model.RolloutPlanner.Step;
import java.util.List;
import org.junit.jupiter.api.Test;

class RolloutPlannerTest {
  private static List<Step> plan(
      int replicas, List<io.fabric8.kubernetes.api.model.Pod> pods, ElectionView view) {
    return RolloutPlanner.plan("web", replicas, "h2", pods, TestPods.members(pods, view));
  }

  @Test
  void createsMissingPods() {
    assertThat(plan(3, List.of(pod("web-1", "master", "h2")), view("web-1")))
        .containsExactly(new Step.Create(List.of(0, 2)), new Step.Wait("pods are being created"));
  }

  @Test
  void aPodIsNotRecreatedWhileTheElectionHoldsALeaseOfItsPredecessor() {
    // web-0 is gone from the API but its key is still in the election (its release is under way).
    assertThat(plan(3, List.of(pod("web-1", "master", "h2")), view("web-1", "web-0")))
        .containsExactly(new Step.Create(List.of(2)), new Step.Wait("pods are being created"));
    // Released: web-0 comes back.
    assertThat(plan(3, List.of(pod("web-1", "master", "h2")), view("web-1")))
        .containsExactly(new Step.Create(List.of(0, 2)), new Step.Wait("pods are being created"));
  }

  @Test
  void nothingToDoWhenEverythingIsCurrent() {
    assertThat(
            plan(
                2,
                List.of(pod("web-0", "master", "h2"), pod("web-1", "standby", "h2")),
                view("web-0", "web-1")))
        .isEmpty();
  }

  @Test
  void scaleDownRemovesTheHighestStandbyFirst() {
    List<io.fabric8.kubernetes.api.model.Pod> pods =
        List.of(
            pod("web-0", "standby", "h2"),
            pod("web-1", "standby", "h2"),
            pod("web-2", "master", "h2"),
            pod("web-3", "standby", "h2"));
    assertThat(plan(1, pods, view("web-2", "web-0", "web-1", "web-3")))
        .containsExactly(new Step.Delete("web-3", "scaleDown"));
  }

  @Test
  void scaleDownHandsTheMasterOverBeforeRemovingIt() {
    List<io.fabric8.kubernetes.api.model.Pod> pods =
        List.of(pod("web-0", "standby", "h2"), pod("web-1", "master", "h2"));
    assertThat(plan(1, pods, view("web-1", "web-0")))
        .containsExactly(new Step.HandOver("web-1", "scaleDown"));
    // After the hand-over web-0 leads and web-1 is a standby that can go.
    assertThat(plan(1, pods, view("web-0", "web-1")))
        .containsExactly(new Step.Delete("web-1", "scaleDown"));
  }

  @Test
  void rollingUpdateReplacesStandbysFirstThenHandsOverTheMaster() {
    List<io.fabric8.kubernetes.api.model.Pod> old =
        List.of(
            pod("web-0", "master", "h1"),
            pod("web-1", "standby", "h1"),
            pod("web-2", "standby", "h1"));
    assertThat(plan(3, old, view("web-0", "web-1", "web-2")))
        .containsExactly(new Step.Delete("web-2", "templateChanged"));

    List<io.fabric8.kubernetes.api.model.Pod> masterLeft =
        List.of(
            pod("web-0", "master", "h1"),
            pod("web-1", "standby", "h2"),
            pod("web-2", "standby", "h2"));
    assertThat(plan(3, masterLeft, view("web-0", "web-1", "web-2")))
        .containsExactly(new Step.HandOver("web-0", "templateChanged"));
  }

  @Test
  void rollingUpdateWaitsForTheReplacementToBeReadyAndCampaigning() {
    List<io.fabric8.kubernetes.api.model.Pod> pods =
        List.of(
            pod("web-0", "master", "h1"),
            pod("web-1", "standby", "h1"),
            TestPods.notReady(pod("web-2", "standby", "h2")));
    assertThat(plan(3, pods, view("web-0", "web-1", "web-2")))
        .singleElement()
        .isInstanceOf(Step.Wait.class);

    List<io.fabric8.kubernetes.api.model.Pod> ready =
        List.of(
            pod("web-0", "master", "h1"),
            pod("web-1", "standby", "h1"),
            pod("web-2", "standby", "h2"));
    assertThat(plan(3, ready, view("web-0", "web-1")))
        .singleElement()
        .isInstanceOf(Step.Wait.class);
  }

  @Test
  void aSiteHeldOutOfTheElectionRollsOnOnceTheReplacementIsReady() {
    List<io.fabric8.kubernetes.api.model.Pod> pods =
        List.of(pod("web-0", "standby", "h1"), pod("web-1", "standby", "h2"));
    // No pod of the site campaigns: the master is on another site and this one is held out.
    assertThat(RolloutPlanner.plan("web", 2, "h2", pods, TestPods.members(pods, view()), true))
        .containsExactly(new Step.Delete("web-0", "templateChanged"));
    assertThat(RolloutPlanner.plan("web", 2, "h2", pods, TestPods.members(pods, view()), false))
        .containsExactly(new Step.Wait("waiting for updated pods to be Ready and campaigning"));
  }

  @Test
  void oneDisruptionAtATime() {
    List<io.fabric8.kubernetes.api.model.Pod> pods =
        List.of(
            pod("web-0", "master", "h1"),
            TestPods.terminating(pod("web-1", "standby", "h1")),
            pod("web-2", "standby", "h1"));
    assertThat(plan(3, pods, view("web-0", "web-2"))).singleElement().isInstanceOf(Step.Wait.class);
  }

  @Test
  void nothingDisruptiveWhileEtcdIsUnreachable() {
    List<io.fabric8.kubernetes.api.model.Pod> pods =
        List.of(pod("web-1", "master", "h1"), pod("web-2", "standby", "h1"));
    assertThat(plan(1, pods, ElectionView.unreachable("/halo/shop/web/election", "down")))
        .containsExactly(new Step.Create(List.of(0)), new Step.Wait("etcd unreachable"));
  }
}
