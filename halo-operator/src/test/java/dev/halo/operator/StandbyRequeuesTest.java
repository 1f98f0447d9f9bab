package dev.halo.operator;

import static dev.halo.operator.model.TestPods.pod;
import static dev.halo.operator.model.TestSites.local;
import static dev.halo.operator.model.TestSites.members;
import static dev.halo.operator.model.TestSites.remote;
import static dev.halo.operator.model.TestSites.view;
import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.SiteSpec;
import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.FakeElectionService;
import dev.halo.operator.model.Membership;
import dev.halo.operator.model.OperatorDefaults;
import dev.halo.operator.model.TestGroups;
import dev.halo.operator.model.TestSites;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Site "paris" re-queues its standbys behind lyon's, where the master is, without a storm. */
class StandbyRequeuesTest {
  private static final List<Pod> PODS =
      List.of(pod("web-0", "standby"), pod("web-1", "standby"), pod("web-2", "standby"));
  private static final Candidate MASTER = remote("orders-lyon-0", 10, 0x100);

  private final FakeElectionService fake = new FakeElectionService();
  private final AtomicLong clock = new AtomicLong(1_000_000);
  private final List<String> events = new ArrayList<>();
  private final StandbyRequeues requeues =
      new StandbyRequeues(
          fake,
          new OperatorDefaults("halo:test", List.of(), List.of("http://etcd:2379")),
          (hag, reason, message) -> events.add(reason + ": " + message),
          clock::get);
  private final HighAvailabilityGroup hag = group();

  private static HighAvailabilityGroup group() {
    HighAvailabilityGroup hag = TestGroups.valid("shop", "web");
    SiteSpec site = new SiteSpec();
    site.setName(TestSites.SITE);
    site.setGroup("orders");
    hag.getSpec().setSite(site);
    return hag;
  }

  private static Membership queue(Candidate... queue) {
    return members(PODS, view(queue));
  }

  @Test
  void asksEachStandbyAheadOfTheMastersSiteOnceAndSaysSo() {
    Membership m =
        queue(
            MASTER,
            local("web-0", 11, 0x101),
            local("web-1", 12, 0x102),
            remote("orders-lyon-1", 13, 0x103));

    assertThat(requeues.act(hag, PODS, m)).isTrue();
    assertThat(requeues.act(hag, PODS, m)).isTrue();

    assertThat(fake.requeueRequests()).containsExactly(0x101L, 0x102L);
    assertThat(events)
        .containsExactly(
            "StandbyRequeued: web-0 queues again behind orders-lyon-1 of site lyon, so that a"
                + " failover goes there first",
            "StandbyRequeued: web-1 queues again behind orders-lyon-1 of site lyon, so that a"
                + " failover goes there first");
  }

  @Test
  void aNewRoundWaitsForTheGapAfterTheLast() {
    requeues.act(
        hag, PODS, queue(MASTER, local("web-0", 11, 0x101), remote("orders-lyon-1", 12, 0x102)));
    // web-0 went to the back; lyon's standby restarted behind web-1 meanwhile.
    Membership next =
        queue(
            MASTER,
            local("web-1", 13, 0x104),
            remote("orders-lyon-1", 14, 0x105),
            local("web-0", 15, 0x106));

    clock.addAndGet(StandbyRequeues.ROUND_GAP_MS - 1);
    requeues.act(hag, PODS, next);
    assertThat(fake.requeueRequests()).containsExactly(0x101L);

    clock.addAndGet(1);
    requeues.act(hag, PODS, next);
    assertThat(fake.requeueRequests()).containsExactly(0x101L, 0x104L);
  }

  @Test
  void nothingIsAskedWhenTheOrderIsRight() {
    Membership m = queue(MASTER, remote("orders-lyon-1", 11, 0x101), local("web-0", 12, 0x102));

    assertThat(requeues.act(hag, PODS, m)).isFalse();
    assertThat(fake.requeueRequests()).isEmpty();
    assertThat(events).isEmpty();
  }

  @Test
  void aStandbyThatDidNotMoveIsAskedAgainOnlyAfterItsTtlAndTheGap() {
    Membership m = queue(MASTER, local("web-0", 11, 0x101), remote("orders-lyon-1", 12, 0x102));
    requeues.act(hag, PODS, m);
    clock.addAndGet(5_000 + 1_999); // TTL 5 s + 2 s slack, less one ms
    requeues.act(hag, PODS, m);
    clock.addAndGet(StandbyRequeues.ROUND_GAP_MS);
    requeues.act(hag, PODS, m);

    assertThat(fake.requeueRequests()).containsExactly(0x101L, 0x101L);
  }
}
