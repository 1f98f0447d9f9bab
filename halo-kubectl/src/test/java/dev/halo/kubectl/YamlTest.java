package dev.halo.kubectl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class YamlTest {
  @Test
  void readsBlockMappingsListsAtTheKeysIndentAndQuotedScalars() {
    Object doc =
        Yaml.parse(
            """
            # comment
            a: plain value
            list:
            - name: one
              n: "two # not a comment"
            - 'it''s'
            empty: {}
            flag: true
            nothing: ~
            """);

    java.util.Map<String, Object> expected = new java.util.HashMap<>();
    expected.put("a", "plain value");
    expected.put("list", List.of(Map.of("name", "one", "n", "two # not a comment"), "it's"));
    expected.put("empty", Map.of());
    expected.put("flag", true);
    expected.put("nothing", null);
    assertThat(doc).isEqualTo(expected);
  }

  @Test
  void aJsonKubeconfigIsReadAsJson() {
    assertThat(Yaml.parse("{\"a\": [1, 2.5, null]}"))
        .isEqualTo(Map.of("a", java.util.Arrays.asList(1L, 2.5, null)));
  }

  @Test
  void blockScalarsAreRefusedWithTheLine() {
    assertThatThrownBy(() -> Yaml.parse("a: 1\nb: |\n  text\n"))
        .hasMessageContaining("line 2")
        .hasMessageContaining("block scalars");
  }

  @Test
  void writtenYamlReadsBackTheSame() {
    Map<String, Object> doc =
        new java.util.LinkedHashMap<>(
            Map.of(
                "name", "web",
                "members", List.of(Map.of("pod", "web-0", "ready", true), Map.of("pod", "web-1")),
                "time", "2026-12-07T14:00:00Z",
                "odd", "yes: no # x",
                "empty", List.of()));

    assertThat(Yaml.parse(Yaml.write(doc))).isEqualTo(doc);
  }

  @Test
  void jsonRoundTrips() {
    Object doc = Map.of("s", "q\"uote\n", "n", 12L, "l", List.of(true, false));

    assertThat(Json.parse(Json.write(doc))).isEqualTo(doc);
  }
}
