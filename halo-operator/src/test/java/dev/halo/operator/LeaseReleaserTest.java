package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.operator.election.FakeElectionService;
import dev.halo.operator.model.Membership;
import dev.halo.operator.model.OperatorDefaults;
import dev.halo.operator.model.TestGroups;
import dev.halo.operator.model.TestPods;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
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
    assertThat(fake.revoked()).isEmpty();
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
  void nothingIsPendingWhileEveryPodRuns() {
    List<Pod> pods = List.of(TestPods.pod("web-0", "master"), TestPods.pod("web-1", "standby"));

    assertThat(releaser.releaseGone(hag, pods, members(pods))).isFalse();

    assertThat(fake.revoked()).isEmpty();
    assertThat(fake.stepDownRequests()).isEmpty();
  }
}
