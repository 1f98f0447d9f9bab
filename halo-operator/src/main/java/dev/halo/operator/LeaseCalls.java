package dev.halo.operator;

import dev.halo.common.Backoff;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Which leases have an operator call under way, and which must not be asked again yet because their
 * last call failed (capped exponential backoff, full jitter): etcd failing at once must not turn
 * every reconcile into another call (docs/design.md invariant 8). Thread-safe.
 */
final class LeaseCalls {
  private final Set<Long> inFlight = ConcurrentHashMap.newKeySet();
  private final Map<Long, Retry> retries = new ConcurrentHashMap<>();

  /** A lease whose last call failed: when it may be asked again. */
  private static final class Retry {
    final Backoff backoff = Backoff.fullJitter(Duration.ofMillis(500), Duration.ofSeconds(30));
    volatile long notBeforeNanos;
  }

  /** Whether a call for {@code leaseId} may start now; if so it is in flight until {@link #end}. */
  boolean begin(long leaseId) {
    return !backingOff(leaseId) && inFlight.add(leaseId);
  }

  /** The call for {@code leaseId} ended; a success forgets its failures. */
  void end(long leaseId, boolean succeeded) {
    inFlight.remove(leaseId);
    if (succeeded) {
      retries.remove(leaseId);
    }
  }

  /** Whether the last failed call for {@code leaseId} asks to wait still. */
  boolean backingOff(long leaseId) {
    Retry r = retries.get(leaseId);
    if (r == null) {
      return false;
    }
    synchronized (r) {
      return System.nanoTime() - r.notBeforeNanos < 0;
    }
  }

  /** Records a failed call for the lease; returns how long until it may be asked again. */
  long failed(long leaseId) {
    long now = System.nanoTime();
    // Leases that stopped failing long ago (expired meanwhile) are forgotten.
    retries.values().removeIf(r -> now - r.notBeforeNanos > TimeUnit.MINUTES.toNanos(5));
    Retry r = retries.computeIfAbsent(leaseId, k -> new Retry());
    synchronized (r) {
      long delay = r.backoff.nextDelayMillis();
      r.notBeforeNanos = now + TimeUnit.MILLISECONDS.toNanos(delay);
      return delay;
    }
  }
}
