package dev.halo.agent;

import dev.halo.common.Backoff;
import dev.halo.etcd.EtcdFailure;
import dev.halo.etcd.EtcdSecurity;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Paces the elector's session restarts after failed etcd calls: one retry per session, waiting
 * longer while etcd keeps failing. On the elector thread.
 */
final class SessionRetries {
  // Logged as the elector: that is where operators look for why it is not campaigning.
  private static final Logger log = LoggerFactory.getLogger(Elector.class);

  // Etcd calls that fail at once (an etcd member dying) must not spin the agent: each loop backs
  // off until etcd proved healthy again (docs/design.md invariant 8).
  private final Backoff retries =
      Backoff.equalJitter(Duration.ofMillis(100), Duration.ofSeconds(2));
  private final List<URI> etcdEndpoints;
  private final EtcdSecurity security;
  private final LongSupplier nanoClock;
  private long lastRetryNanos;
  private long retryScheduledFor = -1;

  SessionRetries(List<URI> etcdEndpoints, EtcdSecurity security, LongSupplier nanoClock) {
    this.etcdEndpoints = etcdEndpoints;
    this.security = security;
    this.nanoClock = nanoClock;
  }

  /** Etcd answered (a watch delivered): the next failure starts from the shortest delay. */
  void etcdWorks() {
    retries.reset();
  }

  /**
   * How long to wait before restarting session {@code s} after {@code error}, or empty when a retry
   * of that session is already scheduled (two of its calls failed: one retry is enough).
   */
  OptionalLong delayFor(long s, String reason, Throwable error) {
    if (retryScheduledFor == s) {
      return OptionalLong.empty();
    }
    retryScheduledFor = s;
    long now = nanoClock.getAsLong();
    if (now - lastRetryNanos > WatchPair.HEALTHY_AFTER.toNanos()) {
      retries.reset(); // quiet for a while: this is a new incident
    }
    lastRetryNanos = now;
    long delay = retries.nextDelayMillis();
    EtcdFailure failure = EtcdFailure.classify(error, security);
    log.atWarn()
        .addKeyValue("reason", reason)
        .addKeyValue("retryInMs", delay)
        .addKeyValue("failuresInARow", retries.failures())
        .addKeyValue("etcdFailure", failure.kind().reason())
        .addKeyValue("error", failure.message())
        .log(
            failure.kind() == EtcdFailure.Kind.UNREACHABLE
                ? "etcd call failed; will retry (check that etcd is reachable at "
                    + etcdEndpoints
                    + ")"
                : "etcd call failed: " + failure.message() + "; will retry");
    return OptionalLong.of(delay);
  }
}
