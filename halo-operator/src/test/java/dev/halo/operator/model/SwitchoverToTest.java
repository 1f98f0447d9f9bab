package dev.halo.operator.model;

import static dev.halo.operator.model.TestPods.members;
import static dev.halo.operator.model.TestPods.notReady;
import static dev.halo.operator.model.TestPods.pod;
import static dev.halo.operator.model.TestPods.terminating;
import static dev.halo.operator.model.TestPods.view;
import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.common.MemberIdentity;
import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.ElectionView;
import dev.halo.operator.election.SwitchoverRequest;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A switchover to a chosen pod of a group of one cluster, "web", queued web-0, web-1, web-2. */
class SwitchoverToTest {
  private static final List<Pod> PODS =
      List.of(pod("web-0", "master"), pod("web-1", "standby"), pod("web-2", "standby"));
  private static final ElectionView QUEUE = view("web-0", "web-1", "web-2");

  private static SiteSwitchover.Step plan(String target, List<Pod> pods, ElectionView view) {
    return SiteSwitchover.plan(members(pods, view), target, pods, Optional.empty());
  }

  private static SiteSwitchover.Step plan(String target) {
    return plan(target, PODS, QUEUE);
  }

  private static String refusal(SiteSwitchover.Step step) {
    assertThat(step).isInstanceOf(SiteSwitchover.Step.Refuse.class);
    SiteSwitchover.Step.Refuse r = (SiteSwitchover.Step.Refuse) step;
    assertThat(r.reason()).isEqualTo(SiteSwitchover.REFUSED);
    return r.message();
  }

  @Test
  void theLastQueuedPodWaitsForEveryStandbyAheadOfItToQueueAgain() {
    assertThat(plan("web-2"))
        .isEqualTo(
            new SiteSwitchover.Step.Publish(new SwitchoverRequest("", "web-2", 0x102, 0x100), 1));
    assertThat(
            SiteSwitchover.requeues(
                members(PODS, QUEUE), new SwitchoverRequest("", "web-2", 0x102, 0x100)))
        .extracting(r -> r.standby().member())
        .containsExactly("web-1");
  }

  @Test
  void theMasterHandsOverOnceThePodIsNextInLine() {
    assertThat(plan("web-1"))
        .isEqualTo(
            new SiteSwitchover.Step.HandOver(
                "web-0", new SwitchoverRequest("", "web-1", 0x101, 0x100)));
  }

  @Test
  void theMasterItselfIsDoneAtOnce() {
    assertThat(plan("web-0")).isEqualTo(new SiteSwitchover.Step.Done("web-0"));
  }

  @Test
  void aNameThatIsNoPodOfTheGroupIsRefusedNamingThePods() {
    assertThat(refusal(plan("web-7")))
        .startsWith("web-7 is no pod of this group (web-0, web-1, web-2)")
        .contains("the master stays web-0");
  }

  @Test
  void aPodThatIsNotReadyIsRefused() {
    List<Pod> pods = List.of(PODS.get(0), PODS.get(1), notReady(PODS.get(2)));
    assertThat(refusal(plan("web-2", pods, QUEUE))).startsWith("web-2 is not Ready");
    List<Pod> leaving = List.of(PODS.get(0), PODS.get(1), terminating(PODS.get(2)));
    assertThat(refusal(plan("web-2", leaving, QUEUE))).startsWith("web-2 is not Ready");
  }

  @Test
  void aReadyPodWhoseAgentDoesNotCampaignIsRefused() {
    assertThat(refusal(plan("web-2", PODS, view("web-0", "web-1"))))
        .startsWith("web-2 is Ready but its agent does not campaign");
    // A key marked as leaving is no campaign either.
    ElectionView leaving = view("web-0", "web-1", "web-2");
    Candidate last = leaving.candidates().get(2);
    ElectionView marked =
        new ElectionView(
            leaving.election(),
            true,
            List.of(
                leaving.candidates().get(0),
                leaving.candidates().get(1),
                last.withIdentity(last.identity().map(i -> i.leaving(MemberIdentity.RESIGNED)))),
            20,
            "");
    assertThat(refusal(plan("web-2", PODS, marked))).contains("does not campaign");
  }

