package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Field selectors as the real API server offers and applies them. */
class FieldSelectorTest {
  private static final JsonNode WARNING =
      json(
          "{\"metadata\":{\"name\":\"web.1\",\"namespace\":\"default\"},"
              + "\"involvedObject\":{\"kind\":\"HighAvailabilityGroup\",\"name\":\"web\","
              + "\"namespace\":\"default\",\"uid\":\"u-1\",\"apiVersion\":\"halo.dev/v1alpha1\"},"
              + "\"type\":\"Warning\",\"reason\":\"InvalidSpec\","
              + "\"source\":{\"component\":\"halo-operator\"}}");

  private static JsonNode json(String text) {
    try {
      return Serialization.jsonMapper().readTree(text);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void eventsMatchOnTheInvolvedObjectTypeReasonAndSourceWithEveryOperator() {
    assertThat(
            FieldSelector.parse(
                    "involvedObject.kind=HighAvailabilityGroup,involvedObject.uid=u-1,"
                        + "involvedObject.name==web,involvedObject.namespace=default,"
                        + "involvedObject.apiVersion=halo.dev/v1alpha1,type!=Normal,"
                        + "reason=InvalidSpec,source=halo-operator,metadata.name=web.1,"
                        + "involvedObject.fieldPath=",
                    "",
                    "events")
                .matches(WARNING))
        .isTrue();
    assertThat(FieldSelector.parse("involvedObject.name=shop", "", "events").matches(WARNING))
        .isFalse();
    assertThat(FieldSelector.parse("type!=Warning", "", "events").matches(WARNING)).isFalse();
  }

  @Test
  void aFieldTheKindDoesNotOfferIsRefusedWithTheRealServersMessage() {
    assertThatThrownBy(() -> FieldSelector.parse("involvedObject.name=web", "", "pods"))
        .isInstanceOf(FieldSelector.Unsupported.class)
        .hasMessage("field label not supported: involvedObject.name");
    assertThatThrownBy(
            () -> FieldSelector.parse("spec.zones=a", "halo.dev", "highavailabilitygroups"))
        .hasMessage("field label not supported: spec.zones");
    assertThatThrownBy(() -> FieldSelector.parse("metadata.name", "", "pods"))
        .isInstanceOf(FieldSelector.Unsupported.class);
    assertThat(
            FieldSelector.parse("metadata.namespace=default", "halo.dev", "highavailabilitygroups"))
        .isNotNull();
  }

  @Test
  void aListKeepsOnlyTheMatchingItems() {
    String list =
        "{\"kind\":\"EventList\",\"items\":["
            + Serialization.asJson(WARNING)
            + ",{\"involvedObject\":{\"name\":\"shop\"}}]}";

    byte[] filtered =
        FieldSelector.parse("involvedObject.name=web", "", "events")
            .filterList(list.getBytes(StandardCharsets.UTF_8));

    JsonNode items = json(new String(filtered, StandardCharsets.UTF_8)).get("items");
    assertThat(items).hasSize(1);
    assertThat(items.get(0).path("metadata").path("name").asText()).isEqualTo("web.1");
  }

  @Test
  void theStoreSeesOnlyTheNameTerms() {
    FieldSelector selector =
        FieldSelector.parse("metadata.name=web-0,status.phase=Running", "", "pods");

    assertThat(
            ApiFrontEnd.withoutFieldSelector(
                "/api/v1/pods?fieldSelector=x&watch=true&limit=5", selector))
        .isEqualTo("/api/v1/pods?watch=true&limit=5&fieldSelector=metadata.name%3Dweb-0");
    assertThat(
            ApiFrontEnd.withoutFieldSelector(
                "/api/v1/events?fieldSelector=x",
                FieldSelector.parse("type=Warning", "", "events")))
        .isEqualTo("/api/v1/events");
  }
}
