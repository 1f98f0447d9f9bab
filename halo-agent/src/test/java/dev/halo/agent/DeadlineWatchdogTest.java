package dev.halo.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DeadlineWatchdogTest {
  private static long ms(long millis) {
    return TimeUnit.MILLISECONDS.toNanos(millis);
  }

  @Test
  void aMasterWakesExactlyAtItsDeadline() {
    assertThat(DeadlineWatchdog.nextPark(true, ms(737))).isEqualTo(ms(737));
  }

  @Test
  void noSleepIsLongerThanFiveSeconds() {
    assertThat(DeadlineWatchdog.nextPark(true, ms(16_000))).isEqualTo(ms(5000));
    assertThat(DeadlineWatchdog.nextPark(false, ms(16_000))).isEqualTo(ms(5000));
  }

  @Test
  void aMasterPastItsDeadlineDoesNotSpin() {
    assertThat(DeadlineWatchdog.nextPark(true, -1)).isEqualTo(ms(5000));
  }
}
