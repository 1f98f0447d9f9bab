package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.common.Annotations;
import dev.halo.common.Labels;
import dev.halo.sandbox.EmbeddedApiServer;
import dev.halo.sandbox.LocalKubelet;
import dev.halo.testing.EtcdExtension;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The API server refuses the operator's writes other than pod creates for a while (a webhook, a
 * field it finds invalid, an internal error): each is reported in the {@code ObjectsApplied}
 * condition and a Warning Event with the server's message, retried with growing gaps, and applied
 * by itself once the server accepts it again, with no operator restart.
 */
class OperatorRefusedWritesIT {
  @Order(1)
  @RegisterExtension
  static final EtcdExtension etcd = EtcdExtension.members(1);

  @Order(2)
  @RegisterExtension
  static final OperatorExtension operator = new OperatorExtension(etcd);

  private OperatorHarness h;
  private String ns;

  @BeforeEach
  void namespace() {
    h = operator.harness();
    ns = h.newNamespace();
  }

  @AfterEach
  void allowEverything() {
    h.k8s.clearExpectations();
  }

  /** A Status as the API server sends it with a refusal. */
  private static String status(int code, String reason, String message, String details) {
    return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
        + "\"message\":"
        + Serialization.asJson(message)
        + ",\"reason\":\""
        + reason
        + "\",\"details\":"
        + details
        + ",\"code\":"
        + code
        + "}";
  }

  /** Times (ms, monotonic) at which the operator sent {@code method} to {@code path}. */
  private List<Long> recordOperatorRequests(String method, String path) {
    List<Long> times = new CopyOnWriteArrayList<>();
    h.k8s.onRequest(
        r -> {
          if (ApiCallRecorder.OPERATOR_USER_AGENT.equals(r.userAgent())
              && method.equals(r.method())
              && r.uri().split("\\?")[0].equals(path)) {
            times.add(System.nanoTime() / 1_000_000);
          }
        });
    return times;
  }

