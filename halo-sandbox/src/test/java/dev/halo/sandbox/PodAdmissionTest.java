package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.VersionInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The release the embedded API server reports, and what it refuses in a pod because of it. */
class PodAdmissionTest {
  private static EmbeddedApiServer kube;
  private static KubernetesClient client;

  @BeforeAll
  static void start() {
    kube = EmbeddedApiServer.start();
    client = kube.client();
  }

  @AfterAll
  static void stop() {
    kube.close();
  }

  private static Pod pod(String name, boolean sleep) {
    PodBuilder pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("app")
            .withImage("example/app:1")
            .endContainer()
            .addNewContainer()
            .withName("sidecar")
            .withImage("example/sidecar:1")
            .endContainer()
            .endSpec();
    if (sleep) {
      pod.editSpec()
          .editLastContainer()
          .withNewLifecycle()
          .withNewPreStop()
          .withNewSleep(2L)
          .endPreStop()
          .endLifecycle()
          .endContainer()
          .endSpec();
    }
    return pod.build();
  }

  @Test
  void reports132UnlessToldOtherwise() {
    try (EmbeddedApiServer fresh = EmbeddedApiServer.start()) {
      VersionInfo version = fresh.client().getKubernetesVersion();
      assertThat(version.getMinor()).isEqualTo("32");
      assertThat(version.getGitVersion()).isEqualTo("v1.32.0-halo-sandbox");
    }
  }

  @Test
  void refusesASleepHookBefore130AsARealServerDoes() {
    kube.kubernetesVersion(28);
    try {
      assertThat(client.getKubernetesVersion().getGitVersion()).isEqualTo("v1.28.0-halo-sandbox");
      assertThatThrownBy(() -> client.pods().resource(pod("old-sleep", true)).create())
          .isInstanceOfSatisfying(
              KubernetesClientException.class,
              e -> {
                assertThat(e.getCode()).isEqualTo(422);
                assertThat(e.getStatus().getMessage())
                    .isEqualTo(
                        "Pod \"old-sleep\" is invalid: spec.containers[1].lifecycle.preStop:"
                            + " Required value: must specify a handler type");
                assertThat(e.getStatus().getDetails().getCauses())
                    .singleElement()
                    .satisfies(
                        c -> {
                          assertThat(c.getField())
                              .isEqualTo("spec.containers[1].lifecycle.preStop");
                          assertThat(c.getReason()).isEqualTo("FieldValueRequired");
                        });
              });
      assertThat(client.pods().withName("old-sleep").get()).isNull();
      assertThat(client.pods().resource(pod("old-plain", false)).create()).isNotNull();
    } finally {
      kube.kubernetesVersion(32);
    }
  }

  @Test
  void takesASleepHookFrom130() {
    kube.kubernetesVersion(30);
    try {
      client.pods().resource(pod("new-sleep", true)).create();

      assertThat(
              client
                  .pods()
                  .withName("new-sleep")
                  .get()
                  .getSpec()
                  .getContainers()
                  .get(1)
                  .getLifecycle()
                  .getPreStop()
                  .getSleep()
                  .getSeconds())
          .isEqualTo(2L);
    } finally {
      kube.kubernetesVersion(32);
    }
  }
}
