package dev.halo.sandbox.history;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.sandbox.history.RoleHistoryChecker.Verdict;
import dev.halo.sandbox.history.RoleHistoryChecker.Violation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Synthetic role histories (times in ms on one monotonic clock) and what the checker proves. */
class RoleHistoryCheckerTest {
  private static final long MS = 1_000_000;
  private static final long NONE = Long.MIN_VALUE;
  private static final long END_OF_RUN = 10_000 * MS;

  @Test
  void masterAfterMasterWithAGapIsFineAndTheGapIsReported() {
    Verdict v =
        check(
            history(
                "web-0",
                promote("web-0", "a0", 10, 100, 1, 1_000),
                demote("web-0", "a0", 10, 500, 1)),
            history(
                "web-1",
                promote("web-1", "b1", 20, 530, 2, 1_000),
                demote("web-1", "b1", 20, 900, 2)));

    assertThat(v.violations()).isEmpty();
    assertThat(v.intervals()).hasSize(2);
    assertThat(v.handovers()).hasSize(1);
    assertThat(v.smallestGapNanos()).hasValue(30 * MS);
  }

  @Test
  void overlappingMastersAreAViolationNamingBothAndTheOverlap() {
    Verdict v =
        check(
            history(
                "web-0",
                promote("web-0", "a0", 10, 100, 1, 2_000),
                demote("web-0", "a0", 10, 600, 1)),
            history("web-1", promote("web-1", "b1", 20, 550, 2, 2_000)));

    assertThat(v.violations()).extracting(Violation::kind).containsExactly("MASTER_OVERLAP");
    Violation overlap = v.violations().get(0);
    assertThat(overlap.durationNanos()).isEqualTo(50 * MS);
    assertThat(overlap.atNanos()).isEqualTo(550 * MS);
    assertThat(overlap.details()).contains("50.00 ms", "web-0", "web-1", "term 10", "term 20");
    assertThat(v.smallestGapNanos()).hasValue(-50 * MS);
  }

  @Test
  void touchingIntervalsDoNotOverlap() {
    Verdict v =
        check(
            history(
                "web-0",
                promote("web-0", "a0", 10, 100, 1, 2_000),
                demote("web-0", "a0", 10, 500, 1)),
            history(
                "web-1",
                promote("web-1", "b1", 20, 500, 2, 2_000),
                demote("web-1", "b1", 20, 700, 2)));

    assertThat(v.violations()).isEmpty();
    assertThat(v.smallestGapNanos()).hasValue(0);
  }

  @Test
  void aLowerTermAfterAHigherOneIsAViolation() {
    Verdict v =
        check(
            history(
                "web-0",
                promote("web-0", "a0", 30, 100, 1, 2_000),
                demote("web-0", "a0", 30, 200, 1)),
            history(
                "web-1",
                promote("web-1", "b1", 20, 300, 2, 2_000),
                demote("web-1", "b1", 20, 400, 2)));

    assertThat(v.violations()).extracting(Violation::kind).containsExactly("TERM_ORDER");
    assertThat(v.violations().get(0).details()).contains("term 20 after term 30");
  }

  @Test
  void theSameTermUnderAnotherKeyIsAViolationButTheSameKeyMayBePromotedAgain() {
    Verdict sameKey =
        check(
            history(
                "web-0",
                promote("web-0", "a0", 10, 100, 1, 2_000),
                demote("web-0", "a0", 10, 200, 1),
                promote("web-0", "a0", 10, 300, 1, 2_000),
                demote("web-0", "a0", 10, 400, 1)));
    Verdict otherKey =
        check(
            history(
                "web-0",
                promote("web-0", "a0", 10, 100, 1, 2_000),
                demote("web-0", "a0", 10, 200, 1)),
            history(
                "web-1",
                promote("web-1", "b1", 10, 300, 2, 2_000),
                demote("web-1", "b1", 10, 400, 2)));

    assertThat(sameKey.violations()).isEmpty();
    assertThat(sameKey.intervals()).hasSize(2);
    assertThat(sameKey.handovers()).as("the same master, not a handover").isEmpty();
    assertThat(otherKey.violations()).extracting(Violation::kind).containsExactly("TERM_ORDER");
  }

