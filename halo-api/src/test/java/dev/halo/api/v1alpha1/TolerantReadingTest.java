package dev.halo.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

/** A stored group whose spec or status does not fit the model is still read, never refused. */
class TolerantReadingTest {
  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  private static HighAvailabilityGroup read(String spec, String status) {
    return JSON.unmarshal(
        """
        {"apiVersion":"halo.dev/v1alpha1","kind":"HighAvailabilityGroup",
         "metadata":{"name":"web","namespace":"shop"},
         "spec":%s,"status":%s}
        """
            .formatted(spec, status),
        HighAvailabilityGroup.class);
  }

  private static final String TEMPLATE =
      "\"template\":{\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"a:1\"}]}}";

  @Test
  void aValidSpecIsReadAsUsual() {
    HighAvailabilityGroup hag = read("{\"replicas\":2,\"zones\":[\"a\"]," + TEMPLATE + "}", "{}");

    assertThat(hag.hasUnreadableSpec()).isFalse();
    assertThat(hag.getSpec().getReplicas()).isEqualTo(2);
    assertThat(hag.getSpec().getZones()).containsExactly("a");
  }

  @Test
  void aStringWhereAListBelongsNamesTheFieldAndBothTypes() {
    HighAvailabilityGroup hag = read("{\"zones\":\"a,b,c\"," + TEMPLATE + "}", "{}");

    assertThat(hag.hasUnreadableSpec()).isTrue();
    UnreadableSpec spec = (UnreadableSpec) hag.getSpec();
    assertThat(spec.field()).isEqualTo("spec.zones");
    assertThat(spec.problem()).isEqualTo("expected a list of strings, got the string \"a,b,c\"");
  }

  @Test
  void aWordWhereANumberBelongsNamesTheField() {
    UnreadableSpec spec =
        (UnreadableSpec) read("{\"replicas\":\"three\"," + TEMPLATE + "}", "{}").getSpec();

    assertThat(spec.field()).isEqualTo("spec.replicas");
    assertThat(spec.problem()).isEqualTo("expected an integer, got the string \"three\"");
    assertThat(spec.getReplicas()).isNull();
  }

  @Test
  void aNestedFieldIsNamedWithItsFullPath() {
    UnreadableSpec spec =
        (UnreadableSpec)
            read(
                    "{\"template\":{\"spec\":{\"containers\":[{\"name\":\"app\","
                        + "\"ports\":[{\"containerPort\":{\"x\":1}}]}]}}}",
                    "{}")
                .getSpec();

    assertThat(spec.field()).isEqualTo("spec.template.spec.containers[0].ports[0].containerPort");
    assertThat(spec.problem()).isEqualTo("expected an integer, got an object");
  }

  @Test
  void anUnreadableSpecIsWrittenBackExactlyAsStored() {
    String stored = "{\"zones\":\"a,b,c\",\"replicas\":5,\"extra\":[1,2]}";
    HighAvailabilityGroup hag = read(stored, "{}");

    assertThat(JSON.asJson(hag)).contains("\"spec\":" + stored);
    HighAvailabilityGroup copy = JSON.clone(hag);
    assertThat(copy.hasUnreadableSpec()).isTrue();
    assertThat(copy.getSpec().getReplicas()).isEqualTo(5);
    assertThat(Serialization.asJson(copy)).contains("\"spec\":" + stored);
  }

  @Test
  void anUnreadableStatusIsReadAsEmpty() {
    HighAvailabilityGroup hag =
        read("{" + TEMPLATE + "}", "{\"master\":\"web-0\",\"members\":\"web-0,web-1\"}");

    assertThat(hag.hasUnreadableSpec()).isFalse();
    assertThat(hag.getStatus().getMaster()).isNull();
    assertThat(hag.getStatus().getMembers()).isEmpty();
  }
}
