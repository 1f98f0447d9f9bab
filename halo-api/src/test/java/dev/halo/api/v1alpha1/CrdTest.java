package dev.halo.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class CrdTest {
  private final CustomResourceDefinition crd = Crd.load();

  @Test
  void committedCrdMatchesTheJavaModel() throws IOException {
    assertThat(Files.exists(Crd.COMMITTED)).as(Crd.COMMITTED + " exists").isTrue();
    CustomResourceDefinition committed =
        Serialization.unmarshal(Files.readString(Crd.COMMITTED), CustomResourceDefinition.class);
    assertThat(committed)
        .as(Crd.COMMITTED + " is out of date: run `make manifests` and commit the result")
        .isEqualTo(crd);
  }

  @Test
  void namesAndScopeFollowTheContract() {
    assertThat(crd.getMetadata().getName()).isEqualTo("highavailabilitygroups.halo.dev");
    assertThat(crd.getSpec().getGroup()).isEqualTo("halo.dev");
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(crd.getSpec().getNames().getKind()).isEqualTo("HighAvailabilityGroup");
    assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("hag");
    assertThat(crd.getSpec().getVersions())
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.getName()).isEqualTo("v1alpha1");
              assertThat(v.getSubresources().getStatus()).isNotNull();
            });
  }

  @Test
  void scaleSubresourceServesReplicasAndThePodSelector() {
    var scale = crd.getSpec().getVersions().get(0).getSubresources().getScale();
    assertThat(scale).as("scale subresource").isNotNull();
    assertThat(scale.getSpecReplicasPath()).isEqualTo(".spec.replicas");
    assertThat(scale.getStatusReplicasPath()).isEqualTo(".status.replicas");
    assertThat(scale.getLabelSelectorPath()).isEqualTo(".status.selector");
  }

  @Test
  void printerColumnsAreInTheDeclaredOrder() {
    assertThat(crd.getSpec().getVersions().get(0).getAdditionalPrinterColumns())
        .extracting(CustomResourceColumnDefinition::getName)
        .containsExactly("MASTER", "ZONE", "READY", "PHASE", "PAUSED", "LAST FAILOVER", "AGE");
  }

  @Test
  void schemaCarriesRangesAndRequiredFields() {
    JSONSchemaProps spec =
        crd.getSpec()
            .getVersions()
            .get(0)
            .getSchema()
            .getOpenAPIV3Schema()
            .getProperties()
            .get("spec");
    assertThat(spec.getRequired()).contains("template").doesNotContain("election");
    assertThat(spec.getProperties().get("election").getRequired()).isNullOrEmpty();
    assertThat(spec.getProperties().get("replicas").getMinimum()).isEqualTo(1.0);
    JSONSchemaProps ttl =
        spec.getProperties().get("election").getProperties().get("leaseTTLSeconds");
    assertThat(ttl.getMinimum()).isEqualTo(2.0);
    assertThat(ttl.getMaximum()).isEqualTo(60.0);
  }

  @Test
  void groupWithoutSpecIsRefusedAndReplicasDefaultToThree() {
    JSONSchemaProps root = crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema();
    assertThat(root.getRequired()).containsExactly("spec");
    // The scale subresource reads a missing spec.replicas as 0, and so would the disruption
    // controller: the API server must store the default.
    assertThat(root.getProperties().get("spec").getProperties().get("replicas").getDefault())
        .hasToString("3");
  }
}
