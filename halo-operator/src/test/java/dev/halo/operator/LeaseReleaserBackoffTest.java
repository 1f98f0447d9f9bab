package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.ElectionKeys;
import dev.halo.operator.election.ElectionService;
import dev.halo.operator.election.ElectionView;
import dev.halo.operator.election.FakeElectionService;
import dev.halo.operator.election.Fence;
import dev.halo.operator.election.KeyRemoval;
import dev.halo.operator.election.Removed;
import dev.halo.operator.model.Membership;
import dev.halo.operator.model.OperatorDefaults;
import dev.halo.operator.model.TestGroups;
import dev.halo.operator.model.TestPods;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * docs/design.md invariant 8 for revocations: etcd refusing at once is not asked again per
 * reconcile.
 */
class LeaseReleaserBackoffTest {
  private final FakeElectionService fake = new FakeElectionService();
  private final AtomicInteger revokeCalls = new AtomicInteger();

  /** Counts every revoke, failed ones included (the fake only records successes). */
  private final ElectionService counting =
      new ElectionService() {
        @Override
        public ElectionView view(List<String> endpoints, String election) {
          return fake.view(endpoints, election);
        }

        @Override
        public CompletableFuture<Removed> remove(
            List<String> endpoints, String election, KeyRemoval removal) {
          revokeCalls.incrementAndGet();
          return fake.remove(endpoints, election, removal);
        }

        @Override
        public CompletableFuture<Removed> finishFence(List<String> endpoints, Fence fence) {
          return fake.finishFence(endpoints, fence);
        }

        @Override
        public CompletableFuture<Void> requestStepDown(
            List<String> endpoints, String election, long leaseId, String reason) {
          return fake.requestStepDown(endpoints, election, leaseId, reason);
        }

        @Override
        public void addListener(Consumer<String> listener) {}

        @Override
        public void close() {}
      };

  @Test
  void aRevocationThatFailsAtOnceIsRetriedWithBackoffNotOnEveryReconcile() {
    HighAvailabilityGroup hag = TestGroups.valid("ns", "web");
    ElectionView read =
        fake.setCandidates(ElectionKeys.electionName("ns", "web"), "web-0", "web-1");
    // The same keys, each under the identity its agent publishes.
    ElectionView withIdentities =
        new ElectionView(
            read.election(),
            true,
            read.candidates().stream()
                .map(c -> TestPods.own(c.key(), c.member(), c.createRevision(), c.leaseId()))
                .toList(),
            read.revision(),
            "");
    Membership view =
        TestPods.members(
            List.of(TestPods.pod("web-0", "master"), TestPods.pod("web-1", "standby")),
            withIdentities);
    fake.failCalls(new IllegalStateException("etcdserver: no leader"));
    LeaseReleaser releaser =
        new LeaseReleaser(
            counting, new OperatorDefaults("halo:test", List.of(), List.of("http://etcd:2379")));

    // Reconciles back to back for two seconds (a measured window, not a wait for something):
    // each would revoke web-1's key again. From 500 ms, doubling, at most 3 calls fit.
    long end = System.nanoTime() + Duration.ofSeconds(2).toNanos();
    int reconciles = 0;
    while (System.nanoTime() < end) {
      releaser.handOver(hag, "web-1", view);
      reconciles++;
    }
    assertThat(reconciles).isGreaterThan(10);
    assertThat(revokeCalls.get()).isBetween(1, 5);

    fake.failCalls(null);
    assertThat(fake.revoked()).isEmpty();
  }
}
