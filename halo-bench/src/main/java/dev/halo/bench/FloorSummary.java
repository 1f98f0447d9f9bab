package dev.halo.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/** The floor section of REPORT.md, from floor.json ({@link FloorBench}). */
final class FloorSummary {
  private FloorSummary() {}

  /** The measured steps, then per TTL each scenario's chain, floor, Halo's figure and the ratio. */
  static String markdown(JsonNode doc) {
    StringBuilder md = new StringBuilder("## The floor next to Halo (floor.json)\n\n");
    md.append(doc.path("setup").path("rig").asText())
        .append(". Halo's figures: ")
        .append(doc.path("haloFigures").asText())
        .append(".\n\n| step | n | p50 / p99 / max ms | what |\n|---|---|---|---|\n");
    JsonNode definitions = doc.path("setup").path("definitions");
    for (Iterator<Map.Entry<String, JsonNode>> it = doc.path("steps").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode s = e.getValue();
      String what =
          definitions.has(e.getKey())
              ? definitions.path(e.getKey()).asText()
              : definitions.path("leaseExpiryTtl<N>").asText();
      md.append(
          String.format(
              "| %s | %d | %s / %s / %s | %s |%n",
              e.getKey(),
              s.path("n").asInt(),
              FloorChains.ms(s.path("p50Ms").asDouble()),
              FloorChains.ms(s.path("p99Ms").asDouble()),
              FloorChains.ms(s.path("maxMs").asDouble()),
              what));
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = doc.path("chains").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> series = it.next();
      md.append("\n### Lease TTL ")
          .append(series.getKey().replace("ttl", ""))
          .append(" s\n\n| scenario | floor: the sum of p50s | floor ms | Halo figure | Halo p50 /")
          .append(" p99 ms | Halo ÷ floor |\n|---|---|---|---|---|---|\n");
      for (Iterator<Map.Entry<String, JsonNode>> c = series.getValue().fields(); c.hasNext(); ) {
        Map.Entry<String, JsonNode> e = c.next();
        JsonNode chain = e.getValue();
        boolean halo = chain.has("haloP50Ms");
        md.append(
            String.format(
                "| %s | %s | %s | %s | %s | %s |%n",
                e.getKey(),
                formula(chain.path("steps")),
                FloorChains.ms(chain.path("floorMs").asDouble()),
                halo ? chain.path("halo").asText() : "-",
                halo
                    ? chain.path("haloP50Ms").asText() + " / " + chain.path("haloP99Ms").asText()
                    : "-",
                halo ? chain.path("haloDividedByFloor").asText() : "-"));
      }
    }
    md.append(
        "\nA watch event is timed from the write's response, so it is negative when the event"
            + " outruns the response; in a chain it follows the write that caused it, and the two"
            + " together are the time from the request to the watcher knowing.\n\n");
    return md.toString();
  }

  private static String formula(JsonNode steps) {
    StringBuilder s = new StringBuilder();
    for (JsonNode t : steps) {
      s.append(s.isEmpty() ? "" : " + ")
          .append(t.path("times").asInt() == 1 ? "" : t.path("times").asInt() + " × ")
          .append(t.path("step").asText());
    }
    return s.toString();
  }
}
