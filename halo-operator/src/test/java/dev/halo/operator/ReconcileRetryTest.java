package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.javaoperatorsdk.operator.processing.retry.RetryExecution;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReconcileRetryTest {
  @Test
  void failedReconcilesBackOffUpToTheCapAndNeverGiveUp() {
    RetryExecution retry = new ReconcileRetry().initExecution();
    List<Long> delays = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      delays.add(retry.nextDelay().orElseThrow());
      assertThat(retry.isLastAttempt()).isFalse();
    }
    assertThat(delays).allMatch(d -> d >= ReconcileRetry.FIRST.toMillis());
    assertThat(delays).allMatch(d -> d <= ReconcileRetry.CAP.toMillis());
    // Full jitter: the later delays spread up to the cap, far beyond the first one.
    assertThat(delays.subList(10, 50).stream().mapToLong(Long::longValue).max().orElseThrow())
        .isGreaterThan(10 * ReconcileRetry.FIRST.toMillis());
    assertThat(retry.getAttemptCount()).isEqualTo(50);
  }

  @Test
  void everyGroupGetsItsOwnSequence() {
    ReconcileRetry retry = new ReconcileRetry();
    RetryExecution a = retry.initExecution();
    for (int i = 0; i < 10; i++) {
      a.nextDelay();
    }
    assertThat(retry.initExecution().nextDelay().orElseThrow())
        .isEqualTo(ReconcileRetry.FIRST.toMillis());
  }
}
