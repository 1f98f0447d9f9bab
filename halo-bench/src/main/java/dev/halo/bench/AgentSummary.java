package dev.halo.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.function.Function;

/** The agent's section of REPORT.md: agent.json and agent-image.json side by side. */
final class AgentSummary {
  private AgentSummary() {}

  /**
   * The agent on this machine's Java (agent.json) and in its image (agent-image.json), side by
   * side, against the targets.
   */
  static String markdown(JsonNode host, JsonNode image) {
    StringBuilder md = new StringBuilder();
    JsonNode any = host != null ? host : image;
    md.append("## Agent (agent.json, agent-image.json)\n\n");
    md.append("JVM options (the operator's for agents): `")
        .append(String.join(" ", MarkdownFigures.texts(any.path("jvmOptions"))))
        .append("`")
        .append(
            image == null
                ? "; the agent image was not measured (make image, then make bench as root)"
                : "; the image adds `JDK_JAVA_OPTIONS="
                    + image.path("image").path("JDK_JAVA_OPTIONS").asText()
                    + "` ("
                    + image.path("image").path("java").asText()
                    + ")")
        .append(".\n\n");
    md.append("| figure | target | ")
        .append(runtimeName(host, "this machine's Java"))
        .append(" | ")
        .append(runtimeName(image, "the agent image"))
        .append(" |\n|---|---|---|---|\n");
    agentRow(
        md,
        "process start → campaigning, p50 / p99 / max (ms)",
        "p50 ≤ 300",
        host,
        image,
        d -> MarkdownFigures.triple(d.path("footprint").path("startToCampaigning")));
    agentRow(
        md,
        "master's RSS 30 s after its election (MiB)",
        "≤ 56",
        host,
        image,
        d -> d.path("footprint").path("masterRssMiB").asText());
    agentRow(
        md,
        "RSS of each agent then (MiB)",
        "",
        host,
        image,
        d -> d.path("footprint").path("rssMiB").toString());
    agentRow(
        md,
        "classes loaded by campaigning",
        "",
        host,
        image,
        d -> d.path("classesLoadedByCampaigning").asText());
    agentRow(
        md,
        "master's CPU over those 30 s (% of a core)",
        "",
        host,
        image,
        d -> d.path("footprint").path("masterCpuPercentOfACore").asText());
    agentRow(
        md,
        "start → campaigning with the sandbox's class archive, p50 / p99 / max (ms)",
        "",
        host,
        image,
        d -> MarkdownFigures.triple(d.path("withClassArchive").path("startToCampaigning")));
    agentRow(
        md,
        "load average at start / end",
        "",
        host,
        image,
        d -> d.path("loadAverageAtStart").asText() + " / " + d.path("loadAverageAtEnd").asText());
    md.append("\n");
    return md.toString();
  }

  private static String runtimeName(JsonNode doc, String fallback) {
    return doc == null ? fallback + " (not measured)" : doc.path("runtime").asText(fallback);
  }

  private static void agentRow(
      StringBuilder md,
      String figure,
      String target,
      JsonNode host,
      JsonNode image,
      Function<JsonNode, String> value) {
    md.append("| ")
        .append(figure)
        .append(" | ")
        .append(target)
        .append(" | ")
        .append(host == null ? "-" : value.apply(host))
        .append(" | ")
        .append(image == null ? "-" : value.apply(image))
        .append(" |\n");
  }
}
