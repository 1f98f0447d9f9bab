package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.Fence;
import dev.halo.operator.election.RemovalPath;
import dev.halo.operator.election.Removed;
import dev.halo.operator.model.Revocations.Revocation;
import dev.halo.operator.model.TestGroups;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Each removal is counted by path and told on the group, the fenced one as a Warning. */
class RemovalReporterTest {
  private static final Candidate WEB_0 =
      new Candidate("/halo/shop/web/election/100", "web-0", 10, 0x100);
  private static final Candidate WEB_1 =
      new Candidate("/halo/shop/web/election/101", "web-1", 11, 0x101);

  private record Told(String type, String reason, String message) {}

  private final List<Told> told = new ArrayList<>();
  private final OperatorMetrics metrics = new OperatorMetrics();
  private final RemovalReporter reporter =
      new RemovalReporter(
          new GuardedWrites.Events() {
            @Override
            public void warning(HighAvailabilityGroup hag, String reason, String message) {
              told.add(new Told("Warning", reason, message));
            }

            @Override
            public void normal(HighAvailabilityGroup hag, String reason, String message) {
              told.add(new Told("Normal", reason, message));
            }

            @Override
            public void forget(HighAvailabilityGroup hag, String reason) {}
          },
          metrics);
  private final HighAvailabilityGroup hag = TestGroups.valid("shop", "web");

  @Test
  void aFencedMasterIsAWarningThatSaysHowLongTheNextMasterWaits() {
    reporter.removed(
        hag,
        new Revocation(WEB_0, "podDeleted", RemovalPath.FENCED, Optional.empty()),
        new Removed(RemovalPath.FENCED, 5, true));

    assertThat(told)
        .containsExactly(
            new Told(
                "Warning",
                "MasterFenced",
                "pod web-0 was deleted while its agent may still run and act as master; the next"
                    + " master waits 6 s (lease TTL 5 s + 1 s) for that agent's deadline. To hand"
                    + " over at once, delete pods without --force or ask for a switchover"));
    assertThat(metrics.scrape()).contains("halo_lease_removals_total{path=\"fenced\"} 1.0");
  }

  @Test
  void aNeverLeaderNamesTheKeyThatLedThroughoutItsLife() {
    reporter.removed(
        hag,
        new Revocation(WEB_1, "podDeleted", RemovalPath.NEVER_LEADER, Optional.of(WEB_0)),
        new Removed(RemovalPath.NEVER_LEADER, 0, true));

    assertThat(told)
        .containsExactly(
            new Told(
                "Normal",
                "KeyRemoved",
                "pod web-1's key (lease 101) removed at once (never-leader: web-0's older key led"
                    + " throughout its life)"));
    assertThat(metrics.scrape()).contains("halo_lease_removals_total{path=\"never-leader\"} 1.0");
  }

  @Test
  void aNeverLeaderWhoseWitnessWentIsReportedAsTheFenceItBecame() {
    reporter.removed(
        hag,
        new Revocation(WEB_1, "podDeleted", RemovalPath.NEVER_LEADER, Optional.of(WEB_0)),
        new Removed(RemovalPath.FENCED, 3, true));

    assertThat(told).extracting(Told::reason).containsExactly("MasterFenced");
    assertThat(metrics.scrape()).contains("halo_lease_removals_total{path=\"fenced\"} 1.0");
  }

  @Test
  void aCertainDeathIsImmediate() {
    reporter.removed(
        hag,
        new Revocation(WEB_0, "agentTerminated", RemovalPath.IMMEDIATE, Optional.empty()),
        new Removed(RemovalPath.IMMEDIATE, 0, true));

    assertThat(told)
        .extracting(Told::message)
        .containsExactly(
            "pod web-0's key (lease 100) removed at once (immediate: agentTerminated)");
    assertThat(metrics.scrape()).contains("halo_lease_removals_total{path=\"immediate\"} 1.0");
  }

  @Test
  void anUnreadableFenceSaysHowToRemoveIt() {
    reporter.unreadableFence(hag, new Fence("/halo/shop/web/fence/1", Optional.empty(), 0, 3));

    assertThat(told)
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.reason()).isEqualTo("UnreadableFence");
              assertThat(t.message()).endsWith("etcdctl del /halo/shop/web/fence/1");
            });
  }

  @Test
  void anotherSitesFenceFinishedHereIsAWarningThatPointsAtThatSite() {
    Fence lyons = dev.halo.operator.model.TestSites.fence(0x200, "uid-group-lyon");

    reporter.abandonedFenceFinished(hag, lyons, 12);

    assertThat(told)
        .containsExactly(
            new Told(
                "Warning",
                "AbandonedFenceFinished",
                "the fence of web-0 (lease 200), a member of another site, was left half-done for"
                    + " 12 s by that site's operator, so this site finished it: the lease is"
                    + " revoked and the fence holds the next master back 4 s more. Check that"
                    + " site's operator and its access to etcd"));
  }
}
