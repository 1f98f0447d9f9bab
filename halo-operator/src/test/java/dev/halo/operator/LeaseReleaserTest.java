package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.FenceValue;
import dev.halo.common.Names;
import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.ElectionView;
import dev.halo.operator.election.FakeElectionService;
import dev.halo.operator.election.Fence;
import dev.halo.operator.election.KeyRemoval;
import dev.halo.operator.election.RemovalPath;
import dev.halo.operator.election.Removed;
import dev.halo.operator.model.Membership;
import dev.halo.operator.model.OperatorDefaults;
import dev.halo.operator.model.Revocations;
import dev.halo.operator.model.TestGroups;
import dev.halo.operator.model.TestPods;
import dev.halo.operator.model.TestSites;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Lease releases start calls and return; overlapping reconciles do not repeat them. */
class LeaseReleaserTest {
  private static final long WEB_0_LEASE = 0x100;
  private static final long WEB_1_LEASE = 0x101;

  private final FakeElectionService fake = new FakeElectionService();
  private final LeaseReleaser releaser =
      new LeaseReleaser(
          fake, new OperatorDefaults("halo:test", List.of(), List.of("http://etcd:2379")));
  private final HighAvailabilityGroup hag = TestGroups.valid("shop", "web");

  private static Pod olderAgent(Pod pod) {
    return new PodBuilder(pod)
        .withNewSpec()
        .addNewContainer()
        .withName(Names.AGENT_CONTAINER)
        .endContainer()
        .endSpec()
        .build();
  }

  private static Membership members(List<Pod> pods) {
    return TestPods.members(pods, TestPods.view("web-0", "web-1"));
  }

  @Test
  void aMasterThatHasNotSteppedDownYetIsNotAskedAgainOnEveryReconcile() {
    Membership view =
        members(List.of(TestPods.pod("web-0", "master"), TestPods.pod("web-1", "standby")));

    for (int reconcile = 0; reconcile < 20; reconcile++) {
      releaser.handOver(hag, "web-0", view);
    }

    assertThat(fake.stepDownRequests()).containsExactly(WEB_0_LEASE);
    assertThat(fake.legacyStepDownRequests()).as("its key carries an identity").isEmpty();
    assertThat(fake.revoked()).isEmpty();
  }

  @Test
  void aMasterWhoseKeyCarriesNoIdentityIsAlsoAskedWhereAnAgentOfRelease010Watches() {
    // Pods an older operator made: the agent container has no HALO_POD_UID.
    List<Pod> pods =
        List.of(
            olderAgent(TestPods.pod("web-0", "master")),
            olderAgent(TestPods.pod("web-1", "standby")));
    ElectionView legacy =
        new ElectionView(
            "/halo/shop/web/election",
            true,
            List.of(
                new Candidate("/halo/shop/web/election/100", "web-0", 10, WEB_0_LEASE),
                new Candidate("/halo/shop/web/election/101", "web-1", 11, WEB_1_LEASE)),
            20,
            "");

    releaser.handOver(hag, "web-0", TestPods.members(pods, legacy));

    assertThat(fake.stepDownRequests()).containsExactly(WEB_0_LEASE);
    assertThat(fake.legacyStepDownRequests()).containsExactly(WEB_0_LEASE);
  }

  @Test
  void aTerminatingMasterWhoseAgentRunsIsAskedToStepDownAndNeverRevoked() {
    List<Pod> pods =
        List.of(
            TestPods.terminating(TestPods.pod("web-0", "master")),
            TestPods.pod("web-1", "standby"));

    boolean pending = releaser.releaseGone(hag, pods, members(pods));

    assertThat(pending).as("its lease is still held").isTrue();
    assertThat(fake.stepDownRequests()).containsExactly(WEB_0_LEASE);
    assertThat(fake.revoked()).isEmpty();
  }

