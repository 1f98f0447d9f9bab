package dev.halo.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The windows in which a fault makes relabelling impossible by design (etcd without quorum, the
 * operator down, its API calls failing), each with a grace period after it ends for the system to
 * catch up; the checker excuses lag and no-master time inside them.
 */
final class Disturbances {
  /** An open window; close() ends it, starting its grace period. */
  final class Window implements AutoCloseable {
    final String why;
    final long startNanos = System.nanoTime();
    final long graceNanos;
    volatile long endNanos = Long.MAX_VALUE;

    Window(String why, Duration grace) {
      this.why = why;
      this.graceNanos = grace.toNanos();
    }

    /** Ends the window (the first call counts), starting its grace period. */
    @Override
    public void close() {
      if (endNanos == Long.MAX_VALUE) {
        endNanos = System.nanoTime();
      }
    }
  }

  private final List<Window> windows = new ArrayList<>();

  synchronized Window open(String why, Duration grace) {
    Window w = new Window(why, grace);
    windows.add(w);
    return w;
  }

  synchronized boolean excused() {
    long now = System.nanoTime();
    for (int i = windows.size() - 1; i >= 0; i--) {
      Window w = windows.get(i);
      if (w.endNanos == Long.MAX_VALUE || now - w.endNanos < w.graceNanos) {
        return true;
      }
    }
    return false;
  }

  synchronized List<Map<String, Object>> closed() {
    return windows.stream()
        .map(
            w ->
                Map.<String, Object>of(
                    "why", w.why,
                    "durationMs",
                        ((w.endNanos == Long.MAX_VALUE ? System.nanoTime() : w.endNanos)
                                - w.startNanos)
                            / 1_000_000,
                    "graceMs", w.graceNanos / 1_000_000))
        .toList();
  }
}