  @Test
  void anIntervalLeftOpenEndsAtTheEndOfTheRunAndOverlapsAMasterAfterIt() {
    Verdict v =
        check(
            history("web-0", promote("web-0", "a0", 10, 100, 1, 2_000)),
            history(
                "web-1",
                promote("web-1", "b1", 20, 3_000, 2, 5_000),
                demote("web-1", "b1", 20, 3_100, 2)));

    assertThat(v.intervals().get(0).endNanos()).isEqualTo(END_OF_RUN);
    assertThat(v.intervals().get(0).ended()).contains("end of the run");
    assertThat(v.violations()).extracting(Violation::kind).containsExactly("MASTER_OVERLAP");
    assertThat(v.violations().get(0).durationNanos()).isEqualTo(100 * MS);
  }

  @Test
  void anAgentKilledWhileMasterEndsWhenTheHarnessSawItsProcessEnd() {
    RoleHistory killed =
        RoleHistory.parse(
            "web-0", lines(promote("web-0", "a0", 10, 100, 1, 2_000)), Map.of(1L, 900 * MS));
    Verdict v =
        RoleHistoryChecker.checkHistories(
            "web",
            List.of(
                killed,
                history(
                    "web-1",
                    promote("web-1", "b1", 20, 2_600, 2, 5_000),
                    demote("web-1", "b1", 20, 3_000, 2))),
            END_OF_RUN);

    assertThat(v.violations()).isEmpty();
    assertThat(v.intervals().get(0).endNanos()).isEqualTo(900 * MS);
    assertThat(v.intervals().get(0).ended()).contains("process 1 ended");
    assertThat(v.smallestGapNanos()).hasValue(1_700 * MS);
  }

  @Test
  void aKilledAgentThatWasStillMasterWhenTheNextOnePromotedOverlapsIt() {
    RoleHistory killed =
        RoleHistory.parse(
            "web-0", lines(promote("web-0", "a0", 10, 100, 1, 2_000)), Map.of(1L, 900 * MS));
    Verdict v =
        RoleHistoryChecker.checkHistories(
            "web",
            List.of(killed, history("web-1", promote("web-1", "b1", 20, 880, 2, 5_000))),
            END_OF_RUN);

    assertThat(v.violations()).extracting(Violation::kind).containsExactly("MASTER_OVERLAP");
    assertThat(v.violations().get(0).durationNanos()).isEqualTo(20 * MS);
  }

