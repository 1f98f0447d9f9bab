package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.Names;
import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.ElectionView;
import dev.halo.operator.election.FakeElectionService;
import dev.halo.operator.model.Membership;
import dev.halo.operator.model.OperatorDefaults;
import dev.halo.operator.model.TestGroups;
import dev.halo.operator.model.TestPods;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
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
  void nothingIsPendingWhileEveryPodRuns() {
    List<Pod> pods = List.of(TestPods.pod("web-0", "master"), TestPods.pod("web-1", "standby"));

    assertThat(releaser.releaseGone(hag, pods, members(pods))).isFalse();

    assertThat(fake.revoked()).isEmpty();
    assertThat(fake.stepDownRequests()).isEmpty();
  }
}
