package dev.halo.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.sandbox.history.RoleHistory;
import dev.halo.sandbox.history.RoleHistoryChecker;
import dev.halo.sandbox.history.RoleHistoryChecker.Verdict;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class HistoryFiguresTest {
  private static final long MS = 1_000_000;

  @Test
  void countsIntervalsAndHandoversAndGivesTheSmallestGapOverAllGroups() {
    Map<String, Object> figures =
        HistoryFigures.of(
            List.of(
                verdict("a", master("a-0", 1, 100, 200), master("a-1", 2, 250, 400)),
                verdict("b", master("b-0", 3, 100, 300), master("b-1", 4, 312, 500))));

    assertThat(figures)
        .containsEntry("groups", 2)
        .containsEntry("masterIntervals", 4)
        .containsEntry("handovers", 2)
        .containsEntry("smallestGapMs", 12.0)
        .containsEntry("smallestGapBetween", "b-0 → b-1")
        .containsEntry("violations", 0);
    assertThat(HistoryFigures.summary(figures))
        .isEqualTo(
            "role histories: 4 master intervals checked (4 files, 2 groups), smallest gap between"
                + " consecutive masters 12.0 ms (b-0 → b-1), no violation");
  }

  @Test
  void anOverlapIsCountedAndNamedInTheSummary() {
    Map<String, Object> figures =
        HistoryFigures.of(
            List.of(verdict("a", master("a-0", 1, 100, 300), master("a-1", 2, 250, 400))));

    assertThat(figures).containsEntry("violations", 1).containsEntry("smallestGapMs", -50.0);
    assertThat(HistoryFigures.summary(figures)).contains("1 VIOLATIONS", "MASTER_OVERLAP a");
  }

  @Test
  void withinKeepsWhatStartedInTheWindow() {
    List<Verdict> all =
        List.of(
            verdict(
                "a",
                master("a-0", 1, 100, 200),
                master("a-1", 2, 250, 400),
                master("a-2", 3, 450, 600)));

    Map<String, Object> window = HistoryFigures.of(HistoryFigures.within(all, 240 * MS, 500 * MS));

    assertThat(window).containsEntry("masterIntervals", 2).containsEntry("handovers", 2);
  }

  private static Verdict verdict(String group, String... histories) {
    return RoleHistoryChecker.checkHistories(
        group,
        IntStream.range(0, histories.length)
            .mapToObj(i -> RoleHistory.parse("file" + i, histories[i], Map.of()))
            .toList(),
        10_000 * MS);
  }

  private static String master(String member, long term, long fromMs, long toMs) {
    String common =
        "{\"member\":\"%s\",\"lease\":\"l%d\",\"from\":\"%s\",\"to\":\"%s\",\"reason\":\"r\","
            + "\"term\":%d,\"atNanos\":%d,\"deadlineNanos\":%d,\"wallTime\":\"w\",\"pid\":%d}\n";
    return String.format(
            common, member, term, "standby", "master", term, fromMs * MS, toMs * MS + MS, term)
        + String.format(
            common, member, term, "master", "standby", term, toMs * MS, toMs * MS + MS, term);
  }
}
