package dev.halo.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.SiteSpec;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SiteTimingTest {
  private static SiteTiming timing(int ttlSeconds, int electionTimeoutMillis, int rttMillis) {
    return new SiteTiming(
        Duration.ofSeconds(ttlSeconds),
        Duration.ofMillis(electionTimeoutMillis),
        Duration.ofMillis(rttMillis));
  }

  @Test
  void aGroupOfOneClusterHasNoSiteTiming() {
    assertThat(SiteTiming.of(TestGroups.valid("shop", "web").getSpec())).isEmpty();
  }

  @Test
  void aSiteWithoutTimingsAssumesEtcdsDefaultElectionTimeoutAndNoRtt() {
    HighAvailabilityGroup hag = TestGroups.valid("shop", "web");
    SiteSpec site = new SiteSpec();
    site.setName("paris");
    site.setGroup("orders");
    hag.getSpec().setSite(site);
    hag.getSpec().getElection().setLeaseTTLSeconds(3);

    assertThat(SiteTiming.of(hag.getSpec()))
        .contains(timing(3, 1000, 0))
        .get()
        .satisfies(
            t -> assertThat(t.safe()).as("3 s − 1 s is not more than 2 × 1000 ms").isFalse());
  }

  @Test
  void theDocumentedSmallestTtlsAreSafeAndOneSecondLessIsNot() {
    // docs/multi-site.md, etcd over a WAN: RTT, election timeout, smallest TTL.
    assertThat(timing(3, 500, 20).smallestSafeTtlSeconds()).contains(3);
    assertThat(timing(4, 1000, 50).smallestSafeTtlSeconds()).contains(4);
    assertThat(timing(5, 1500, 150).smallestSafeTtlSeconds()).contains(5);
    assertThat(timing(4, 1500, 150).safe()).isFalse();
  }

  @Test
  void tTlMinusMarginEqualToTheEtcdElectionIsNotSafe() {
    // TTL 3: margin 1 s leaves 2000 ms; 2 × 1000 ms + 2 × 0 ms = 2000 ms, not less.
    assertThat(timing(3, 1000, 0).safe()).isFalse();
    assertThat(timing(3, 999, 0).safe()).isTrue();
  }

  @Test
  void theWarningSaysWhatTheTtlLeavesWhatEtcdNeedsAndWhichTtlIsSafe() {
    assertThat(timing(2, 1000, 50).warning())
        .contains(
            "spec.election.leaseTTLSeconds 2 leaves 1000 ms before the agent's deadline (TTL −"
                + " max(1 s, TTL/5)), but an etcd leader election can hold a renewal for 2 × 1000"
                + " ms + 2 × 50 ms RTT = 2100 ms (spec.site.etcdElectionTimeoutMillis,"
                + " spec.site.rttMillis), so a healthy master may demote itself during one; set"
                + " spec.election.leaseTTLSeconds to at least 4");
    assertThat(timing(4, 1000, 50).warning()).isEmpty();
  }

  @Test
  void anElectionTimeoutNoTtlCanOutlastSaysToLowerIt() {
    assertThat(timing(60, 30_000, 0).warning())
        .get()
        .asString()
        .endsWith("lower etcd's --election-timeout: no lease TTL up to 60 s is enough");
  }
}
