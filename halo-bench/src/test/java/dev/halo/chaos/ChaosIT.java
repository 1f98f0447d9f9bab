package dev.halo.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The short chaos campaign inside {@code make test}: every fault kind at least once against three
 * groups, and not one violation of the invariants of docs/design.md, neither in the samples nor in
 * the agents' role histories. {@code make chaos} runs the long one.
 */
class ChaosIT {
  private static final long SEED = 1;
  // Every kind once (the plan starts with each kind in a shuffled order), then a few more.
  private static final int FAULTS = 24;

  @Test
  void everyFaultKindOnceAndNoInvariantBroken() throws Exception {
    Path out = Path.of("target", "chaos-it");
    List<FaultKind> kinds = Arrays.asList(FaultKind.values());
    Map<String, Object> report = ChaosCampaign.run(SEED, FAULTS, 100, 400, out, kinds);

    assertThat((List<?>) report.get("violations"))
        .as("violations: %s", report.get("violations"))
        .isEmpty();
    @SuppressWarnings("unchecked")
    Map<String, Integer> byKind = (Map<String, Integer>) report.get("byKind");
    assertThat(byKind.keySet())
        .containsExactlyInAnyOrderElementsOf(kinds.stream().map(Enum::name).toList());
    JsonNode written = new ObjectMapper().readTree(out.resolve("report.json").toFile());
    assertThat(written.path("seed").asLong()).isEqualTo(SEED);
    assertThat(written.path("faults").asInt()).isEqualTo(FAULTS);
    assertThat(written.path("samples").asLong()).isGreaterThan(100);
    // The histories prove it too: every group had masters one after the other, none overlapping
    // (an overlap would be among the violations above).
    JsonNode histories = written.path("roleHistory");
    assertThat(histories.path("violations").asInt()).isZero();
    assertThat(histories.path("masterIntervals").asInt()).isGreaterThan(3);
    assertThat(histories.path("handovers").asInt()).isPositive();
    assertThat(histories.path("smallestGapMs").asDouble()).isPositive();
    assertThat(out.resolve("role-history")).isNotEmptyDirectory();
    // A stalled watch is found and the operator restarted: each restart names the stall.
    for (JsonNode restart : written.path("livenessRestarts")) {
      assertThat(restart.path("reason").asText()).contains("watch stalled");
    }
  }
}