  @Test
  void aPodThatNeverBecomesMasterIsRefusedSayingWhy() {
    assertThat(
            refusal(
                SiteSwitchover.plan(
                    members(PODS, QUEUE),
                    "web-2",
                    PODS,
                    Optional.empty(),
                    java.util.Map.of("web-2", "spec.election.neverMaster.ordinals: 2"))))
        .startsWith("web-2 never becomes master (spec.election.neverMaster.ordinals: 2)")
        .contains("the master stays web-0");
  }

  @Test
  void anotherSwitchoverUnderWayIsRefused() {
    assertThat(
            refusal(
                SiteSwitchover.plan(
                    members(PODS, QUEUE), "web-2", PODS, Optional.of("a switchover to web-1"))))
        .startsWith("another switchover is under way (a switchover to web-1)");
  }

  @Test
  void aSiteIsIgnoredOnAGroupOfOneCluster() {
    assertThat(plan("lyon/web-2"))
        .isInstanceOfSatisfying(
            SiteSwitchover.Step.Refuse.class,
            r -> {
              assertThat(r.reason()).isEqualTo(SiteSwitchover.IGNORED);
              assertThat(r.message()).contains("halo.dev/switchover-to=web-2");
            });
  }

  @Test
  void nothingIsDecidedWithoutALeader() {
    assertThat(plan("web-2", PODS, view())).isInstanceOf(SiteSwitchover.Step.Wait.class);
  }

  private static final SwitchoverRequest TO_WEB_2 =
      new SwitchoverRequest("", "web-2", 0x102, 0x100);

  /** The queue after web-1 queued again: web-0, web-2, then web-1 under a new lease. */
  private static ElectionView requeued() {
    List<Candidate> c = QUEUE.candidates();
    Candidate back = new Candidate("/halo/shop/web/election/200", "web-1", 30, 0x200);
    return new ElectionView(QUEUE.election(), true, List.of(c.get(0), c.get(2), back), 30, "");
  }

  @Test
  void theHandOverIsDueOnceTheTargetIsNextInLine() {
    assertThat(
            SiteSwitchover.handOverDue(requeued().withSwitchover(Optional.of(TO_WEB_2)), TO_WEB_2))
        .isTrue();
  }

  @Test
  void theHandOverIsNotDueWhileAStandbyIsStillQueuedAheadOfTheTarget() {
    assertThat(SiteSwitchover.handOverDue(QUEUE.withSwitchover(Optional.of(TO_WEB_2)), TO_WEB_2))
        .isFalse();
  }

  @Test
  void theHandOverIsNotDueOnceTheRequestIsWithdrawnOrTheMasterChanged() {
    assertThat(SiteSwitchover.handOverDue(requeued(), TO_WEB_2)).isFalse();
    SwitchoverRequest ofAnotherMaster = new SwitchoverRequest("", "web-2", 0x102, 0x999);
    assertThat(
            SiteSwitchover.handOverDue(
                requeued().withSwitchover(Optional.of(ofAnotherMaster)), ofAnotherMaster))
        .isFalse();
  }

  @Test
  void theHandOverIsNotDueWhenTheTargetHoldsNoKeyOrEtcdIsUnreachable() {
    List<Candidate> c = QUEUE.candidates();
    ElectionView targetGone =
        new ElectionView(QUEUE.election(), true, List.of(c.get(0)), 30, "")
            .withSwitchover(Optional.of(TO_WEB_2));
    assertThat(SiteSwitchover.handOverDue(targetGone, TO_WEB_2)).isFalse();
    assertThat(
            SiteSwitchover.handOverDue(
                ElectionView.unreachable(QUEUE.election(), "etcd down"), TO_WEB_2))
        .isFalse();
  }
}
