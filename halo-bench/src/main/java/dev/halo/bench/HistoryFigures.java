package dev.halo.bench;

import dev.halo.sandbox.history.HistoryFile;
import dev.halo.sandbox.history.RoleHistoryChecker;
import dev.halo.sandbox.history.RoleHistoryChecker.Handover;
import dev.halo.sandbox.history.RoleHistoryChecker.Verdict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the role history checker proved, as report figures (the bench's failover report and the
 * chaos report share them): files read, master intervals checked, handovers, the smallest gap
 * between one master's end and the next one's start, and the violations.
 */
public final class HistoryFigures {
  private HistoryFigures() {}

  /** The figures of {@code verdicts} (one per group) taken together. */
  public static Map<String, Object> of(List<Verdict> verdicts) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("groups", verdicts.size());
    m.put("files", verdicts.stream().mapToInt(Verdict::files).sum());
    m.put("masterIntervals", verdicts.stream().mapToInt(v -> v.intervals().size()).sum());
    List<Handover> handovers = verdicts.stream().flatMap(v -> v.handovers().stream()).toList();
    m.put("handovers", handovers.size());
    Optional<Handover> smallest =
        handovers.stream().min(Comparator.comparingLong(Handover::gapNanos));
    m.put("smallestGapMs", smallest.map(h -> ms(h.gapNanos())).orElse(null));
    m.put(
        "smallestGapBetween",
        smallest.map(h -> h.from().member() + " → " + h.to().member()).orElse(null));
    List<String> violations =
        verdicts.stream()
            .flatMap(v -> v.violations().stream())
            .map(v -> v.kind() + " " + v.group() + ": " + v.details())
            .toList();
    m.put("violations", violations.size());
    m.put("violationDetails", violations.stream().limit(20).toList());
    return m;
  }

  /** One line for a summary: "role histories: 42 master intervals checked, ...". */
  public static String summary(Map<String, Object> figures) {
    Object gap = figures.get("smallestGapMs");
    return String.format(
        "role histories: %s master intervals checked (%s files, %s groups), smallest gap between"
            + " consecutive masters %s, %s",
        figures.get("masterIntervals"),
        figures.get("files"),
        figures.get("groups"),
        gap == null ? "- (no handover)" : gap + " ms (" + figures.get("smallestGapBetween") + ")",
        ((Number) figures.get("violations")).intValue() == 0
            ? "no violation"
            : figures.get("violations") + " VIOLATIONS: " + figures.get("violationDetails"));
  }

  /**
   * Copies the history files that exist into {@code dir}, for whoever reads the report later; the
   * files a previous run left there go first.
   */
  public static void copy(List<HistoryFile> files, Path dir) throws IOException {
    Files.createDirectories(dir);
    try (var old = Files.newDirectoryStream(dir, "*.jsonl")) {
      for (Path p : old) {
        Files.delete(p);
      }
    }
    for (HistoryFile f : files) {
      try {
        Files.copy(
            f.path(), dir.resolve(f.path().getFileName()), StandardCopyOption.REPLACE_EXISTING);
      } catch (NoSuchFileException e) {
        // no agent of that pod wrote a line
      }
    }
  }

  /** Nanoseconds as milliseconds with two decimals. */
  static double ms(long nanos) {
    return Math.round(nanos / 10_000.0) / 100.0;
  }

  /**
   * The part of {@code verdicts} that happened between {@code fromNanos} and {@code toNanos}: the
   * intervals and handovers that started then, and the violations found then.
   */
  public static List<Verdict> within(List<Verdict> verdicts, long fromNanos, long toNanos) {
    return verdicts.stream()
        .map(
            v ->
                new Verdict(
                    v.group(),
                    v.files(),
                    v.intervals().stream()
                        .filter(i -> i.startNanos() >= fromNanos && i.startNanos() < toNanos)
                        .toList(),
                    v.handovers().stream()
                        .filter(
                            h -> h.to().startNanos() >= fromNanos && h.to().startNanos() < toNanos)
                        .toList(),
                    v.violations().stream()
                        .filter(x -> x.atNanos() >= fromNanos && x.atNanos() < toNanos)
                        .toList()))
        .toList();
  }

  /** Checks every group's histories as of now (the end of the run). */
  public static List<Verdict> check(Map<String, List<HistoryFile>> filesByGroup) {
    long end = System.nanoTime();
    return filesByGroup.entrySet().stream()
        .map(e -> RoleHistoryChecker.check(e.getKey(), e.getValue(), end))
        .toList();
  }
}
