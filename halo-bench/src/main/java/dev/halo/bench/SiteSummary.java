package dev.halo.bench;

import com.fasterxml.jackson.databind.JsonNode;

/** The multi-site section of REPORT.md, from sites.json ({@link SiteBench}). */
final class SiteSummary {
  private SiteSummary() {}

  /** A site lost at each RTT against its bound, and a local master crash: who won. */
  static String markdown(JsonNode doc) {
    StringBuilder md = new StringBuilder("## Multi-site (sites.json)\n\n");
    md.append(doc.path("setup").asText()).append(".\n\n");
    md.append(
        "| site lost (master and raft leader) | n | lost → master labelled on the other site, p50 /"
            + " max ms | bound TTL + 2 × election timeout + RTT | within the bound |\n");
    md.append("|---|---|---|---|---|\n");
    for (JsonNode point : doc.path("siteLoss")) {
      JsonNode ms = point.path("lossToLabelledMs");
      md.append(
          String.format(
              "| RTT %d ms | %d | %d / %d | %d ms | %d of %d |%n",
              point.path("rttMs").asLong(),
              ms.path("n").asInt(),
              ms.path("p50Ms").asLong(),
              ms.path("maxMs").asLong(),
              point.path("boundMs").asLong(),
              point.path("withinBound").asInt(),
              ms.path("n").asInt()));
    }
    JsonNode crash = doc.path("localCrash");
    JsonNode ms = crash.path("crashToLabelledMs");
    md.append(
        String.format(
            "%nLocal master crash (kill -9, RTT %d ms): master labelled after p50 %d / max %d ms"
                + " (n=%d); the new master was on the same site %d times, on the other site %d"
                + " times.%n%n",
            crash.path("rttMs").asLong(),
            ms.path("p50Ms").asLong(),
            ms.path("maxMs").asLong(),
            ms.path("n").asInt(),
            crash.path("wonBySameSite").asInt(),
            crash.path("wonByOtherSite").asInt()));
    return md.toString();
  }
}
