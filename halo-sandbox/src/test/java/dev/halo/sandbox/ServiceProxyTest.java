package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
}
