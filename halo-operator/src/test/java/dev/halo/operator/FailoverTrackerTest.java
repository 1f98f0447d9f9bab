package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.api.v1alpha1.FailoverRecord;
import dev.halo.api.v1alpha1.HighAvailabilityGroupStatus;
import dev.halo.api.v1alpha1.RemoteMaster;
import dev.halo.operator.model.FailoverCause;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class FailoverTrackerTest {
  private final FailoverTracker tracker = new FailoverTracker();
  private final Instant t0 = Instant.parse("2026-11-25T00:00:00Z");

  @Test
  void firstElectionReplacesNobody() {
    assertThat(tracker.labelled("shop/web", null, "web-0")).isEmpty();
    assertThat(tracker.isNew("shop/web", null, "web-0")).isFalse();
  }

  @Test
  void aNewMasterReplacesTheOneLabelledBefore() {
    tracker.labelled("shop/web", null, "web-0");

    assertThat(tracker.labelled("shop/web", null, "web-1")).contains("web-0");
  }

  @Test
  void afterARestartTheRecordedMasterIsThePrevious() {
    assertThat(tracker.labelled("shop/web", "web-0", "web-1")).contains("web-0");
  }

  @Test
  void aMasterLeavingForAnotherSiteIsRecordedWithItsSite() {
    tracker.labelled("shop/web", null, "web-0");
    String lyon = FailoverTracker.onSite("lyon", "orders-lyon-1");

    assertThat(tracker.isNew("shop/web", null, lyon)).isTrue();
    assertThat(tracker.labelled("shop/web", null, lyon)).contains("web-0");
    assertThat(FailoverTracker.concernsThisSite("web-0", lyon)).isTrue();
    assertThat(lyon).isEqualTo("lyon/orders-lyon-1");
  }

  @Test
  void aMasterArrivingFromAnotherSiteReplacesTheRemoteOne() {
    tracker.labelled("shop/web", null, "lyon/web-0");

    assertThat(tracker.isNew("shop/web", null, "web-0")).isTrue();
    assertThat(tracker.labelled("shop/web", null, "web-0")).contains("lyon/web-0");
    assertThat(FailoverTracker.concernsThisSite("lyon/web-0", "web-0")).isTrue();
  }

  @Test
  void aMasterMovingBetweenOtherSitesIsNotThisSitesToRecord() {
    assertThat(FailoverTracker.concernsThisSite("lyon/web-0", "nice/web-0")).isFalse();
  }

  @Test
  void theRecordedMasterIsTheLocalPodElseTheRemoteMasterWithItsSite() {
    HighAvailabilityGroupStatus local = new HighAvailabilityGroupStatus();
    local.setMaster("web-0");
    HighAvailabilityGroupStatus remote = new HighAvailabilityGroupStatus();
    remote.setRemoteMaster(new RemoteMaster("web-0", "lyon", "10.2.0.7"));

    assertThat(FailoverTracker.recordedMaster(local)).isEqualTo("web-0");
    assertThat(FailoverTracker.recordedMaster(remote)).isEqualTo("lyon/web-0");
    assertThat(FailoverTracker.recordedMaster(new HighAvailabilityGroupStatus())).isNull();
    assertThat(FailoverTracker.recordedMaster(null)).isNull();
    // After a restart, a pod of this site taking over from the recorded remote master.
    assertThat(tracker.labelled("shop/web", FailoverTracker.recordedMaster(remote), "web-0"))
        .contains("lyon/web-0");
  }

  @Test
  void theRecordCarriesTheVerdictAndAnUnknownDurationStaysAbsent() {
    FailoverRecord known =
        tracker.failedOver(
            "shop/web",
            0,
            "web-0",
            "web-1",
            new FailoverCause.Verdict("leaseExpired", OptionalLong.of(80)),
            t0);
    FailoverRecord unknown =
        tracker.failedOver(
            "shop/web",
            0,
            "web-1",
            "web-2",
            new FailoverCause.Verdict("unknown", OptionalLong.empty()),
            t0);

    assertThat(known.getReason()).isEqualTo("leaseExpired");
    assertThat(known.getDurationMillis()).isEqualTo(80);
    assertThat(unknown.getDurationMillis()).isNull();
    assertThat(RoleLabeller.failoverMessage(unknown)).doesNotContain(" in ");
  }

  @Test
  void aStaleStatusDoesNotLowerTheCount() {
    tracker.failedOver(
        "shop/web", 3, "web-0", "web-1", new FailoverCause.Verdict("x", OptionalLong.of(1)), t0);

    assertThat(tracker.count("shop/web", 3)).isEqualTo(4);
    assertThat(tracker.last("shop/web", null).getTo()).isEqualTo("web-1");
  }

  @Test
  void theHistoryKeepsTheLastTenFailoversNewestFirst() {
    for (int i = 0; i < 12; i++) {
      tracker.failedOver("shop/web", i, "web-" + i, "web-" + (i + 1), verdict(), t0.plusSeconds(i));
    }

    List<FailoverRecord> history = tracker.history("shop/web", List.of());

    assertThat(history).hasSize(FailoverRecord.HISTORY_SIZE);
    assertThat(history.get(0).getTo()).isEqualTo("web-12");
    assertThat(history.get(9).getTo()).isEqualTo("web-3");
  }

  @Test
  void afterARestartTheRecordedHistoryFollowsTheNewFailoverOnce() {
    FailoverRecord old = tracker.failedOver("shop/web", 0, "web-0", "web-1", verdict(), t0);
    FailoverTracker restarted = new FailoverTracker();
    restarted.failedOver("shop/web", 1, "web-1", "web-2", verdict(), t0.plusSeconds(5));

    List<FailoverRecord> history =
        restarted.history("shop/web", restarted.history("shop/web", List.of(old)));

    assertThat(history).extracting(FailoverRecord::getTo).containsExactly("web-2", "web-1");
  }

  private static FailoverCause.Verdict verdict() {
    return new FailoverCause.Verdict("switchover", OptionalLong.of(120));
  }
}
