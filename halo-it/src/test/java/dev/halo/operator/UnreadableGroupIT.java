package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.sandbox.LocalKubelet;
import dev.halo.testing.EtcdExtension;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Stored groups whose spec does not fit the model (written as raw JSON, as an older CRD version or
 * a restored backup would leave them): each is reported and skipped, and every other group is still
 * served, also across an operator restart.
 */
class UnreadableGroupIT extends NamespaceWithKubelet {
  private static final String ZONES_PROBLEM =
      "spec.zones cannot be read (expected a list of strings, got the string \"a,b,c\")";

  @Order(1)
  @RegisterExtension
  static final EtcdExtension etcd = EtcdExtension.members(1);

  @Order(2)
  @RegisterExtension
  static final OperatorExtension operator = new OperatorExtension(etcd);

  UnreadableGroupIT() {
    super(operator, LocalKubelet.AgentMode.IN_PROCESS);
  }

  private String startGroup(String name) {
    return h.startGroup(h.group(ns, name));
  }

  private Resource<GenericKubernetesResource> raw(String name) {
    return h.client
        .genericKubernetesResources(
            HighAvailabilityGroup.GROUP + "/" + HighAvailabilityGroup.VERSION,
            "HighAvailabilityGroup")
        .inNamespace(ns)
        .withName(name);
  }

  /** Sets spec.zones of a stored group to {@code zones}, as raw JSON, whatever its type. */
  @SuppressWarnings("unchecked")
  private void setZones(String name, Object zones) {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              raw(name)
                  .edit(
                      g -> {
                        ((Map<String, Object>) g.getAdditionalProperties().get("spec"))
                            .put("zones", zones);
                        return g;
                      });
              return true;
            });
  }

  @SuppressWarnings("unchecked")
  private void createWithZones(String name, Object zones) {
    GenericKubernetesResource g =
        Serialization.unmarshal(
            Serialization.asJson(h.group(ns, name)), GenericKubernetesResource.class);
    ((Map<String, Object>) g.getAdditionalProperties().get("spec")).put("zones", zones);
    h.client.resource(g).create();
  }

  private void awaitUnreadableReported(String name) {
    await().atMost(Duration.ofSeconds(15)).until(() -> h.conditionIs(ns, name, "Valid", "False"));
    assertThat(h.condition(ns, name, "Valid").orElseThrow().getMessage())
        .contains("HighAvailabilityGroup " + ns + "/" + name + ": " + ZONES_PROBLEM)
        .contains("kubectl edit hag/" + name + " -n " + ns);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                h.events(ns, "UnreadableSpec").stream()
                    .anyMatch(
                        e ->
                            name.equals(e.getInvolvedObject().getName())
                                && "Warning".equals(e.getType())
                                && e.getMessage().contains(ZONES_PROBLEM)));
  }

  @Test
  void anUnreadableGroupIsReportedAndSkippedWhileTheOthersAreServed() {
    String goodMaster = startGroup("good");
    String brokenMaster = startGroup("broken");

    setZones("broken", "a,b,c");
    createWithZones("fresh", "a,b,c");

    awaitUnreadableReported("broken");
    awaitUnreadableReported("fresh");
    assertThat(h.get(ns, "broken").getStatus().getPhase()).isEqualTo("Invalid");
    assertThat(h.pods(ns, "broken")).hasSize(3);
    assertThat(h.labelledMasters(ns, "broken")).containsExactly(brokenMaster);
    assertThat(h.pods(ns, "fresh")).isEmpty();
    assertThat(h.operator.metrics().scrape()).contains("halo_operator_groups_unreadable 2.0");
    assertThat(raw("broken").get().get("spec").toString()).contains("zones=a,b,c");

    // The operator still serves every other group: the old one and one created after.
    String lateMaster = startGroup("late");
    assertThat(lateMaster).startsWith("late-");
    assertThat(h.labelledMasters(ns, "good")).containsExactly(goodMaster);

    // A restarted operator reads the stored unreadable groups and carries on.
    h.stopOperator();
    h.startOperator();
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> h.operator.metrics().scrape().contains("halo_operator_groups_unreadable 2.0"));
    assertThat(h.pods(ns, "broken")).hasSize(3);

    setZones("broken", List.of("a", "b", "c"));
    setZones("fresh", List.of("a", "b", "c"));
    for (String name : List.of("broken", "fresh")) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  h.conditionIs(ns, name, "Valid", "True")
                      && "Running".equals(h.get(ns, name).getStatus().getPhase()));
      assertThat(h.pods(ns, name)).hasSize(3);
    }
    assertThat(h.labelledMasters(ns, "broken")).containsExactly(brokenMaster);
    assertThat(h.operator.metrics().scrape()).contains("halo_operator_groups_unreadable 0.0");
  }

  @Test
  void anUnreadableStatusIsRewritten() {
    startGroup("stat");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> "Running".equals(h.get(ns, "stat").getStatus().getPhase()));

    raw("stat")
        .editStatus(
            g -> {
              g.setAdditionalProperty("status", Map.of("members", "stat-0,stat-1", "phase", 7));
              return g;
            });

    await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () -> {
              Object status = raw("stat").get().get("status");
              return status instanceof Map<?, ?> m
                  && m.get("members") instanceof List<?> members
                  && members.size() == 3
                  && "Running".equals(m.get("phase"));
            });
  }
}
