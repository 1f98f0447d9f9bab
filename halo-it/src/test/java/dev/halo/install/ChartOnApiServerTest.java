package dev.halo.install;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.operator.model.OperatorDefaults;
import dev.halo.operator.validation.HighAvailabilityGroupValidator;
import dev.halo.sandbox.EmbeddedApiServer;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The chart's CRD and rendered objects are accepted by an API server (the mock: it checks that they
 * parse and are stored, not their schema), and the examples are then accepted as groups.
 */
class ChartOnApiServerTest {
  private EmbeddedApiServer k8s;
  private KubernetesClient client;

  @BeforeEach
  void start() {
    k8s = EmbeddedApiServer.start();
    client = k8s.client();
  }

  @AfterEach
  void stop() {
    k8s.close();
  }

  @Test
  void renderedCrdRbacAndOperatorApply() throws IOException {
    CustomResourceDefinition crd;
    try (InputStream in = Files.newInputStream(HelmChart.CRD)) {
      crd = client.apiextensions().v1().customResourceDefinitions().load(in).item();
    }
    client.apiextensions().v1().customResourceDefinitions().resource(crd).delete();
    client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
    client
        .namespaces()
        .resource(
            new NamespaceBuilder().withNewMetadata().withName("halo-system").endMetadata().build())
        .create();

    List<HasMetadata> objects = HelmChart.render("");
    for (HasMetadata object : objects) {
      client.resource(object).create();
    }

    for (HasMetadata object : objects) {
      assertThat(client.resource(object).get())
          .as(object.getKind() + "/" + object.getMetadata().getName())
          .isNotNull();
    }
    assertThat(client.rbac().clusterRoles().withName("halo").get().getRules()).isNotEmpty();
  }

  @Test
  void examplesAreValidAndAcceptedAsGroups() throws IOException {
    // sandbox.yaml names no etcd: the sandbox's operator has a default (HALO_ETCD_ENDPOINTS), the
    // https:// URLs of its TLS etcd, whose client certificate the group's Secret holds.
    OperatorDefaults sandboxOperator =
        OperatorDefaults.of("halo:test", List.of("https://127.0.0.1:2379"));
    for (String example : List.of("minimal.yaml", "three-zones.yaml", "sandbox.yaml")) {
      try (InputStream in = Files.newInputStream(Path.of("deploy", "examples", example))) {
        HighAvailabilityGroup hag =
            client.resources(HighAvailabilityGroup.class).inNamespace("default").load(in).item();
        assertThat(
                HighAvailabilityGroupValidator.validate(
                    hag,
                    example.equals("sandbox.yaml")
                        ? sandboxOperator
                        : OperatorDefaults.of("halo:test")))
            .as(example)
            .isEmpty();
        client.resource(hag).create();
        assertThat(
                client
                    .resources(HighAvailabilityGroup.class)
                    .inNamespace("default")
                    .withName(hag.getMetadata().getName())
                    .get())
            .as(example)
            .isNotNull();
      }
    }
  }
}
