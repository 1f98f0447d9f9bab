package dev.halo.chaos;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The seeded schedule of a campaign: which fault, on which group, after what pause. The same seed
 * and count always give the same plan; every kind comes at least once when {@code count} allows.
 */
record FaultPlan(long seed, List<Fault> faults) {
  /** One planned fault: its kind, the group it targets, and the pause before it. */
  record Fault(int index, FaultKind kind, int group, long pauseMs, double pick) {}

  static FaultPlan of(long seed, int count, int groups, long minPauseMs, long maxPauseMs) {
    return of(seed, count, groups, minPauseMs, maxPauseMs, List.of(FaultKind.values()));
  }

  /** As above, drawing only from {@code allowed}. */
  static FaultPlan of(
      long seed, int count, int groups, long minPauseMs, long maxPauseMs, List<FaultKind> allowed) {
    Random random = new Random(seed);
    List<FaultKind> kinds = new ArrayList<>(allowed);
    Collections.shuffle(kinds, random);
    List<Fault> faults = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      FaultKind kind =
          i < kinds.size() ? kinds.get(i) : allowed.get(random.nextInt(allowed.size()));
      long pause = minPauseMs + (long) (random.nextDouble() * (maxPauseMs - minPauseMs));
      faults.add(new Fault(i, kind, random.nextInt(groups), pause, random.nextDouble()));
    }
    return new FaultPlan(seed, List.copyOf(faults));
  }
}
