package dev.halo.agent;

import java.time.Duration;
import java.time.Instant;

/** An {@link AgentClock} that moves only when a test moves it. */
final class FakeClock implements AgentClock {
  private static final Instant START = Instant.parse("2026-12-07T03:00:00Z");
  private long nanos = 1_000_000_000L;

  @Override
  public synchronized long nanoTime() {
    return nanos;
  }

  @Override
  public synchronized Instant wallTime() {
    return START.plusNanos(nanos);
  }

  synchronized void advance(Duration d) {
    nanos += d.toNanos();
  }

  /** Moves to {@code at}, never back. */
  synchronized void advanceTo(long at) {
    if (at - nanos > 0) {
      nanos = at;
    }
  }
}