  @Test
  void theLeaseOfAGonePodIsRevokedOnce() {
    List<Pod> pods = List.of(TestPods.pod("web-0", "master"));

    assertThat(releaser.releaseGone(hag, pods, members(pods))).isTrue();

    assertThat(fake.revoked()).containsExactly(WEB_1_LEASE);
    assertThat(fake.stepDownRequests()).isEmpty();
  }

  @Test
  void aMasterGoneFromTheApiIsFencedAndTheStandbyBehindItGoesAsANeverLeader() {
    releaser.releaseGone(hag, List.of(), members(List.of()));

    assertThat(fake.removals())
        .extracting(
            r -> r.key().member(), KeyRemoval::path, r -> r.witness().map(Candidate::member))
        .containsExactlyInAnyOrder(
            tuple("web-0", RemovalPath.FENCED, Optional.empty()),
            tuple("web-1", RemovalPath.NEVER_LEADER, Optional.of("web-0")));
    assertThat(fake.removals())
        .allSatisfy(
            r -> {
              assertThat(r.fence().fencedLease()).isEqualTo(r.key().leaseId());
              assertThat(r.fence().fencedCreateRevision()).isEqualTo(r.key().createRevision());
              assertThat(r.fence().podUid()).isEqualTo(TestPods.uid(r.key().member()));
              assertThat(r.fence().groupUid()).isEqualTo(TestPods.GROUP_UID);
              assertThat(r.fence().reason()).isEqualTo("podDeleted");
            });
  }

  @Test
  void aFenceLeftUnfinishedIsFinishedOnceAndKeepsTheReleasePending() {
    List<Pod> pods = List.of(TestPods.pod("web-0", "master"), TestPods.pod("web-1", "standby"));
    Fence revoking = fence(Optional.of(value(FenceValue.REVOKING)));
    Membership view =
        TestPods.members(
            pods,
            TestPods.view("web-0", "web-1").withFences(List.of(revoking), OptionalLong.empty()));

    for (int reconcile = 0; reconcile < 5; reconcile++) {
      assertThat(releaser.releaseGone(hag, pods, view)).isTrue();
    }

    assertThat(fake.finishedFences()).containsExactly(revoking.key());
    assertThat(fake.removals()).isEmpty();
  }

  @Test
  void aSiteFinishesOnlyItsOwnMembersUnfinishedFenceAndNeverTouchesAnotherSitesKeys() {
    List<Pod> pods = List.of(TestPods.pod("web-0", "standby"));
    Fence lyons = TestSites.fence(0x200, "uid-group-lyon");
    Fence own = TestSites.fence(0x201, TestPods.GROUP_UID);
    Membership view =
        TestSites.members(
            pods,
            TestSites.view(
                    TestSites.remote("web-1", 30, 0x300), TestSites.local("web-0", 31, 0x301))
                .withFences(List.of(lyons, own), OptionalLong.empty()));

    assertThat(releaser.releaseGone(hag, pods, view)).isTrue();
    releaser.releaseAll(hag, view);

    assertThat(fake.finishedFences()).containsExactly(own.key());
    assertThat(fake.removals()).extracting(r -> r.key().leaseId()).containsExactly(0x301L);
    assertThat(fake.revoked()).doesNotContain(0x300L, 0x200L);
    assertThat(fake.stepDownRequests()).isEmpty();
  }

