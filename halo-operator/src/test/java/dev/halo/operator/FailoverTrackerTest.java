package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.api.v1alpha1.FailoverRecord;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class FailoverTrackerTest {
  private final FailoverTracker tracker = new FailoverTracker();
  private final Instant t0 = Instant.parse("2026-11-25T00:00:00Z");

  @Test
  void firstElectionIsNoFailover() {
    assertThat(tracker.elected("shop/web", null, 0, "web-0", t0, "resigned")).isEmpty();
  }

  @Test
  void failoverCarriesTheCauseAndTheTimeSinceTheLoss() {
    tracker.elected("shop/web", null, 0, "web-0", t0, "resigned");
    tracker.lost("shop/web", "web-0", t0.plusMillis(1000), "podDeleted");

    FailoverRecord r =
        tracker.elected("shop/web", "web-0", 0, "web-1", t0.plusMillis(1080), "x").orElseThrow();

    assertThat(r.getFrom()).isEqualTo("web-0");
    assertThat(r.getTo()).isEqualTo("web-1");
    assertThat(r.getReason()).isEqualTo("podDeleted");
    assertThat(r.getDurationMillis()).isEqualTo(80);
  }

  @Test
  void aPlannedHandOverIsASwitchoverEvenWithoutAnObservedGap() {
    tracker.elected("shop/web", null, 0, "web-2", t0, "resigned");
    tracker.handingOver("shop/web", "web-2");

    assertThat(tracker.elected("shop/web", "web-2", 0, "web-0", t0.plusMillis(50), "resigned"))
        .hasValueSatisfying(r -> assertThat(r.getReason()).isEqualTo("switchover"));
  }

  @Test
  void afterARestartTheRecordedMasterIsThePrevious() {
    assertThat(tracker.elected("shop/web", "web-0", 0, "web-1", t0, "podDeleted"))
        .hasValueSatisfying(r -> assertThat(r.getFrom()).isEqualTo("web-0"));
  }

  @Test
  void aStaleStatusDoesNotLowerTheCount() {
    tracker.elected("shop/web", null, 0, "web-0", t0, "x");
    tracker.elected("shop/web", "web-0", 3, "web-1", t0, "podDeleted");

    assertThat(tracker.count("shop/web", 3)).isEqualTo(4);
    assertThat(tracker.last("shop/web", null).getTo()).isEqualTo("web-1");
  }
}
