package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The service proxy's local ports, as the sandbox banner prints them. */
class ServiceProxyTest {
  private static final String NS = "default";
  private static EmbeddedApiServer kube;

  @BeforeAll
  static void start() {
    kube = EmbeddedApiServer.start();
  }

  @AfterAll
  static void stop() {
    kube.close();
  }

  private static Service service(String name) {
    return new ServiceBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NS)
        .endMetadata()
        .withNewSpec()
        .withSelector(Map.of("halo.dev/group", name))
        .addNewPort()
        .withPort(80)
        .endPort()
        .endSpec()
        .build();
  }

  private static Optional<Integer> localPort(ServiceProxy proxy, String service) {
    return proxy.routes().stream()
        .filter(r -> r.service().equals(service))
        .map(ServiceProxy.Route::localPort)
        .findFirst();
  }

  @Test
  void aServiceDeletedAndCreatedAgainKeepsItsLocalPort() {
    // The kubelet is only asked for a workload port when a connection comes in.
    try (ServiceProxy proxy = ServiceProxy.start(kube.client(), NS, null, 0)) {
      kube.client().services().resource(service("again")).create();
      await().atMost(Duration.ofSeconds(10)).until(() -> localPort(proxy, "again").isPresent());
      int first = localPort(proxy, "again").orElseThrow();

      kube.client().services().withName("again").delete();
      await().atMost(Duration.ofSeconds(10)).until(() -> localPort(proxy, "again").isEmpty());
      // Another Service appearing meanwhile must not take the port either.
      kube.client().services().resource(service("meanwhile")).create();
      kube.client().services().resource(service("again")).create();

      await().atMost(Duration.ofSeconds(10)).until(() -> localPort(proxy, "again").isPresent());
      assertThat(localPort(proxy, "again")).contains(first);
      await().atMost(Duration.ofSeconds(10)).until(() -> localPort(proxy, "meanwhile").isPresent());
      assertThat(localPort(proxy, "meanwhile")).isNotEqualTo(Optional.of(first));
    }
  }

  private static void readyPod(String name, String role) {
    kube.client()
        .pods()
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NS)
                .addToLabels("halo.dev/group", "drain")
                .addToLabels("halo.dev/role", role)
                .addToFinalizers("halo.dev/test-keeps-it")
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("app")
                .withImage("example/app:1")
                .endContainer()
                .endSpec()
                .build())
        .create();
    kube.client()
        .pods()
        .withName(name)
        .editStatus(
            p ->
                new PodBuilder(p)
                    .withNewStatus()
                    .addNewCondition()
                    .withType("Ready")
                    .withStatus("True")
                    .endCondition()
                    .endStatus()
                    .build());
  }

  @Test
  void aTerminatingPodKeepsItsTrafficOnlyWhileNoOtherEndpointIsReady() {
    try (ServiceProxy proxy = ServiceProxy.start(kube.client(), NS, null, 0)) {
      kube.client()
          .services()
          .resource(
              new ServiceBuilder(service("drain"))
                  .editSpec()
                  .withSelector(Map.of("halo.dev/group", "drain", "halo.dev/role", "master"))
                  .endSpec()
                  .build())
          .create();
      readyPod("drain-0", "master");
      readyPod("drain-1", "standby");
      await().atMost(Duration.ofSeconds(10)).until(() -> !proxy.endpoints("drain").isEmpty());
      assertThat(proxy.endpoints("drain")).containsExactly("drain-0");

      // Deleted, still Ready, the only one selected: it keeps serving (KEP-1669).
      kube.client().pods().withName("drain-0").delete();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  kube.client()
                          .pods()
                          .withName("drain-0")
                          .get()
                          .getMetadata()
                          .getDeletionTimestamp()
                      != null);
      assertThat(proxy.endpoints("drain")).containsExactly("drain-0");

      // Its successor is labelled: the terminating pod gets no new connection.
      kube.client()
          .pods()
          .withName("drain-1")
          .edit(
              p ->
                  new PodBuilder(p)
                      .editMetadata()
                      .addToLabels("halo.dev/role", "master")
                      .endMetadata()
                      .build());
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> proxy.endpoints("drain").equals(java.util.List.of("drain-1")));
    }
  }
}
