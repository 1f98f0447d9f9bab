package dev.halo.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The last step of {@code make bench}: reads target/bench/*.json and writes target/bench/REPORT.md
 * with the tables, and the PNG charts it links (failover-ttl5.png, failover-ttl2.png,
 * failover-oneAtATimeTtl5.png, peer.png, scale.png). A figure file that is missing is said to be
 * missing, not left out silently.
 */
public final class BenchSummary {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};
  private static final Color[] PALETTE = {Charts.BLUE, Charts.ORANGE, Charts.GREEN, Charts.RED};

  private final Path dir;
  private final StringBuilder md = new StringBuilder();

  BenchSummary(Path dir) {
    this.dir = dir;
  }

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(System.getProperty("halo.bench.dir", "target/bench"));
    BenchSummary summary = new BenchSummary(dir);
    Path report = summary.write();
    System.out.println("wrote " + report);
    List<String> findings = summary.safetyFindings();
    if (!findings.isEmpty()) {
      // A bench that saw two masters found a defect, whatever its figures: make bench fails.
      System.err.println(
          "bench: FAILED: two masters at once (role history overlaps or dual-master samples): "
              + String.join("; ", findings)
              + "; see "
              + report
              + " and, for overlapping histories, the files copied to "
              + dir.resolve("role-history-ttl<TTL>"));
      System.exit(1);
    }
  }

  /**
   * What the Halo benches (failover and scale, not the peer's) found against one master at a time:
   * every {@code violations} of a role history check and every {@code dualMasterObservations} above
   * zero, each as its place in the report and its count.
   */
  List<String> safetyFindings() throws IOException {
    List<String> findings = new ArrayList<>();
    for (String name : List.of("failover.json", "scale.json")) {
      JsonNode report = read(name);
      if (report != null) {
        collectFindings(report, name, findings);
      }
    }
    return findings;
  }

  private static void collectFindings(JsonNode node, String path, List<String> findings) {
    if (node.isObject()) {
      node.fields()
          .forEachRemaining(
              e -> {
                String at = path + "/" + e.getKey();
                boolean counted =
                    e.getKey().equals("violations") || e.getKey().equals("dualMasterObservations");
                if (counted && e.getValue().isNumber() && e.getValue().asLong() > 0) {
                  findings.add(at + " = " + e.getValue().asLong());
                } else {
                  collectFindings(e.getValue(), at, findings);
                }
              });
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        collectFindings(node.get(i), path + "/" + i, findings);
      }
    }
  }

  Path write() throws IOException {
    md.append("# Halo benchmark report\n\n");
    JsonNode failover = read("failover.json");
    JsonNode machine = failover != null ? failover.get("machine") : null;
    if (machine != null) {
      md.append(
          String.format(
              "Measured %s on %s cores, %s, %s MiB RAM (%s).%n%n",
              machine.path("measuredAt").asText(),
              machine.path("cores").asText(),
              machine.path("jvm").asText(),
              machine.path("memoryMiB").asText(),
              machine.path("os").asText()));
    }
    failover(failover);
    JsonNode floor = read("floor.json");
    if (floor == null) {
      missing("The floor next to Halo", "floor.json");
    } else {
      md.append(FloorSummary.markdown(floor));
    }
    peer(read("peer.json"));
    JsonNode agent = read("agent.json");
    JsonNode agentImage = read("agent-image.json");
    if (agent == null && agentImage == null) {
      missing("Agent", "agent.json");
    } else {
      md.append(AgentSummary.markdown(agent, agentImage));
    }
    generic("Operator footprint", read("operator.json"));
    scale(read("scale.json"));
    JsonNode sites = read("sites.json");
    if (sites == null) {
      missing("Multi-site", "sites.json");
    } else {
      md.append(SiteSummary.markdown(sites));
    }
    JsonNode redis = read("redis.json");
    if (redis == null) {
      missing("Redis", "redis.json");
    } else {
      md.append(RedisSummary.markdown(redis));
    }
    Path file = dir.resolve("REPORT.md");
    Files.writeString(file, md.toString());
    return file;
  }

  private JsonNode read(String name) throws IOException {
    Path file = dir.resolve(name);
    if (!Files.exists(file)) {
      return null;
    }
    return JSON.readTree(file.toFile());
  }

  private void missing(String title, String file) {
    md.append("## ")
        .append(title)
        .append("\n\n")
        .append(file)
        .append(" was not written in this run.\n\n");
  }

  private void failover(JsonNode doc) throws IOException {
    if (doc == null) {
      missing("Failover", "failover.json");
      return;
    }
    md.append("## Failover (failover.json)\n\n");
    JsonNode setup = doc.path("setup");
    md.append(
        String.format(
            "%s groups side by side, %s handovers each per scenario; %s etcd members; agents: %s; "
                + "client: one request every %s ms through the service proxy, a new connection each. "
                + "Times in ms as p50 / p99 / max.%n%n",
            setup.path("groupsInParallel").asText(),
            setup.path("roundsPerGroup").asText(),
            setup.path("etcdMembers").asText(),
            setup.path("agents").asText(),
            setup.path("clientPeriodMs").asText()));
    for (Iterator<Map.Entry<String, JsonNode>> it = doc.path("series").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> series = it.next();
      boolean oneAtATime = series.getKey().startsWith(FailoverBench.ONE_AT_A_TIME_SERIES);
      String ttl =
          series.getKey().replace(FailoverBench.ONE_AT_A_TIME_SERIES, "").replace("ttl", "");
      String title =
          (oneAtATime ? "One hand-over at a time, lease TTL " : "Lease TTL ") + ttl + " s";
      md.append("### ").append(title).append("\n\n");
      if (oneAtATime) {
        md.append(
            "The planned hand-overs again, with the same groups idle but one hand-over at a time"
                + " in the whole rig: what one hand-over costs when nothing else of the bench"
                + " competes for the CPU.\n\n");
      }
      md.append(
          "| scenario | n | fault → key lost | election handover | label convergence | fault → traffic | client-visible gap | failed requests (total; p50 / max per handover) | dual-master observations | master intervals; smallest gap (histories) |\n");
      md.append("|---|---|---|---|---|---|---|---|---|---|\n");
      List<Charts.Row> rows = new ArrayList<>();
      StringBuilder switchoverNotes = new StringBuilder();
      for (Iterator<Map.Entry<String, JsonNode>> s = series.getValue().fields(); s.hasNext(); ) {
        Map.Entry<String, JsonNode> e = s.next();
        JsonNode f = e.getValue();
        JsonNode failed = f.path("failedRequests");
        md.append(
            String.format(
                "| %s | %s | %s | %s | %s | %s | %s | %s; %s / %s | %s | %s |%n",
                e.getKey(),
                f.path("n").asText(),
                MarkdownFigures.triple(f.path("faultToKeyLost")),
                MarkdownFigures.triple(f.path("electionHandover")),
                MarkdownFigures.triple(f.path("labelConvergence")),
                MarkdownFigures.triple(f.path("faultToTraffic")),
                MarkdownFigures.triple(f.path("clientGap")),
                failed.path("total").asText("-"),
                failed.path("perHandover").path("p50Ms").asText("-"),
                failed.path("perHandover").path("maxMs").asText("-"),
                f.path("dualMasterObservations").asText(),
                historyCell(f.path("roleHistory"))));
        rows.add(
            new Charts.Row(
                e.getKey() + " fault → traffic",
                MarkdownFigures.samples(f, "faultToTrafficMs"),
                Charts.BLUE));
        rows.add(
            new Charts.Row(
                e.getKey() + " client gap",
                MarkdownFigures.samples(f, "clientGapMs"),
                Charts.ORANGE));
        if (f.has("requestToStepDown")) {
          switchoverNotes
              .append(e.getKey())
              .append(": the annotation → the operator's first step-down (or re-queue) request in")
              .append(" etcd ")
              .append(MarkdownFigures.triple(f.path("requestToStepDown")))
              .append(" ms; → the first client reply from the new master through the Service ")
              .append(MarkdownFigures.triple(f.path("faultToServing")))
              .append(" ms (p50 / p99 / max).\n");
        }
        if (f.path("failedRounds").size() > 0) {
          md.append("\nFailed rounds of ")
              .append(e.getKey())
              .append(": ")
              .append(f.path("failedRounds"))
              .append("\n\n");
        }
      }
      if (!switchoverNotes.isEmpty()) {
        md.append("\n").append(switchoverNotes);
      }
      JsonNode histories = doc.path("roleHistory").path(series.getKey());
      md.append("\n")
          .append(
              histories.isObject()
                  ? capitalized(HistoryFigures.summary(JSON.convertValue(histories, MAP))) + "."
                  : "No role histories were checked in this series.")
          .append("\n");
      String png = "failover-" + series.getKey() + ".png";
      Charts.distributions(dir.resolve(png), "Failover, " + title + " (ms)", rows);
      md.append("\n![failover, ").append(title).append("](").append(png).append(")\n\n");
    }
    md.append(
        "fault → key lost: the fault until etcd's watch shows the old master's key gone (for"
            + " switchover the fault is the halo.dev/switchover annotation, so this includes the"
            + " operator noticing it and asking the master to step down). Election handover: key"
            + " lost → the new master's agent holds the role. Label convergence: election change →"
            + " labels and Service endpoints name only the new master. Client-visible gap: the last"
            + " reply from the old master → the first from the new one. Dual-master observations:"
            + " samples of labels and /role that caught two masters. Master intervals (histories):"
            + " the masters that started during the scenario, from every agent's role history"
            + " (monotonic timestamps of each transition), checked for overlap however short; the"
            + " smallest gap is the least time from one master's end to the next one's start.\n\n");
  }

  private static String historyCell(JsonNode h) {
    if (!h.isObject()) {
      return "-";
    }
    String cell =
        h.path("masterIntervals").asText()
            + "; "
            + (h.path("smallestGapMs").isNumber() ? h.path("smallestGapMs").asText() + " ms" : "-");
    int violations = h.path("violations").asInt();
    return violations == 0 ? cell : cell + " (" + violations + " VIOLATIONS)";
  }

  private static String capitalized(String s) {
    return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  private void peer(JsonNode doc) throws IOException {
    if (doc == null) {
      missing("Halo and the peer", "peer.json");
      return;
    }
    md.append("## Halo and the peer (peer.json)\n\n");
    md.append(
        "The peer is fabric8's `LeaderElector` with a `LeaseLock` on the same API server, three"
            + " candidate JVMs (JVM options: `"
            + doc.path("setup").path("jvmOptions").asText("?")
            + "`), lease duration = Halo's TTL, renew"
            + " deadline 0.8 × and retry period 0.2 × the lease. Takeover = fault → the new leader"
            + " acts (peer: `onStartLeading`; Halo: the new master's agent holds the role). Graceful"
            + " = SIGTERM (peer: releaseOnCancel; Halo: pod deletion, the agent resigns).\n\n");
    md.append(
        "| TTL | case | peer settings (lease / renew / retry ms) | Halo p50 / p99 | peer p50 / p99 | Halo ÷ peer p50 | Halo ÷ peer p99 |\n");
    md.append("|---|---|---|---|---|---|---|\n");
    List<Charts.Row> rows = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = doc.path("series").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> series = it.next();
      String ttl = series.getKey().replace("ttl", "");
      for (Iterator<Map.Entry<String, JsonNode>> s = series.getValue().fields(); s.hasNext(); ) {
        Map.Entry<String, JsonNode> e = s.next();
        JsonNode v = e.getValue();
        JsonNode halo = v.path("halo").path("takeover");
        JsonNode peer = v.path("peer").path("takeover");
        md.append(
            String.format(
                "| %s s | %s | %s / %s / %s | %s / %s | %s / %s | %s | %s |%n",
                ttl,
                e.getKey(),
                v.path("leaseDurationMs").asText(),
                v.path("renewDeadlineMs").asText(),
                v.path("retryPeriodMs").asText(),
                halo.path("p50Ms").asText("-"),
                halo.path("p99Ms").asText("-"),
                peer.path("p50Ms").asText("-"),
                peer.path("p99Ms").asText("-"),
                v.path("haloDividedByPeer").path("p50Ms").asText("-"),
                v.path("haloDividedByPeer").path("p99Ms").asText("-")));
        List<Long> peerSamples = new ArrayList<>();
        v.path("peer").path("samplesMs").forEach(n -> peerSamples.add(n.asLong()));
        rows.add(
            new Charts.Row("TTL " + ttl + " " + e.getKey() + " peer", peerSamples, Charts.GREY));
        rows.add(
            new Charts.Row(
                "TTL " + ttl + " " + e.getKey() + " Halo",
                haloTakeovers(ttl, e.getKey()),
                Charts.BLUE));
      }
    }
    Charts.distributions(
        dir.resolve("peer.png"), "Takeover: Halo and fabric8 LeaderElector (ms)", rows);
    md.append("\n![Halo and the peer](peer.png)\n\n");
  }

  private List<Long> haloTakeovers(String ttl, String peerCase) {
    try {
      JsonNode failover = read("failover.json");
      String scenario = peerCase.equals("crash") ? "crash" : "podDelete";
      return failover == null
          ? List.of()
          : MarkdownFigures.samples(
              failover.path("series").path("ttl" + ttl).path(scenario), "takeoverMs");
    } catch (IOException e) {
      return List.of();
    }
  }

  private void scale(JsonNode doc) throws IOException {
    if (doc == null) {
      missing("Scale", "scale.json");
      return;
    }
    md.append("## Scale (scale.json)\n\n");
    JsonNode setup = doc.path("setup");
    setup
        .fields()
        .forEachRemaining(
            e ->
                md.append("- ")
                    .append(e.getKey())
                    .append(": ")
                    .append(e.getValue().asText())
                    .append("\n"));
    md.append(
        "\n| groups | pods | cold start → all labelled | → all Running | cold start per group:"
            + " operator CPU s / API requests | steady CPU (% of a core) | RSS MiB | heap used /"
            + " live MiB | 10% crash: label convergence p50 / p99 / max ms | crash → labelled p50"
            + " / p99 ms | one of N: label convergence p50 / p99 / max ms | dual masters |\n"
            + "|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    StringBuilder cpu = new StringBuilder();
    List<double[]> coldStart = new ArrayList<>();
    List<double[]> p99 = new ArrayList<>();
    for (JsonNode s : doc.path("points")) {
      double groups = s.path("groups").asDouble();
      if (s.has("error")) {
        md.append("| ")
            .append(s.path("groups").asText())
            .append(" | ")
            .append(s.path("pods").asText())
            .append(" | failed: ")
            .append(s.path("error").asText().replace("|", "\\|"))
            .append(
                s.has("labelledGroupsAtEnd")
                    ? " (" + s.path("labelledGroupsAtEnd").asText() + " labelled by then)"
                    : "")
            .append(" | | | | | | | | | |\n");
        cpu.append(MarkdownFigures.cpuLine(s));
        continue;
      }
      JsonNode crash = s.path("labelConvergenceAfterCrash");
      JsonNode takeover = s.path("crashToLabelledMs");
      md.append("| ")
          .append(s.path("groups").asText())
          .append(" | ")
          .append(s.path("pods").asText())
          .append(" | ")
          .append(
              String.format(
                  Locale.ROOT, "%.1f s", s.path("coldStartAllLabelledMs").asDouble() / 1000))
          .append(" | ")
          .append(
              s.has("coldStartAllRunningMs")
                  ? String.format(
                      Locale.ROOT, "%.1f s", s.path("coldStartAllRunningMs").asDouble() / 1000)
                  : "")
          .append(" | ")
          .append(perGroup(s.path("coldStartPerGroup")))
          .append(" | ")
          .append(s.path("steadyCpuPercentOfOneCore").asText())
          .append(" | ")
          .append(s.path("rssMiB").asText())
          .append(" | ")
          .append(s.path("heapUsedMiB").asText())
          .append(" / ")
          .append(s.path("liveHeapAfterGcMiB").asText())
          .append(" | ")
          .append(MarkdownFigures.triple(crash))
          .append(" (n=")
          .append(crash.path("n").asText())
          .append(") | ")
          .append(takeover.path("p50Ms").asText())
          .append(" / ")
          .append(takeover.path("p99Ms").asText())
          .append(" | ")
          .append(oneOfN(s.path("oneOfN")))
          .append(" | ")
          .append(s.path("dualMasterObservations").asText())
          .append(" |\n");
      cpu.append(MarkdownFigures.cpuLine(s));
      coldStart.add(new double[] {groups, s.path("coldStartAllLabelledMs").asDouble() / 1000.0});
      if (crash.has("p99Ms")) {
        p99.add(new double[] {groups, crash.path("p99Ms").asDouble() / 1000.0});
      }
    }
    md.append("\n").append(cpu).append("\n");
    if (coldStart.isEmpty()) {
      return;
    }
    Charts.lines(
        dir.resolve("scale.png"),
        "One operator, N groups of 3 pods",
        "groups",
        "seconds",
        List.of(
            new Charts.Line("cold start → all labelled", coldStart, PALETTE[0]),
            new Charts.Line("p99 label convergence, 10% crash", p99, PALETTE[1])));
    md.append("![scale](scale.png)\n\n");
  }

  /** The operator's CPU seconds and API requests per group over the cold start, or blank. */
  private static String perGroup(JsonNode perGroup) {
    return perGroup.isMissingNode()
        ? ""
        : perGroup.path("operatorCpuSeconds").asText()
            + " / "
            + perGroup.path("operatorApiRequests").asText();
  }

  /** One group's label convergence while the others idle ({@code --one-of N}), or blank. */
  private static String oneOfN(JsonNode oneOf) {
    return oneOf.isMissingNode()
        ? ""
        : MarkdownFigures.triple(oneOf.path("labelConvergence"))
            + " (n="
            + oneOf.path("labelConvergence").path("n").asText()
            + ")";
  }

  /** A JSON document as a flat table of its leaves (for figures without their own layout). */
  private void generic(String title, JsonNode doc) {
    if (doc == null) {
      missing(title, title.toLowerCase().contains("scale") ? "scale.json" : "operator.json");
      return;
    }
    md.append("## ").append(title).append("\n\n| figure | value |\n|---|---|\n");
    MarkdownFigures.flatten("", doc, md);
    md.append("\n");
  }
}
