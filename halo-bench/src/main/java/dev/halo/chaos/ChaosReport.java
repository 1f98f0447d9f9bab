package dev.halo.chaos;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.halo.bench.BenchReport;
import dev.halo.bench.HistoryFigures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The campaign's fault log and its report: target/chaos/report.json and summary.txt. */
final class ChaosReport {
  private final Map<String, Integer> byKind = new TreeMap<>();
  private final List<Map<String, Object>> log_ = new ArrayList<>();

  /** Records one injected fault and what came of it. */
  void fault(FaultPlan.Fault f, String group, long atMs, long tookMs, String outcome) {
    byKind.merge(f.kind().name(), 1, Integer::sum);
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("index", f.index());
    entry.put("kind", f.kind().name());
    entry.put("group", group);
    entry.put("atMs", atMs);
    entry.put("tookMs", tookMs);
    entry.put("outcome", outcome);
    log_.add(entry);
  }

  /** Writes the report and the summary (also printed); returns the report. */
  Map<String, Object> write(
      FaultPlan plan,
      Judge judge,
      Map<String, Object> histories,
      Map<String, Integer> groups,
      Disturbances disturbances,
      List<Map<String, Object>> orphans,
      List<Map<String, Object>> livenessRestarts,
      long start,
      Path out)
      throws Exception {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("seed", plan.seed());
    r.put("faults", plan.faults().size());
    r.put("byKind", byKind);
    List<Map<String, Object>> violations = new ArrayList<>();
    for (Judge.Violation v : judge.violations()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("kind", v.kind());
      m.put("group", v.group());
      m.put("atMs", v.atMs());
      m.put("durationMs", v.durationMs());
      m.put("details", v.details());
      m.put("faultsBefore", faultsAround(v.atMs()));
      violations.add(m);
    }
    r.put("violations", violations);
    r.putAll(judge.figures());
    r.put("roleHistory", histories);
    r.put("allowedLabelLagMs", Judge.ALLOWED_LABEL_LAG_MS);
    r.put("noMasterAllowedMs", "TTL + " + Judge.NO_MASTER_SLACK_MS);
    r.put("groups", groups);
    r.put("excusedWindows", disturbances.closed());
    r.put("orphans", orphans);
    r.put("livenessRestarts", livenessRestarts);
    r.put("durationSeconds", (System.nanoTime() - start) / 1_000_000_000);
    r.put("machine", BenchReport.machine());
    r.put("log", log_);
    Files.createDirectories(out);
    new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(out.resolve("report.json").toFile(), r);
    String summary = summary(r);
    Files.writeString(out.resolve("summary.txt"), summary);
    System.out.println(summary);
    return r;
  }

  private List<String> faultsAround(long atMs) {
    return log_.stream()
        .filter(e -> (long) e.get("atMs") <= atMs && (long) e.get("atMs") > atMs - 15_000)
        .map(
            e ->
                e.get("atMs")
                    + " ms "
                    + e.get("kind")
                    + " "
                    + e.get("group")
                    + ": "
                    + e.get("outcome"))
        .toList();
  }

  private static String summary(Map<String, Object> r) {
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            "chaos campaign: seed %s, %s faults in %s s%n",
            r.get("seed"), r.get("faults"), r.get("durationSeconds")));
    s.append("by kind: ").append(r.get("byKind")).append('\n');
    s.append(
        String.format(
            "max time without a labelled master (while a healthy standby existed): %s ms; max label lag behind etcd: %s ms (allowed %s ms)%n",
            r.get("maxNoMasterMs"), r.get("maxLabelLagMs"), r.get("allowedLabelLagMs")));
    @SuppressWarnings("unchecked")
    Map<String, Object> histories = (Map<String, Object>) r.get("roleHistory");
    s.append(HistoryFigures.summary(histories)).append('\n');
    List<?> restarts = (List<?>) r.get("livenessRestarts");
    s.append("operator restarts by its liveness probe: ").append(restarts.size());
    for (Object restart : restarts) {
      s.append("\n  ").append(restart);
    }
    s.append('\n');
    List<?> violations = (List<?>) r.get("violations");
    s.append(
        violations.isEmpty() ? "violations: none\n" : "violations: " + violations.size() + "\n");
    for (Object v : violations) {
      s.append("  ").append(v).append('\n');
    }
    return s.toString();
  }
}
