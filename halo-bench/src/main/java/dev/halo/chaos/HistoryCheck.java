package dev.halo.chaos;

import dev.halo.bench.HistoryFigures;
import dev.halo.sandbox.LocalKubelet;
import dev.halo.sandbox.history.HistoryFile;
import dev.halo.sandbox.history.RoleHistoryChecker;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The campaign's second kind of evidence: at the end of the run, every group's role histories (each
 * agent process's transitions with monotonic timestamps, kept by the kubelet) go through the {@link
 * RoleHistoryChecker}, which proves that no two master intervals overlapped and that terms grew. A
 * violation it finds is judged like any other; a group with no master interval at all is one too
 * ({@code NO_ROLE_HISTORY}: the evidence is missing, so nothing was proven).
 */
final class HistoryCheck {
  static final String NO_HISTORY = "NO_ROLE_HISTORY";

  private HistoryCheck() {}

  /**
   * Checks the groups' histories as of now, adds what they break to {@code judge}, copies the files
   * to {@code out}/role-history and returns the figures for the report.
   */
  static Map<String, Object> run(
      LocalKubelet kubelet, List<String> groups, Judge judge, long campaignStartNanos, Path out)
      throws IOException {
    Map<String, List<HistoryFile>> files = new LinkedHashMap<>();
    groups.forEach(g -> files.put(g, kubelet.roleHistories(g)));
    List<RoleHistoryChecker.Verdict> verdicts = HistoryFigures.check(files);
    long nowMs = (System.nanoTime() - campaignStartNanos) / 1_000_000;
    for (RoleHistoryChecker.Verdict v : verdicts) {
      for (RoleHistoryChecker.Violation broken : v.violations()) {
        long atMs =
            broken.atNanos() == 0 ? nowMs : (broken.atNanos() - campaignStartNanos) / 1_000_000;
        // Round an overlap up: 0.3 ms of two masters is not "0 ms".
        long durationMs = (broken.durationNanos() + 999_999) / 1_000_000;
        judge.add(
            new Judge.Violation(broken.kind(), v.group(), atMs, durationMs, broken.details()));
      }
      if (v.intervals().isEmpty()) {
        judge.add(
            new Judge.Violation(
                NO_HISTORY,
                v.group(),
                nowMs,
                0,
                "no master interval in the "
                    + v.files()
                    + " role history files of the group: its agents recorded nothing to check"));
      }
    }
    HistoryFigures.copy(kubelet.roleHistories(), out.resolve("role-history"));
    Map<String, Object> figures = HistoryFigures.of(verdicts);
    Map<String, Object> byGroup = new LinkedHashMap<>();
    for (RoleHistoryChecker.Verdict v : verdicts) {
      byGroup.put(v.group(), HistoryFigures.of(List.of(v)).get("masterIntervals"));
    }
    figures.put("masterIntervalsByGroup", byGroup);
    return figures;
  }
}