  @Test
  void refusedRoleLabelsHoldTheOldMasterThenTheNewOneIsLabelledOnceAllowed() {
    String refusal =
        "admission webhook \"labels.policy.example\" denied the request: pod labels are locked";
    try (LocalKubelet kubelet = h.kubelet(ns, LocalKubelet.AgentMode.IN_PROCESS)) {
      String old = h.startGroup(h.group(ns, "web"));
      h.awaitAllCampaigning(ns, "web");
      // From now on a policy refuses every change of the pods (the kubelet writes only /status).
      for (int i = 0; i < 3; i++) {
        String pod = "web-" + i;
        h.k8s
            .expect()
            .patch()
            .withPath("/api/v1/namespaces/" + ns + "/pods/" + pod)
            .andReturn(
                403,
                status(403, "Forbidden", refusal, "{\"name\":\"" + pod + "\",\"kind\":\"pods\"}"))
            .always();
      }
      // A planned switchover: etcd elects another pod at once, whose label is then refused.
      h.update(
          ns,
          "web",
          g -> {
            if (g.getMetadata().getAnnotations() == null) {
              g.getMetadata().setAnnotations(new HashMap<>());
            }
            g.getMetadata().getAnnotations().put(Annotations.SWITCHOVER, old);
          });

      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> h.conditionIs(ns, "web", "ObjectsApplied", "False"));
      Condition refused = h.condition(ns, "web", "ObjectsApplied").orElseThrow();
      assertThat(refused.getReason()).isEqualTo("RoleLabelRefused");
      assertThat(refused.getMessage())
          .contains("label pod " + old + " halo.dev/role=standby")
          .contains("403 Forbidden: " + refusal);
      assertThat(h.events(ns, "RoleLabelRefused"))
          .isNotEmpty()
          .allSatisfy(
              e -> {
                assertThat(e.getType()).isEqualTo("Warning");
                assertThat(e.getMessage()).contains(refusal);
              });
      // etcd moved on, but the refused demotion holds the promotion back: one master at most.
      await().atMost(Duration.ofSeconds(10)).until(() -> !h.etcdLeader(ns, "web").equals(old));
      String next = h.etcdLeader(ns, "web");
      assertThat(next).isNotEmpty();
      assertThat(h.labelledMasters(ns, "web")).containsExactly(old);

      h.k8s.clearExpectations();

      // Role labels are retried at most every 30 s: the new master is labelled by itself.
      h.awaitLabelledMasterOtherThan(ns, "web", old, Duration.ofSeconds(45));
      assertThat(h.awaitAgreedMaster(ns, "web", Duration.ofSeconds(10))).isEqualTo(next);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> h.conditionIs(ns, "web", "ObjectsApplied", "True"));
      assertThat(h.condition(ns, "web", "ObjectsApplied").orElseThrow().getReason())
          .isEqualTo("Applied");
      assertThat(h.events(ns, "RoleLabelsApplied")).isNotEmpty();
    }
  }

  /**
   * Labels follow the election on its watch event, not only in the reconcile: while the group's
   * reconcile waits on a status write that the API server holds, a second election change is
   * relabelled all the same. Without that path the labels would wait for the write's timeout.
   */
  @Test
  void labelsFollowTheElectionWhileTheGroupsReconcileWaitsOnAHeldStatusWrite() {
    try (LocalKubelet kubelet = h.kubelet(ns, LocalKubelet.AgentMode.IN_PROCESS)) {
      String first = h.startGroup(h.group(ns, "web"));
      h.awaitAllCampaigning(ns, "web");
      String status =
          "/apis/halo.dev/v1alpha1/namespaces/" + ns + "/highavailabilitygroups/web/status";
      List<Long> held = new CopyOnWriteArrayList<>();
      h.k8s.injectFault(
          EmbeddedApiServer.Fault.HANG,
          r -> {
            boolean hit = r.method().equals("PATCH") && r.uri().split("\\?")[0].equals(status);
            if (hit) {
              held.add(System.nanoTime() / 1_000_000);
            }
            return hit;
          },
          Duration.ofMinutes(2));
      try {
        assertThat(h.stepDownLeader(ns, "web")).isEqualTo(first);
        h.awaitLabelledMasterOtherThan(ns, "web", first, Duration.ofSeconds(20));
        String second = h.labelledMasters(ns, "web").get(0);
        // The reconcile that follows the first change writes the new master into the status.
        await().atMost(Duration.ofSeconds(20)).until(() -> !held.isEmpty());

        assertThat(h.stepDownLeader(ns, "web")).isEqualTo(second);
        h.awaitLabelledMasterOtherThan(ns, "web", second, Duration.ofSeconds(20));
        long relabelledAt = System.nanoTime() / 1_000_000;

        assertThat(h.labelledMasters(ns, "web")).containsExactly(h.etcdLeader(ns, "web"));
        // One reconcile of a group at a time: it still waited (the write times out after 10 s).
        assertThat(held).hasSize(1);
        assertThat(relabelledAt - held.get(0))
            .as("relabelled while the reconcile waited on its held status write")
            .isLessThan(8_000);
      } finally {
        h.k8s.clearFault();
      }
    }
  }

  @Test
  void aServiceUpdateRefusedAsInvalidNamesTheFieldTheServerRefused() {
    String path = "/api/v1/namespaces/" + ns + "/services/web";
    h.create(h.group(ns, "web"));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> h.client.services().inNamespace(ns).withName("web").get() != null);
    String causeMessage = "Invalid value: \"standby\": must not be changed by halo-operator";
    h.k8s
        .expect()
        .put()
        .withPath(path)
        .andReturn(
            422,
            status(
                422,
                "Invalid",
                "Service \"web\" is invalid",
                "{\"name\":\"web\",\"kind\":\"Service\",\"causes\":[{\"reason\":"
                    + "\"FieldValueInvalid\",\"message\":"
                    + Serialization.asJson(causeMessage)
                    + ",\"field\":\"spec.selector\"}]}"))
        .always();
    List<Long> puts = recordOperatorRequests("PUT", path);

    // Someone points the master Service at the standbys; the operator's revert is refused.
    h.client
        .services()
        .inNamespace(ns)
        .withName("web")
        .edit(
            s -> {
              s.getSpec().getSelector().put(Labels.ROLE, Labels.ROLE_STANDBY);
              return s;
            });
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> h.conditionIs(ns, "web", "ObjectsApplied", "False"));
    Condition refused = h.condition(ns, "web", "ObjectsApplied").orElseThrow();
    assertThat(refused.getReason()).isEqualTo("ServiceRefused");
    assertThat(refused.getMessage())
        .contains("update Service web")
        .contains("422 Invalid")
        .contains("field spec.selector: " + causeMessage)
        .contains("Fix spec.selector");
    assertThat(h.events(ns, "ServiceRefused"))
        .isNotEmpty()
        .allSatisfy(e -> assertThat(e.getMessage()).contains("field spec.selector"));
    assertThat(puts).isNotEmpty();

    h.k8s.clearExpectations();

    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              Service web = h.client.services().inNamespace(ns).withName("web").get();
              return Labels.ROLE_MASTER.equals(web.getSpec().getSelector().get(Labels.ROLE))
                  && h.conditionIs(ns, "web", "ObjectsApplied", "True");
            });
  }

  @Test
  void aFailingBudgetCreateIsRetriedWithGrowingGapsThenCreated() {
    String path = "/apis/policy/v1/namespaces/" + ns + "/poddisruptionbudgets";
    h.k8s
        .expect()
        .post()
        .withPath(path)
        .andReturn(
            500,
            status(
                500,
                "InternalError",
                "Internal error occurred: etcdserver: request timed out",
                "{\"causes\":[{\"message\":\"etcdserver: request timed out\"}]}"))
        .always();
    List<Long> posts = recordOperatorRequests("POST", path);

    h.create(h.group(ns, "web"));
    await().atMost(Duration.ofSeconds(40)).until(() -> posts.size() >= 5);

    Condition refused = h.condition(ns, "web", "ObjectsApplied").orElseThrow();
    assertThat(refused.getStatus()).isEqualTo("False");
    assertThat(refused.getReason()).isEqualTo("DisruptionBudgetRefused");
    assertThat(refused.getMessage())
        .contains("create PodDisruptionBudget web")
        .contains("500 InternalError")
        .contains("etcdserver: request timed out");
    List<Long> sent = List.copyOf(posts).subList(0, 5);
    List<Long> gaps = new ArrayList<>();
    for (int i = 1; i < sent.size(); i++) {
      gaps.add(sent.get(i) - sent.get(i - 1));
    }
    // Backoff 1 s doubling with equal jitter: no burst, each gap at least about the one before.
    assertThat(gaps.get(0)).as("gaps %s", gaps).isGreaterThanOrEqualTo(400);
    for (int i = 1; i < gaps.size(); i++) {
      assertThat(gaps.get(i)).as("gaps %s", gaps).isGreaterThanOrEqualTo(gaps.get(i - 1) - 500);
    }
    assertThat(gaps.get(3)).as("gaps %s", gaps).isGreaterThanOrEqualTo(2 * gaps.get(0));
    // Not a busy loop: a handful of attempts in the first 10 s.
    assertThat(posts.stream().filter(t -> t - sent.get(0) < 10_000).count())
        .as("creates in the first 10 s")
        .isLessThanOrEqualTo(6);

    h.k8s.clearExpectations();

    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                h.client.policy().v1().podDisruptionBudget().inNamespace(ns).withName("web").get()
                        != null
                    && h.conditionIs(ns, "web", "ObjectsApplied", "True"));
    assertThat(h.events(ns, "DisruptionBudgetApplied")).isNotEmpty();
  }
}
