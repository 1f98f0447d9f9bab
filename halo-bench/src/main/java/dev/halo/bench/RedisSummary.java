package dev.halo.bench;

import com.fasterxml.jackson.databind.JsonNode;

/** The Redis section of REPORT.md, from redis.json ({@link RedisBench}). */
final class RedisSummary {
  private RedisSummary() {}

  /** Per mode and fault: failover times, failed writes, lost acknowledged writes. */
  static String markdown(JsonNode doc) {
    StringBuilder md = new StringBuilder("## Redis under Halo (redis.json)\n\n");
    md.append(doc.path("setup").asText()).append(".\n\n");
    md.append(
        "| min-replicas-to-write | fault | n | fault → new master labelled, p50 / max ms | writes"
            + " failing, p50 / max ms | failed writes, p50 / max | acknowledged writes lost |"
            + " replicas follow after labelled, max ms (bound "
            + doc.path("repointBoundMs").asLong()
            + ") | old master a replica, max ms |\n");
    md.append("|---|---|---|---|---|---|---|---|---|\n");
    for (JsonNode mode : doc.path("modes")) {
      for (JsonNode f : mode.path("faults")) {
        md.append(
            String.format(
                "| %d | %s | %d | %d / %d | %d / %d | %d / %d | %s | %d (%d of %d within) | %d |%n",
                mode.path("minReplicasToWrite").asInt(),
                f.path("fault").asText(),
                f.path("faultToLabelledMs").path("n").asInt(),
                f.path("faultToLabelledMs").path("p50Ms").asLong(),
                f.path("faultToLabelledMs").path("maxMs").asLong(),
                f.path("failureWindowMs").path("p50Ms").asLong(),
                f.path("failureWindowMs").path("maxMs").asLong(),
                f.path("failedWrites").path("p50Ms").asLong(),
                f.path("failedWrites").path("maxMs").asLong(),
                f.path("ackedWritesLost").toString(),
                f.path("labelledToReplicasFollowMs").path("maxMs").asLong(),
                f.path("replicasWithinBound").asInt(),
                f.path("faultToLabelledMs").path("n").asInt(),
                f.path("faultToOldMasterReplicaMs").path("maxMs").asLong()));
      }
    }
    for (JsonNode mode : doc.path("modes")) {
      JsonNode roll = mode.path("rollingUpdate");
      if (!roll.isMissingNode()) {
        md.append(
            String.format(
                "%nRolling update to min-replicas-to-write %d: %d ms, %d writes failed, %d"
                    + " acknowledged writes lost.%n",
                mode.path("minReplicasToWrite").asInt(),
                roll.path("tookMs").asLong(),
                roll.path("failed").asInt(),
                roll.path("ackedWritesLost").asInt()));
      }
    }
    md.append('\n');
    return md.toString();
  }
}