  @Test
  void aRestartedAgentAppendsAndEachProcessIsClosedOnItsOwn() {
    // pid 1 was killed while master at 900 ms; pid 3, the restarted agent, appends to the file.
    RoleHistory file =
        RoleHistory.parse(
            "web-0",
            lines(
                promote("web-0", "a0", 10, 100, 1, 2_000),
                promote("web-0", "c0", 40, 5_000, 3, 7_000),
                demote("web-0", "c0", 40, 5_500, 3)),
            Map.of(1L, 900 * MS));
    Verdict v =
        RoleHistoryChecker.checkHistories(
            "web",
            List.of(
                file,
                history(
                    "web-1",
                    promote("web-1", "b1", 20, 3_000, 2, 5_000),
                    demote("web-1", "b1", 20, 4_000, 2))),
            END_OF_RUN);

    assertThat(v.violations()).isEmpty();
    assertThat(v.intervals())
        .extracting(MasterInterval::startNanos, MasterInterval::endNanos)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(100 * MS, 900 * MS),
            org.assertj.core.groups.Tuple.tuple(3_000 * MS, 4_000 * MS),
            org.assertj.core.groups.Tuple.tuple(5_000 * MS, 5_500 * MS));
    assertThat(v.handovers()).hasSize(2);
  }

  @Test
  void aDemotionWrittenAfterAPauseEndsTheIntervalAtTheDeadlineThatPassedBefore() {
    // web-0 was paused from 300 ms to 4000 ms; its deadline was 1500 ms; web-1 promoted at 2500.
    Verdict v =
        check(
            history(
                "web-0",
                promote("web-0", "a0", 10, 100, 1, 1_000),
                demote("web-0", "a0", 10, 4_000, 1, 1_500)),
            history(
                "web-1",
                promote("web-1", "b1", 20, 2_500, 2, 5_000),
                demote("web-1", "b1", 20, 4_500, 2)));

    assertThat(v.violations()).isEmpty();
    assertThat(v.intervals().get(0).endNanos()).isEqualTo(1_500 * MS);
    assertThat(v.intervals().get(0).ended())
        .contains("deadline passed 2500 ms before the demotion");
    assertThat(v.smallestGapNanos()).hasValue(1_000 * MS);
  }

  @Test
  void aDemotionWithoutItsDeadlineEndsWhenItWasWritten() {
    Verdict v =
        check(
            history(
                "web-0",
                promote("web-0", "a0", 10, 100, 1, 1_000),
                demote("web-0", "a0", 10, 4_000, 1, NONE)),
            history("web-1", promote("web-1", "b1", 20, 2_500, 2, 5_000)));

    assertThat(v.intervals().get(0).endNanos()).isEqualTo(4_000 * MS);
    assertThat(v.violations()).extracting(Violation::kind).containsExactly("MASTER_OVERLAP");
  }

  @Test
  void anUnreadableLineIsLostEvidence() {
    RoleHistory torn =
        RoleHistory.parse(
            "web-0",
            lines(promote("web-0", "a0", 10, 100, 1, 1_000)) + "{\"member\":\"web-0\",\"lea\n",
            Map.of());
    Verdict v = RoleHistoryChecker.checkHistories("web", List.of(torn), END_OF_RUN);

    assertThat(v.violations()).extracting(Violation::kind).containsExactly("HISTORY_UNREADABLE");
    assertThat(v.violations().get(0).details()).contains("web-0 line 2");
  }

  @Test
  void linesThatDoNotAddUpAreInconsistent() {
    Verdict v =
        check(
            history(
                "web-0",
                demote("web-0", "a0", 10, 50, 1),
                promote("web-0", "a0", 0, 100, 1, 1_000),
                demote("web-0", "a0", 0, 90, 1)));

    assertThat(v.violations())
        .extracting(Violation::details)
        .anySatisfy(d -> assertThat(d).contains("a demotion without the promotion"))
        .anySatisfy(d -> assertThat(d).contains("a promotion without a term"))
        .anySatisfy(d -> assertThat(d).contains("before the line above"));
    assertThat(v.violations()).extracting(Violation::kind).containsOnly("HISTORY_INCONSISTENT");
  }

  @Test
  void readsAFileTheAgentNeverWroteAsAnEmptyHistory(@TempDir Path dir) throws Exception {
    HistoryFile missing =
        new HistoryFile("web-0", "u0", "web", dir.resolve("none.jsonl"), Map.of());
    HistoryFile written = new HistoryFile("web-1", "u1", "web", dir.resolve("w.jsonl"), Map.of());
    Files.writeString(
        written.path(),
        lines(promote("web-1", "b1", 20, 100, 2, 1_000), demote("web-1", "b1", 20, 200, 2)));

    Verdict v = RoleHistoryChecker.check("web", List.of(missing, written), END_OF_RUN);

    assertThat(v.files()).isEqualTo(2);
    assertThat(v.intervals()).hasSize(1);
    assertThat(v.violations()).isEmpty();
  }

  // ---------------------------------------------------------------- synthetic lines (times in ms)

  private static Verdict check(RoleHistory... histories) {
    return RoleHistoryChecker.checkHistories("web", List.of(histories), END_OF_RUN);
  }

  private static RoleHistory history(String source, String... lines) {
    return RoleHistory.parse(source, lines(lines), Map.of());
  }

  private static String lines(String... lines) {
    return String.join("\n", lines) + "\n";
  }

  private static String promote(
      String member, String lease, long term, long atMs, long pid, long deadlineMs) {
    return line(member, lease, "standby", "master", "elected", term, atMs, deadlineMs * MS, pid);
  }

  private static String demote(String member, String lease, long term, long atMs, long pid) {
    return demote(member, lease, term, atMs, pid, atMs + 1_000);
  }

  private static String demote(
      String member, String lease, long term, long atMs, long pid, long deadlineMs) {
    long deadline = deadlineMs == NONE ? NONE : deadlineMs * MS;
    return line(member, lease, "master", "standby", "resigned", term, atMs, deadline, pid);
  }

  private static String line(
      String member,
      String lease,
      String from,
      String to,
      String reason,
      long term,
      long atMs,
      long deadlineNanos,
      long pid) {
    return String.format(
        "{\"member\":\"%s\",\"lease\":\"%s\",\"from\":\"%s\",\"to\":\"%s\",\"reason\":\"%s\","
            + "\"term\":%d,\"atNanos\":%d,\"deadlineNanos\":%d,"
            + "\"wallTime\":\"2026-12-07T03:04:05.123Z\",\"pid\":%d}",
        member, lease, from, to, reason, term, atMs * MS, deadlineNanos, pid);
  }
}
