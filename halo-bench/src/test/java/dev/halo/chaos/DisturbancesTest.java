package dev.halo.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DisturbancesTest {
  @Test
  void aWindowExcusesWhileOpenAndDuringItsGraceThenNoMore() {
    Disturbances d = new Disturbances();
    assertThat(d.excused()).isFalse();
    Disturbances.Window w = d.open("test", Duration.ofMillis(200));
    assertThat(d.excused()).isTrue();
    w.close();
    assertThat(d.excused()).isTrue();
    await().atMost(Duration.ofSeconds(2)).until(() -> !d.excused());
  }

  @Test
  void closingAWindowAgainDoesNotMoveItsEnd() {
    Disturbances d = new Disturbances();
    Disturbances.Window w = d.open("test", Duration.ofMillis(100));
    w.close();
    long end = w.endNanos;
    await().until(() -> System.nanoTime() - end > 1_000_000);
    w.close();
    assertThat(w.endNanos).isEqualTo(end);
    await().atMost(Duration.ofSeconds(2)).until(() -> !d.excused());
  }
}
