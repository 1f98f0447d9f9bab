package dev.halo.operator;

import dev.halo.common.Backoff;
import io.javaoperatorsdk.operator.processing.retry.Retry;
import io.javaoperatorsdk.operator.processing.retry.RetryExecution;
import java.time.Duration;
import java.util.Optional;

/**
 * When a group's reconcile failed (an unexpected error: a refused write does not fail it, see
 * {@link GuardedWrites}), the next one comes after a capped exponential backoff with full jitter,
 * and never stops coming: the SDK's default gives up after five attempts and leaves the group alone
 * until some event arrives, and waits the same delays for every group, so all groups hit a
 * recovering API server at the same instants.
 */
final class ReconcileRetry implements Retry {
  static final Duration FIRST = Duration.ofMillis(500);
  static final Duration CAP = Duration.ofSeconds(30);

  @Override
  public RetryExecution initExecution() {
    return new Execution();
  }

  /** One group's run of failed reconciles, until one succeeds. */
  private static final class Execution implements RetryExecution {
    private final Backoff backoff = Backoff.fullJitter(FIRST, CAP);
    private int attempts;

    @Override
    public Optional<Long> nextDelay() {
      attempts++;
      return Optional.of(backoff.nextDelayMillis());
    }

    @Override
    public int getAttemptCount() {
      return attempts;
    }

    @Override
    public boolean isLastAttempt() {
      return false;
    }
  }
}
