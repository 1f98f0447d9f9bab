package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.testing.EtcdExtension;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The API server refuses a group's pods for a while (as PodSecurity admission does): the operator
 * says so in status and an Event, retries with backoff, and creates them once the refusal stops,
 * with no restart.
 */
class OperatorRefusedCreateIT {
  private static final String REFUSAL =
      "pods \"web-0\" is forbidden: violates PodSecurity \"restricted:latest\":"
          + " allowPrivilegeEscalation != false";

  @Order(1)
  @RegisterExtension
  static final EtcdExtension etcd = EtcdExtension.members(1);

  @Order(2)
  @RegisterExtension
  static final OperatorExtension operator = new OperatorExtension(etcd);

  @Test
  void refusedPodCreateIsReportedRetriedAndRecoversByItself() {
    OperatorHarness h = operator.harness();
    String ns = h.newNamespace();
    String path = "/api/v1/namespaces/" + ns + "/pods";
    String status =
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
            + "\"message\":"
            + io.fabric8.kubernetes.client.utils.Serialization.asJson(REFUSAL)
            + ",\"reason\":\"Forbidden\",\"details\":{\"name\":\"web-0\",\"kind\":\"pods\"},"
            + "\"code\":403}";
    for (String p : new String[] {path, path + "?fieldManager=halo-operator"}) {
      h.k8s.expect().post().withPath(p).andReturn(403, status).always();
    }
    AtomicInteger posts = new AtomicInteger();
    h.k8s.onRequest(
        r -> {
          if ("POST".equals(r.method()) && r.uri().startsWith(path)) {
            posts.incrementAndGet();
          }
        });
    try {
      HighAvailabilityGroup hag = h.create(h.group(ns, "web"));
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> h.conditionIs(ns, "web", "PodsCreated", "False"));
      Condition refused = h.condition(ns, "web", "PodsCreated").orElseThrow();
      assertThat(refused.getReason()).isEqualTo("CreateRefused");
      assertThat(refused.getMessage()).contains(REFUSAL).contains("403");
      assertThat(h.get(ns, "web").getStatus().getObservedGeneration())
          .isEqualTo(hag.getMetadata().getGeneration());
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(h.events(ns, "CreateRefused"))
                      .isNotEmpty()
                      .allSatisfy(
                          e -> {
                            assertThat(e.getType()).isEqualTo("Warning");
                            assertThat(e.getMessage()).contains(REFUSAL);
                          }));
      assertThat(h.pods(ns, "web")).isEmpty();
      // Backoff, not a busy loop: a few attempts over a few seconds.
      int before = posts.get();
      await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
      assertThat(posts.get() - before).isLessThanOrEqualTo(4);
    } finally {
      h.k8s.clearExpectations();
    }
    // The cause is fixed: the pods come by themselves, and the condition turns True.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> h.pods(ns, "web").size() == 3 && h.conditionIs(ns, "web", "PodsCreated", "True"));
    assertThat(h.condition(ns, "web", "PodsCreated").orElseThrow().getReason())
        .isEqualTo("Created");
  }
}
