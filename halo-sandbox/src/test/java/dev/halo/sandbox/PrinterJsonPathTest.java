package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import org.junit.jupiter.api.Test;

class PrinterJsonPathTest {
  private static final JsonNode HAG =
      json(
          "{\"metadata\":{\"name\":\"shop\",\"labels\":{\"halo.dev/role\":\"master\"}},"
              + "\"status\":{\"master\":\"shop-1\",\"ready\":\"2/3\",\"conditions\":["
              + "{\"type\":\"Available\",\"status\":\"False\"},"
              + "{\"type\":\"Ready\",\"status\":\"True\"}]}}");

  private static JsonNode json(String text) {
    try {
      return Serialization.jsonMapper().readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static List<String> find(String path) {
    return PrinterJsonPath.find(HAG, path).stream().map(JsonNode::asText).toList();
  }

  @Test
  void followsDottedFields() {
    assertThat(find(".status.master")).containsExactly("shop-1");
    assertThat(find("{.metadata.name}")).containsExactly("shop");
  }

  @Test
  void missingFieldsSelectNothing() {
    assertThat(find(".status.masterZone")).isEmpty();
    assertThat(find(".spec.replicas")).isEmpty();
  }

  @Test
  void filtersListItemsByAField() {
    assertThat(find(".status.conditions[?(@.type==\"Ready\")].status")).containsExactly("True");
    assertThat(find(".status.conditions[?(@.type != 'Ready')].type")).containsExactly("Available");
  }

  @Test
  void indexesWildcardsAndQuotedNames() {
    assertThat(find(".status.conditions[0].type")).containsExactly("Available");
    assertThat(find(".status.conditions[-1].type")).containsExactly("Ready");
    assertThat(find(".status.conditions[*].type")).containsExactly("Available", "Ready");
    assertThat(find(".metadata.labels['halo.dev/role']")).containsExactly("master");
  }

  @Test
  void rejectsWhatItCannotEvaluate() {
    assertThatThrownBy(() -> find(".status.conditions[?(@.x > 1)]"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unsupported JSONPath filter");
  }
}
