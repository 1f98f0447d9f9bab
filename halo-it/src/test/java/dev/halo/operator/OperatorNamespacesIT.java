package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.AgentDefaults;
import dev.halo.operator.model.TestGroups;
import dev.halo.sandbox.EmbeddedApiServer;
import dev.halo.testing.EtcdExtension;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** An operator told to watch some namespaces leaves groups elsewhere alone. */
class OperatorNamespacesIT {
  @RegisterExtension static final EtcdExtension etcd = EtcdExtension.members(1);

  @Test
  void reconcilesOnlyTheWatchedNamespaces() throws Exception {
    try (EmbeddedApiServer k8s = EmbeddedApiServer.start();
        HaloOperator operator =
            HaloOperator.start(
                k8s.newClient(),
                new OperatorConfig(
                    Set.of("watched"),
                    "halo:test",
                    List.of(),
                    false,
                    "",
                    "127.0.0.1",
                    0,
                    AgentDefaults.JVM_OPTIONS))) {
      for (String ns : List.of("watched", "other")) {
        k8s.client()
            .namespaces()
            .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
            .create();
        HighAvailabilityGroup hag = TestGroups.valid(ns, "web");
        hag.getMetadata().setUid(null);
        hag.getSpec().getElection().setEndpoints(etcd.cluster().clientUrls());
        k8s.client().resource(hag).create();
      }

      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> k8s.client().pods().inNamespace("watched").list().getItems().size() == 3);
      // The watched group is fully reconciled; the other, created at the same time, is untouched.
      await().atMost(Duration.ofSeconds(10)).until(() -> status("watched", k8s) != null);
      assertThat(k8s.client().pods().inNamespace("other").list().getItems()).isEmpty();
      assertThat(status("other", k8s)).isNull();
    }
  }

  private static Object status(String ns, EmbeddedApiServer k8s) {
    HighAvailabilityGroup hag =
        k8s.client().resources(HighAvailabilityGroup.class).inNamespace(ns).withName("web").get();
    return hag.getStatus() == null || hag.getStatus().getPhase() == null ? null : hag.getStatus();
  }
}
