package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.sandbox.LocalKubelet;
import dev.halo.testing.EtcdExtension;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator on an API server that reports Kubernetes 1.28 and, like a real one, refuses a pod
 * with a {@code preStop: sleep} hook (422): the operator's pods carry the drain hook as an {@code
 * httpGet} (which every release takes), and the group comes up as on a current server.
 */
class OperatorOnOldKubernetesIT {
  @Order(1)
  @RegisterExtension
  static final EtcdExtension etcd = EtcdExtension.members(1);

  @Order(2)
  @RegisterExtension
  static final OperatorExtension operator = OperatorExtension.onKubernetes(etcd, 28);

  @Test
  void aGroupOn128GetsItsPodsWithTheDrainHookAndBecomesReady() {
    OperatorHarness h = operator.harness();
    String ns = h.newNamespace();
    try (LocalKubelet kubelet = h.kubelet(ns, LocalKubelet.AgentMode.IN_PROCESS)) {
      String master = h.startGroup(h.group(ns, "web"));

      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  h.conditionIs(ns, "web", "Ready", "True")
                      && "Running".equals(h.get(ns, "web").getStatus().getPhase()));
      assertThat(h.get(ns, "web").getStatus().getMaster()).isEqualTo(master);
      assertThat(h.conditionIs(ns, "web", "PodsCreated", "True")).isTrue();
      assertThat(h.events(ns, "CreateRefused")).isEmpty();
      for (Pod pod : h.pods(ns, "web")) {
        assertThat(pod.getSpec().getContainers())
            .isNotEmpty()
            .allSatisfy(
                c -> {
                  assertThat(c.getLifecycle().getPreStop().getSleep()).isNull();
                  assertThat(c.getLifecycle().getPreStop().getHttpGet().getPath())
                      .startsWith("/drain?token=");
                });
      }
    }
  }
}
