package dev.halo.sandbox.history;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;

/**
 * Proves from the role histories of one group's pods that the group never had two masters: every
 * agent's master intervals ({@link RoleHistory#masterIntervals}) on one monotonic clock (on Linux
 * {@link System#nanoTime} is the same clock for every process of the machine), sorted by start.
 *
 * <ul>
 *   <li>{@value #OVERLAP}: two intervals overlap (both agents could answer master at once); the
 *       violation names both and the overlap in ms. Touching intervals (one ends exactly when the
 *       next starts) do not overlap.
 *   <li>{@value #TERM_ORDER}: a master started with a term lower than an earlier master's, or with
 *       the same term under another key. Each master held the leader key when it promoted and the
 *       leader key's create revision only grows, so terms in the order of the intervals' starts
 *       must grow; only the same key promoted again (after a demotion without losing its key) may
 *       repeat its term.
 *   <li>{@value #UNREADABLE}: a line could not be read: evidence was lost.
 *   <li>{@value #INCONSISTENT}: the lines of one process do not add up (a demotion with no
 *       promotion, two promotions in a row, a promotion without a term, time going backwards).
 * </ul>
 *
 * It also gives the number of intervals checked and the smallest gap between the end of one master
 * and the start of the next (another key).
 */
public final class RoleHistoryChecker {
  public static final String OVERLAP = "MASTER_OVERLAP";
  public static final String TERM_ORDER = "TERM_ORDER";
  public static final String UNREADABLE = "HISTORY_UNREADABLE";
  public static final String INCONSISTENT = "HISTORY_INCONSISTENT";

  /**
   * A broken rule.
   *
   * @param kind one of {@value #OVERLAP}, {@value #TERM_ORDER}, {@value #UNREADABLE}, {@value
   *     #INCONSISTENT}
   * @param atNanos when (monotonic) it happened: the later interval's start; 0 when unknown
   * @param durationNanos how long two masters overlapped; 0 for the other kinds
   */
  public record Violation(
      String kind, String group, long atNanos, long durationNanos, String details) {}

  /** One master followed by the next one (another key), and the time between them. */
  public record Handover(MasterInterval from, MasterInterval to, long gapNanos) {}

  /**
   * What the histories of one group prove.
   *
   * @param intervals every master interval, sorted by start
   * @param handovers each interval followed by the next one of another key
   */
  public record Verdict(
      String group,
      int files,
      List<MasterInterval> intervals,
      List<Handover> handovers,
      List<Violation> violations) {
    /**
     * The smallest gap between one master's end and the next master's start, when there was one.
     */
    public OptionalLong smallestGapNanos() {
      return handovers.stream().mapToLong(Handover::gapNanos).min();
    }
  }

  private RoleHistoryChecker() {}

  /**
   * Reads and checks the history files of one group; {@code endOfRunNanos} closes the intervals of
   * processes that may still run.
   */
  public static Verdict check(String group, List<HistoryFile> files, long endOfRunNanos) {
    return checkHistories(group, files.stream().map(RoleHistory::read).toList(), endOfRunNanos);
  }

  /** Checks histories already read (all of them of one group). */
  public static Verdict checkHistories(
      String group, List<RoleHistory> histories, long endOfRunNanos) {
    List<Violation> violations = new ArrayList<>();
    List<MasterInterval> intervals = new ArrayList<>();
    for (RoleHistory history : histories) {
      history.unreadable().forEach(u -> violations.add(new Violation(UNREADABLE, group, 0, 0, u)));
      RoleHistory.Intervals found = history.masterIntervals(endOfRunNanos);
      found
          .inconsistencies()
          .forEach(i -> violations.add(new Violation(INCONSISTENT, group, 0, 0, i)));
      intervals.addAll(found.intervals());
    }
    intervals.sort(
        Comparator.comparingLong(MasterInterval::startNanos)
            .thenComparingLong(MasterInterval::endNanos));
    violations.addAll(overlaps(group, intervals));
    violations.addAll(termOrder(group, intervals));
    return new Verdict(group, histories.size(), intervals, handovers(intervals), violations);
  }

  /** Every pair of intervals where the later one started before the earlier one ended. */
  private static List<Violation> overlaps(String group, List<MasterInterval> sorted) {
    List<Violation> found = new ArrayList<>();
    List<MasterInterval> active = new ArrayList<>();
    for (MasterInterval next : sorted) {
      active.removeIf(earlier -> earlier.endNanos() <= next.startNanos());
      for (MasterInterval earlier : active) {
        long overlap = Math.min(earlier.endNanos(), next.endNanos()) - next.startNanos();
        found.add(
            new Violation(
                OVERLAP,
                group,
                next.startNanos(),
                overlap,
                String.format(
                    "two masters for %s: %s became master while %s still was",
                    ms(overlap), next.describe(), earlier.describe())));
      }
      active.add(next);
    }
    return found;
  }

  /** Terms must grow in the order of the intervals' starts; only the same key may repeat one. */
  private static List<Violation> termOrder(String group, List<MasterInterval> sorted) {
    List<Violation> found = new ArrayList<>();
    MasterInterval highest = null;
    for (MasterInterval next : sorted) {
      if (highest != null
          && (next.term() < highest.term()
              || next.term() == highest.term() && !next.sameKey(highest))) {
        found.add(
            new Violation(
                TERM_ORDER,
                group,
                next.startNanos(),
                0,
                String.format(
                    "term %d after term %d: %s became master after %s",
                    next.term(), highest.term(), next.describe(), highest.describe())));
      }
      if (highest == null || next.term() > highest.term()) {
        highest = next;
      }
    }
    return found;
  }

  private static List<Handover> handovers(List<MasterInterval> sorted) {
    List<Handover> handovers = new ArrayList<>();
    for (int i = 1; i < sorted.size(); i++) {
      MasterInterval from = sorted.get(i - 1);
      MasterInterval to = sorted.get(i);
      if (!to.sameKey(from)) {
        handovers.add(new Handover(from, to, to.startNanos() - from.endNanos()));
      }
    }
    return handovers;
  }

  /** Nanoseconds as milliseconds with two decimals, e.g. "12.34 ms". */
  public static String ms(long nanos) {
    return String.format(java.util.Locale.ROOT, "%.2f ms", nanos / 1e6);
  }
}
