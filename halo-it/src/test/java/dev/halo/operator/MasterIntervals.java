package dev.halo.operator;

import dev.halo.agent.Agent;
import dev.halo.agent.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Each in-process agent's master intervals, from its role transitions stamped with the monotonic
 * clock (one clock for the whole machine). A promotion is stamped in the listener, just after the
 * master flag became visible, a demotion just after it stopped being: so an interval may start a
 * few microseconds late, and ends late (an overlap is never hidden by its end). An agent that is
 * master when it is first watched has an interval from that moment.
 */
final class MasterIntervals {
  /** From {@code fromNanos} to {@code toNanos} ({@link Long#MAX_VALUE} while still master). */
  record Interval(String agent, long fromNanos, long toNanos) {
    boolean open() {
      return toNanos == Long.MAX_VALUE;
    }
  }

  /** Two agents' intervals that overlap, and by how long. */
  record Overlap(Interval first, Interval second, long millis) {}

  private final Map<String, List<long[]>> byAgent = new ConcurrentHashMap<>();

  /** Records {@code agent}'s transitions from now on, as {@code name}. */
  void watch(String name, Agent agent) {
    List<long[]> intervals = byAgent.computeIfAbsent(name, n -> new ArrayList<>());
    agent.onTransition(
        t -> {
          long now = System.nanoTime();
          synchronized (intervals) {
            if (t.to() == Role.MASTER) {
              intervals.add(new long[] {now, Long.MAX_VALUE});
            } else if (!intervals.isEmpty() && last(intervals)[1] == Long.MAX_VALUE) {
              last(intervals)[1] = now;
            }
          }
        });
    long now = System.nanoTime();
    synchronized (intervals) {
      if (intervals.isEmpty() && agent.role() == Role.MASTER) {
        intervals.add(new long[] {now, Long.MAX_VALUE});
      }
    }
  }

  private static long[] last(List<long[]> intervals) {
    return intervals.get(intervals.size() - 1);
  }

  /** Every interval so far. */
  List<Interval> all() {
    List<Interval> out = new ArrayList<>();
    byAgent.forEach(
        (name, intervals) -> {
          synchronized (intervals) {
            intervals.forEach(i -> out.add(new Interval(name, i[0], i[1])));
          }
        });
    return out;
  }

  /** {@code name}'s intervals so far. */
  List<Interval> of(String name) {
    return all().stream().filter(i -> i.agent().equals(name)).toList();
  }

  /** Every pair of intervals of two agents that overlap; open intervals count up to now. */
  List<Overlap> overlaps() {
    long now = System.nanoTime();
    List<Interval> all = all();
    List<Overlap> out = new ArrayList<>();
    for (int i = 0; i < all.size(); i++) {
      for (int j = i + 1; j < all.size(); j++) {
        Interval a = all.get(i);
        Interval b = all.get(j);
        long overlap =
            Math.min(Math.min(a.toNanos(), b.toNanos()), now)
                - Math.max(a.fromNanos(), b.fromNanos());
        if (!a.agent().equals(b.agent()) && overlap > 0) {
          out.add(new Overlap(a, b, TimeUnit.NANOSECONDS.toMillis(overlap)));
        }
      }
    }
    return out;
  }

  /** The gap between the end of {@code before}'s last interval and the start of {@code after}'s. */
  long gapMillis(String before, String after) {
    Interval end = of(before).get(of(before).size() - 1);
    Interval start = of(after).get(of(after).size() - 1);
    return TimeUnit.NANOSECONDS.toMillis(start.fromNanos() - end.toNanos());
  }
}
