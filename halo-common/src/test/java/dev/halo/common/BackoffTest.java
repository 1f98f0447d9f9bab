package dev.halo.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private static Backoff backoff(Backoff.Jitter jitter, double random) {
    return new Backoff(Duration.ofMillis(100), Duration.ofMillis(1000), jitter, () -> random);
  }

  private static List<Long> delays(Backoff b, int n) {
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(b.nextDelayMillis());
    }
    return out;
  }

  @Test
  void theCeilingDoublesPerConsecutiveFailureUpToTheCap() {
    assertThat(delays(backoff(Backoff.Jitter.EQUAL, 1.0), 7))
        .containsExactly(100L, 200L, 400L, 800L, 1000L, 1000L, 1000L);
  }

  @Test
  void equalJitterNeverGoesBelowHalfTheCeiling() {
    assertThat(delays(backoff(Backoff.Jitter.EQUAL, 0.0), 6))
        .containsExactly(50L, 100L, 200L, 400L, 500L, 500L);
  }

  @Test
  void fullJitterNeverGoesBelowTheFirstDelay() {
    assertThat(delays(backoff(Backoff.Jitter.FULL, 0.0), 4)).containsOnly(100L);
    assertThat(delays(backoff(Backoff.Jitter.FULL, 0.5), 5))
        .containsExactly(100L, 150L, 250L, 450L, 550L);
  }

  @Test
  void resetStartsOverAfterThePeerProvedHealthy() {
    Backoff b = backoff(Backoff.Jitter.EQUAL, 1.0);
    delays(b, 5);
    assertThat(b.failures()).isEqualTo(5);
    b.reset();
    assertThat(b.failures()).isZero();
    assertThat(b.nextDelayMillis()).isEqualTo(100L);
  }

  @Test
  void manyFailuresDoNotOverflowTheCeiling() {
    Backoff b = Backoff.equalJitter(Duration.ofMillis(100), Duration.ofSeconds(2));
    for (int i = 0; i < 100; i++) {
      assertThat(b.nextDelayMillis()).isBetween(50L, 2000L);
    }
    assertThat(b.ceilingMillis()).isEqualTo(2000L);
  }

  @Test
  void aCapBelowTheFirstDelayIsRefused() {
    assertThatThrownBy(() -> Backoff.equalJitter(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("first <= cap");
  }
}
