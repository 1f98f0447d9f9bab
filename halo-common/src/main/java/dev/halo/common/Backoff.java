package dev.halo.common;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Capped exponential backoff with jitter, the one delay policy of every retry, watch and rebuild
 * loop in agent and operator: the n-th consecutive failure waits below min(cap, first × 2^n), and
 * {@link #reset()} starts over once the peer has proven healthy. Not thread-safe: each loop owns
 * one and uses it from its own thread.
 */
public final class Backoff {

  /** How a delay is drawn below the current ceiling. */
  public enum Jitter {
    /**
     * Uniform in [ceiling / 2, ceiling]: spread out, yet never less than half, so a loop whose peer
     * fails at once cannot run faster than the ceiling allows.
     */
    EQUAL,
    /**
     * Uniform in [first, ceiling]: the widest spread, for many callers retrying the same peer (one
     * per group), still never below the first delay.
     */
    FULL
  }

  private static final int MAX_SHIFT = 30;

  private final long firstMs;
  private final long capMs;
  private final Jitter jitter;
  private final DoubleSupplier random;
  private int failures;

  Backoff(Duration first, Duration cap, Jitter jitter, DoubleSupplier random) {
    if (first.toMillis() < 1 || cap.compareTo(first) < 0) {
      throw new IllegalArgumentException(
          "backoff needs 1 ms <= first <= cap; got first " + first + ", cap " + cap);
    }
    this.firstMs = first.toMillis();
    this.capMs = cap.toMillis();
    this.jitter = jitter;
    this.random = random;
  }

  /** Equal jitter (see {@link Jitter#EQUAL}). */
  public static Backoff equalJitter(Duration first, Duration cap) {
    return new Backoff(first, cap, Jitter.EQUAL, () -> ThreadLocalRandom.current().nextDouble());
  }

  /** Full jitter (see {@link Jitter#FULL}). */
  public static Backoff fullJitter(Duration first, Duration cap) {
    return new Backoff(first, cap, Jitter.FULL, () -> ThreadLocalRandom.current().nextDouble());
  }

  /** The delay before the next attempt; counts one more consecutive failure. */
  public long nextDelayMillis() {
    long ceiling = ceilingMillis();
    failures = Math.min(failures + 1, MAX_SHIFT);
    long floor = jitter == Jitter.EQUAL ? ceiling / 2 : Math.min(firstMs, ceiling);
    return floor + Math.round(random.getAsDouble() * (ceiling - floor));
  }

  /** The largest delay the next attempt can get: min(cap, first × 2^failures). */
  public long ceilingMillis() {
    long grown = firstMs << Math.min(failures, MAX_SHIFT);
    return grown <= 0 || grown > capMs ? capMs : grown;
  }

  /** Consecutive failures since the last reset. */
  public int failures() {
    return failures;
  }

  /** The peer proved healthy: the next failure waits the first delay again. */
  public void reset() {
    failures = 0;
  }
}
