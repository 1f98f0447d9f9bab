package dev.halo.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Turns benchmark figures read back from JSON into the pieces of REPORT.md's text and tables. */
final class MarkdownFigures {
  private MarkdownFigures() {}

  /** Where a size's cold start spent the machine's CPU, and its curve, as one list item. */
  static String cpuLine(JsonNode point) {
    JsonNode c = point.path("coldStartCpuSeconds");
    if (c.isMissingNode()) {
      return "";
    }
    StringBuilder line =
        new StringBuilder("- ")
            .append(point.path("groups").asText())
            .append(" groups, cold start CPU over ")
            .append(c.path("wallSeconds").asText())
            .append(" s: operator ")
            .append(c.path("operator").asText())
            .append(" s, mock API server ")
            .append(c.path("mockApiServer").asText())
            .append(" s, bench JVM (agents, kubelet, API server) ")
            .append(c.path("benchJvm").asText())
            .append(" s");
    JsonNode curve = point.path("coldStartCurve");
    if (curve.isArray() && !curve.isEmpty()) {
      line.append("; [seconds, groups labelled, agents campaigning, pods] every 5 s: ");
      List<String> samples = new ArrayList<>();
      curve.forEach(sample -> samples.add(sample.toString()));
      line.append(String.join(" ", samples));
    }
    return line.append("\n").toString();
  }

  static void flatten(String prefix, JsonNode node, StringBuilder out) {
    if (node.isObject()) {
      node.fields()
          .forEachRemaining(
              e -> {
                if (!e.getKey().equals("machine")) {
                  flatten(
                      prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out);
                }
              });
    } else if (node.isArray() && node.size() > 0 && node.get(0).isObject()) {
      for (int i = 0; i < node.size(); i++) {
        flatten(prefix + "[" + i + "]", node.get(i), out);
      }
    } else {
      String text = node.isTextual() ? node.asText() : node.toString();
      if (text.length() > 200) {
        text = text.substring(0, 200) + "…";
      }
      out.append("| ").append(prefix).append(" | ").append(text.replace("|", "\\|")).append(" |\n");
    }
  }

  static List<Long> samples(JsonNode figures, String field) {
    List<Long> out = new ArrayList<>();
    figures.path("rounds").forEach(r -> out.add(r.path(field).asLong()));
    return out;
  }

  static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  static String triple(JsonNode stats) {
    if (stats.isMissingNode() || !stats.has("p50Ms")) {
      return "-";
    }
    return stats.path("p50Ms").asText()
        + " / "
        + stats.path("p99Ms").asText()
        + " / "
        + stats.path("maxMs").asText();
  }
}
