package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halo.sandbox.ApiResource.PrinterColumn;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ServerSideTableTest {
  private static final Instant NOW = Instant.parse("2025-01-01T01:00:00Z");
  private static final ApiResource HAG =
      new ApiResource(
          "halo.dev",
          "v1alpha1",
          "highavailabilitygroups",
          "highavailabilitygroup",
          "HighAvailabilityGroup",
          true,
          List.of("hag"),
          true,
          List.of(
              new PrinterColumn("MASTER", "string", "", "", 0, ".status.master"),
              new PrinterColumn(
                  "READY", "string", "", "", 0, ".status.conditions[?(@.type==\"Ready\")].status"),
              new PrinterColumn("REPLICAS", "integer", "", "", 1, ".spec.replicas")),
          Optional.empty());
  private static final ApiResource PODS = ApiResource.builtin("", "v1", "pods", "Pod", true, true);

  private static JsonNode json(String text) {
    try {
      return Serialization.jsonMapper().readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static List<String> headers(JsonNode table) {
    List<String> names = new ArrayList<>();
    table.path("columnDefinitions").forEach(c -> names.add(c.path("name").asText()));
    return names;
  }

  @Test
  void customResourceColumnsComeFromTheCrdBetweenNameAndAge() {
    JsonNode table =
        ServerSideTable.of(
            HAG,
            json(
                "{\"kind\":\"List\",\"metadata\":{\"resourceVersion\":\"7\"},\"items\":[{"
                    + "\"metadata\":{\"name\":\"shop\",\"creationTimestamp\":\"2025-01-01T00:59:15Z\"},"
                    + "\"spec\":{\"replicas\":3},\"status\":{\"master\":\"shop-1\","
                    + "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}]}"),
            NOW);

    assertThat(table.path("kind").asText()).isEqualTo("Table");
    assertThat(table.path("metadata").path("resourceVersion").asText()).isEqualTo("7");
    assertThat(headers(table)).containsExactly("Name", "MASTER", "READY", "REPLICAS", "Age");
    assertThat(table.path("rows").get(0).path("cells").toString())
        .isEqualTo("[\"shop\",\"shop-1\",\"True\",3,\"45s\"]");
    assertThat(table.path("rows").get(0).path("object").path("metadata").path("name").asText())
        .isEqualTo("shop");
  }

  @Test
  void aPausedFlagAndTheLastFailoverTimeShowAsABooleanAndAnAge() {
    ApiResource hag =
        new ApiResource(
            "halo.dev",
            "v1alpha1",
            "highavailabilitygroups",
            "highavailabilitygroup",
            "HighAvailabilityGroup",
            true,
            List.of("hag"),
            true,
            List.of(
                new PrinterColumn("PAUSED", "boolean", "", "", 0, ".spec.paused"),
                new PrinterColumn("LAST FAILOVER", "date", "", "", 0, ".status.lastFailover.time")),
            Optional.empty());

    JsonNode table =
        ServerSideTable.of(
            hag,
            json(
                "{\"metadata\":{\"name\":\"shop\",\"creationTimestamp\":\"2024-12-31T01:00:00Z\"},"
                    + "\"spec\":{\"paused\":true},"
                    + "\"status\":{\"lastFailover\":{\"time\":\"2025-01-01T00:48:00.123Z\"}}}"),
            NOW);

    assertThat(headers(table)).containsExactly("Name", "PAUSED", "LAST FAILOVER", "Age");
    assertThat(table.path("rows").get(0).path("cells").toString())
        .isEqualTo("[\"shop\",true,\"11m\",\"24h\"]");
  }

  @Test
  void aMissingValueIsANullCell() {
    JsonNode table = ServerSideTable.of(HAG, json("{\"metadata\":{\"name\":\"new\"}}"), NOW);

    assertThat(table.path("rows")).hasSize(1);
    assertThat(table.path("rows").get(0).path("cells").get(1).isNull()).isTrue();
  }

  @Test
  void podsShowReadyStatusRestartsAndSortByName() {
    JsonNode table =
        ServerSideTable.of(
            PODS,
            json(
                "{\"items\":[{\"metadata\":{\"name\":\"b\",\"deletionTimestamp\":\"2025-01-01T00:00:00Z\"},"
                    + "\"spec\":{\"containers\":[{},{}]},\"status\":{\"phase\":\"Running\","
                    + "\"containerStatuses\":[{\"ready\":true,\"restartCount\":2},"
                    + "{\"ready\":false,\"restartCount\":1}]}},"
                    + "{\"metadata\":{\"name\":\"a\"},\"spec\":{\"containers\":[{}]}}]}"),
            NOW);

    assertThat(headers(table)).startsWith("Name", "Ready", "Status", "Restarts", "Age");
    assertThat(table.path("rows").get(0).path("cells").get(0).asText()).isEqualTo("a");
    assertThat(table.path("rows").get(0).path("cells").get(2).asText()).isEqualTo("Pending");
    JsonNode b = table.path("rows").get(1).path("cells");
    assertThat(List.of(b.get(1).asText(), b.get(2).asText(), b.get(3).asText()))
        .containsExactly("1/2", "Terminating", "3");
  }

  @Test
  void agesReadLikeKubectls() {
    assertThat(ServerSideTable.humanDuration(Duration.ofSeconds(119))).isEqualTo("119s");
    assertThat(ServerSideTable.humanDuration(Duration.ofSeconds(192))).isEqualTo("3m12s");
    assertThat(ServerSideTable.humanDuration(Duration.ofMinutes(302))).isEqualTo("5h2m");
    assertThat(ServerSideTable.humanDuration(Duration.ofDays(12))).isEqualTo("12d");
    assertThat(ServerSideTable.age("not a time", NOW)).isEqualTo("<unknown>");
  }
}