  @Test
  void anotherSitesFenceLeftHalfDoneIsFinishedHereOnlyOnceItsSiteLeftItTooLong() {
    List<Pod> pods = List.of(TestPods.pod("web-0", "standby"));
    Fence lyons = TestSites.fence(0x200, "uid-group-lyon");
    long[] now = {50_000};
    List<String> abandoned = new ArrayList<>();
    LeaseReleaser releaser =
        new LeaseReleaser(
            fake,
            new OperatorDefaults("halo:test", List.of(), List.of("http://etcd:2379")),
            (g, report) -> {},
            new KeyRemover.Removals() {
              @Override
              public void removed(
                  HighAvailabilityGroup g, Revocations.Revocation r, Removed removed) {}

              @Override
              public void unreadableFence(HighAvailabilityGroup g, Fence fence) {}

              @Override
              public void abandonedFenceFinished(
                  HighAvailabilityGroup g, Fence fence, long seconds) {
                abandoned.add(fence.key() + " after " + seconds + " s");
              }
            },
            () -> now[0]);
    Membership view =
        TestSites.members(
            pods,
            TestSites.view(
                    TestSites.remote("web-1", 30, 0x300), TestSites.local("web-0", 31, 0x301))
                .withFences(List.of(lyons), OptionalLong.empty()));
    // TTL 3 s: an armed fence lives 4 s; lyon's operator gets twice that, at least 10 s.
    assertThat(KeyRemover.abandonedAfterMillis(lyons)).isEqualTo(10_000);

    assertThat(releaser.releaseGone(hag, pods, view)).as("looks again soon").isTrue();
    now[0] += 9_999;
    assertThat(releaser.releaseGone(hag, pods, view)).isTrue();
    assertThat(fake.finishedFences()).isEmpty();
    assertThat(abandoned).isEmpty();

    now[0] += 1;
    releaser.releaseGone(hag, pods, view);
    assertThat(fake.finishedFences()).containsExactly(lyons.key());
    assertThat(abandoned).containsExactly(lyons.key() + " after 10 s");
    // A view behind etcd that still shows it does not finish it twice.
    now[0] += 60_000;
    releaser.releaseGone(hag, pods, view);
    assertThat(fake.finishedFences()).containsExactly(lyons.key());
    // Never a key of the other site's members.
    assertThat(fake.revoked()).doesNotContain(0x300L);
    assertThat(fake.removals()).extracting(r -> r.key().leaseId()).doesNotContain(0x300L);
  }

  @Test
  void anArmedFenceNeedsNothingAndAnUnreadableOneIsReported() {
    List<Pod> pods = List.of(TestPods.pod("web-0", "master"));
    List<Fence> unreadable = new ArrayList<>();
    LeaseReleaser reporting =
        new LeaseReleaser(
            fake,
            new OperatorDefaults("halo:test", List.of(), List.of("http://etcd:2379")),
            (g, report) -> {},
            new KeyRemover.Removals() {
              @Override
              public void removed(
                  HighAvailabilityGroup g, Revocations.Revocation r, Removed removed) {}

              @Override
              public void unreadableFence(HighAvailabilityGroup g, Fence fence) {
                unreadable.add(fence);
              }
            },
            () -> 0);
    Fence armed = fence(Optional.of(value(FenceValue.ARMED)));
    Fence garbage = new Fence("/halo/shop/web/fence/1", Optional.empty(), 0, 7);
    Membership view =
        TestPods.members(
            pods, TestPods.view("web-0").withFences(List.of(armed, garbage), OptionalLong.empty()));

    assertThat(reporting.releaseGone(hag, pods, view)).isFalse();

    assertThat(fake.finishedFences()).isEmpty();
    assertThat(unreadable).containsExactly(garbage);
  }

  private static FenceValue value(String state) {
    return new FenceValue(0x99, 9, "web-9", "", "", "podDeleted", 3, FenceValue.FENCED, state);
  }

  private static Fence fence(Optional<FenceValue> value) {
    return new Fence("/halo/shop/web/fence/99", value, 0, 42);
  }

  @Test
  void nothingIsPendingWhileEveryPodRuns() {
    List<Pod> pods = List.of(TestPods.pod("web-0", "master"), TestPods.pod("web-1", "standby"));

    assertThat(releaser.releaseGone(hag, pods, members(pods))).isFalse();

    assertThat(fake.revoked()).isEmpty();
    assertThat(fake.stepDownRequests()).isEmpty();
  }
}
