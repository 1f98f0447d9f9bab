package dev.halo.operator;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;

/**
 * The client the reconciler writes with (objects, status, Events): the operator's configuration,
 * with a bounded timeout on every request and no retries inside the client. fabric8 retries a 5xx
 * or a timed-out request up to ten times with growing pauses, so one refused or hung write held the
 * group's reconcile for minutes; here a write fails after one timeout, and {@link GuardedWrites}
 * retries it with its own backoff while the reconcile goes on.
 */
final class WriteClient {
  /** The timeout when the configuration sets none (fabric8's default). */
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  /** The longest timeout taken from the configuration: a write never holds a reconcile longer. */
  static final Duration MAX_TIMEOUT = Duration.ofSeconds(30);

  private WriteClient() {}

  /** A client like {@code client} for writes; its writes name the field manager too. */
  static KubernetesClient like(KubernetesClient client) {
    Config config = client.getConfiguration();
    return FieldManager.client(
        new ConfigBuilder(config)
            .withRequestTimeout((int) timeout(config).toMillis())
            .withRequestRetryBackoffLimit(0)
            .build());
  }

  /**
   * The configured request timeout, or the default when none is set, at most {@link #MAX_TIMEOUT}.
   */
  static Duration timeout(Config config) {
    Integer ms = config.getRequestTimeout();
    if (ms == null || ms <= 0) {
      return DEFAULT_TIMEOUT;
    }
    return Duration.ofMillis(Math.min(ms, MAX_TIMEOUT.toMillis()));
  }
}
