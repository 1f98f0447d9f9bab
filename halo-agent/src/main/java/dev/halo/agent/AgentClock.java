package dev.halo.agent;

import java.time.Instant;

/**
 * The agent's clocks: a monotonic one for deadlines and timestamps (on Linux {@code
 * System.nanoTime} is one clock for every process of the machine, so the role histories of several
 * agents can be compared) and the wall clock for what people and apps read. Every part of the agent
 * reads time through one instance, so tests can drive it.
 */
public interface AgentClock {
  /** Monotonic nanoseconds; only differences mean something. */
  long nanoTime();

  /** The wall-clock time now. */
  Instant wallTime();

  /** The JVM's clocks: the one place the agent reads them. */
  static AgentClock system() {
    return new AgentClock() {
      @Override
      public long nanoTime() {
        return System.nanoTime();
      }

      @Override
      public Instant wallTime() {
        return Instant.now();
      }
    };
  }
}
