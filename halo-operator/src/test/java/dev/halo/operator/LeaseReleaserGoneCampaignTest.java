package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.ElectionService;
import dev.halo.operator.election.ElectionView;
import dev.halo.operator.election.Fence;
import dev.halo.operator.election.KeyRemoval;
import dev.halo.operator.election.RemovalPath;
import dev.halo.operator.election.Removed;
import dev.halo.operator.model.Membership;
import dev.halo.operator.model.OperatorDefaults;
import dev.halo.operator.model.TestGroups;
import dev.halo.operator.model.TestPods;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A scaled-down pod is gone but its agent keeps running and campaigns again, with a new lease, as
 * soon as its lease is revoked: the operator must not revoke every campaign at once (a busy loop
 * against etcd), and says so with an Event and a metric.
 */
class LeaseReleaserGoneCampaignTest {
  private static final String ELECTION = "/halo/shop/web/election";

  /** An etcd whose election holds web-0 and, after each revocation, a new lease of gone web-3. */
  private static final class RecampaigningEtcd implements ElectionService {
    final AtomicLong goneLease = new AtomicLong(0x300);
    final List<Long> revokes = new CopyOnWriteArrayList<>();

    ElectionView view() {
      List<Candidate> candidates = new ArrayList<>();
      candidates.add(TestPods.own(ELECTION + "/100", "web-0", 10, 0x100));
      long lease = goneLease.get();
      candidates.add(TestPods.own(ELECTION + "/" + Long.toHexString(lease), "web-3", lease, lease));
      return new ElectionView(ELECTION, true, candidates, lease, "");
    }

    @Override
    public ElectionView view(List<String> endpoints, String election) {
      return view();
    }

    @Override
    public CompletableFuture<Removed> remove(
        List<String> endpoints, String election, KeyRemoval removal) {
      long leaseId = removal.key().leaseId();
      revokes.add(leaseId);
      // The lease goes, and the agent of the gone pod campaigns again at once.
      goneLease.compareAndSet(leaseId, leaseId + 1);
      return CompletableFuture.completedFuture(new Removed(removal.path(), 0, true));
    }

    @Override
    public CompletableFuture<Removed> finishFence(List<String> endpoints, Fence fence) {
      return CompletableFuture.completedFuture(new Removed(RemovalPath.FENCED, 0, true));
    }

    @Override
    public CompletableFuture<Void> requestStepDown(
        List<String> endpoints, String election, long leaseId, String reason) {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public void addListener(Consumer<String> listener) {}

    @Override
    public void close() {}
  }

  private record Recorded(String reason, String message) {}

  @Test
  void aGonePodsAgentThatKeepsCampaigningIsRevokedWithBackoffAndReported() {
    HighAvailabilityGroup hag = TestGroups.valid("shop", "web");
    RecampaigningEtcd etcd = new RecampaigningEtcd();
    OperatorMetrics metrics = new OperatorMetrics();
    List<Recorded> events = new CopyOnWriteArrayList<>();
    LeaseReleaser releaser =
        new LeaseReleaser(
            etcd,
            new OperatorDefaults("halo:test", List.of(), List.of("http://etcd:2379")),
            HighAvailabilityGroupReconciler.goneCampaignReporter(
                (g, reason, message) -> events.add(new Recorded(reason, message)), metrics),
            () -> System.nanoTime() / 1_000_000);
    List<Pod> pods = List.of(TestPods.pod("web-0", "master"));

    // Reconciles back to back for 2.5 s (a measured window, not a wait for something), each on
    // the election as it is then (a watch event per revocation and campaign).
    long end = System.nanoTime() + Duration.ofMillis(2500).toNanos();
    int reconciles = 0;
    while (System.nanoTime() < end) {
      Membership members = TestPods.members(pods, etcd.view());
      assertThat(members.previous()).extracting(Candidate::member).containsExactly("web-3");
      assertThat(members.leaderPod()).contains("web-0");
      assertThat(releaser.releaseGone(hag, pods, members)).isTrue();
      reconciles++;
    }

    assertThat(reconciles).isGreaterThan(100);
    // The first lease at once, its next campaign after 1 s, the one after that after 2 s more.
    assertThat(etcd.revokes).hasSizeBetween(2, 3).doesNotHaveDuplicates();
    assertThat(events).isNotEmpty().hasSize(etcd.revokes.size() - 1);
    assertThat(events.get(0).reason()).isEqualTo("GoneMemberCampaigns");
    assertThat(events.get(0).message())
        .startsWith("pod web-3 is gone but its agent keeps campaigning (lease 301");
    assertThat(metrics.scrape())
        .contains(
            "halo_operator_gone_member_campaigns_total{group=\"shop/web\"} "
                + (etcd.revokes.size() - 1)
                + ".0");
  }
}
