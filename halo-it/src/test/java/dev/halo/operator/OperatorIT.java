package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.AgentDefaults;
import dev.halo.common.Annotations;
import dev.halo.common.Labels;
import dev.halo.common.Names;
import dev.halo.sandbox.LocalKubelet;
import dev.halo.testing.EtcdExtension;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The operator end to end with in-process agents: pods, Services, labels, status, bad input. */
class OperatorIT extends NamespaceWithKubelet {
  @Order(1)
  @RegisterExtension
  static final EtcdExtension etcd = EtcdExtension.members(1);

  @Order(2)
  @RegisterExtension
  static final OperatorExtension operator = new OperatorExtension(etcd);

  OperatorIT() {
    super(operator, LocalKubelet.AgentMode.IN_PROCESS);
  }

  private String startGroup(String name) {
    return startGroup(h.group(ns, name));
  }

  private String startGroup(HighAvailabilityGroup hag) {
    return h.startGroup(hag);
  }

  @Test
  void everyWriteNamesTheOperatorAsFieldManager() {
    startGroup("owned");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> "Running".equals(h.get(ns, "owned").getStatus().getPhase()));

    // Pods, Services, the budget, role labels, status, events and the SDK's own writes.
    assertThat(h.apiCalls.writes())
        .anyMatch(w -> w.startsWith("POST ") && w.contains("/pods"))
        .anyMatch(w -> w.startsWith("PATCH ") && w.contains("/status"))
        .allMatch(w -> w.matches(".*[?&]fieldManager=halo-operator(&.*)?"));
  }

  @Test
  void createsPodsAcrossZonesWithTheAgentAServiceAndABudget() {
    String master = startGroup("web");

    List<Pod> pods = h.pods(ns, "web");
    assertThat(pods)
        .extracting(p -> p.getMetadata().getName())
        .containsExactlyInAnyOrder("web-0", "web-1", "web-2");
    for (Pod pod : pods) {
      int i = Names.podIndex("web", pod.getMetadata().getName());
      String zone = List.of("a", "b", "c").get(i);
      assertThat(pod.getMetadata().getLabels())
          .containsEntry(Labels.GROUP, "web")
          .containsEntry(Labels.ZONE, zone)
          .containsEntry(Labels.APP_MANAGED_BY, "halo")
          .containsEntry(
              Labels.ROLE, pod.getMetadata().getName().equals(master) ? "master" : "standby");
      assertThat(pod.getMetadata().getOwnerReferences())
          .singleElement()
          .satisfies(o -> assertThat(o.getKind()).isEqualTo("HighAvailabilityGroup"));
      assertThat(
              pod.getSpec()
                  .getAffinity()
                  .getNodeAffinity()
                  .getRequiredDuringSchedulingIgnoredDuringExecution()
                  .getNodeSelectorTerms()
                  .get(0)
                  .getMatchExpressions())
          .anySatisfy(
              e -> {
                assertThat(e.getKey()).isEqualTo(Labels.TOPOLOGY_ZONE);
                assertThat(e.getValues()).containsExactly(zone);
              });
      assertThat(pod.getSpec().getContainers())
          .last()
          .satisfies(c -> assertThat(c.getName()).isEqualTo(Names.AGENT_CONTAINER));
    }
    Service service = h.client.services().inNamespace(ns).withName("web").get();
    assertThat(service.getSpec().getSelector())
        .isEqualTo(Map.of(Labels.GROUP, "web", Labels.ROLE, "master"));
    PodDisruptionBudget pdb =
        h.client.policy().v1().podDisruptionBudget().inNamespace(ns).withName("web").get();
    assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> "Running".equals(h.get(ns, "web").getStatus().getPhase()));
    HighAvailabilityGroup hag = h.get(ns, "web");
    assertThat(hag.getStatus().getMaster()).isEqualTo(master);
    assertThat(hag.getStatus().getReady()).isEqualTo("3/3");
    assertThat(hag.getStatus().getMembers())
        .hasSize(3)
        .allMatch(m -> m.getCampaigning() && m.getReady());
    assertThat(h.conditionIs(ns, "web", "MasterElected", "True")).isTrue();
    assertThat(h.conditionIs(ns, "web", "EtcdReachable", "True")).isTrue();
    assertThat(h.conditionIs(ns, "web", "Valid", "True")).isTrue();
    assertThat(h.events(ns, "MasterElected"))
        .anySatisfy(e -> assertThat(e.getMessage()).contains(master));
  }

  @Test
  void aGroupWithoutElectionUsesTheOperatorsDefaultEtcd() {
    HighAvailabilityGroup hag = h.group(ns, "dflt");
    hag.getSpec().setElection(null);
    h.create(hag);

    await().atMost(Duration.ofSeconds(30)).until(() -> h.pods(ns, "dflt").size() == 3);
    String master = h.awaitAgreedMaster(ns, "dflt", Duration.ofSeconds(30));

    assertThat(master).startsWith("dflt-");
    await().atMost(Duration.ofSeconds(10)).until(() -> h.conditionIs(ns, "dflt", "Valid", "True"));
    assertThat(h.pods(ns, "dflt").get(0).getSpec().getContainers())
        .last()
        .satisfies(
            agent ->
                assertThat(agent.getEnv())
                    .anySatisfy(
                        e -> {
                          assertThat(e.getName()).isEqualTo("HALO_ETCD_ENDPOINTS");
                          assertThat(e.getValue()).isEqualTo(etcd.cluster().endpoints());
                        }));
  }

  /**
   * How fast the hand-over is, is measured by the bench (FailoverBench); this says what happens:
   * the old master steps down instead of leaving its lease to expire.
   */
  @Test
  void masterPodDeletionHandsOverWithoutWaitingForItsLeaseAndThePodComesBack() {
    // A lease that outlives every wait below: a new master can only come from a hand-over.
    HighAvailabilityGroup hag = h.group(ns, "del");
    hag.getSpec().getElection().setLeaseTTLSeconds(AgentDefaults.MAX_LEASE_TTL_SECONDS);
    String old = startGroup(hag);
    try (LabelSampler sampler = new LabelSampler(h, ns, "del")) {
      h.client.pods().inNamespace(ns).withName(old).delete();
      h.awaitLabelledMasterOtherThan(ns, "del", old, Duration.ofSeconds(30));
      String next = h.awaitAgreedMaster(ns, "del", Duration.ofSeconds(5));
      assertThat(next).isNotEqualTo(old);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  h.pods(ns, "del").size() == 3
                      && h.get(ns, "del").getStatus().getMembers().stream()
                          .allMatch(m -> m.getCampaigning()));
      assertThat(sampler.violations()).isEmpty();
    }
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> h.get(ns, "del").getStatus().getFailovers() == 1);
    assertThat(h.get(ns, "del").getStatus().getLastFailover().getFrom()).isEqualTo(old);
    assertThat(h.get(ns, "del").getStatus().getLastFailover().getReason()).isEqualTo("podDeleted");
    assertThat(h.events(ns, "Failover")).isNotEmpty();
  }

  @Test
  void switchoverAnnotationHandsOverOnceKeepsEveryPodAndIsRemoved() {
    String old = startGroup("sw");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                h.get(ns, "sw").getStatus().getMembers().stream()
                    .allMatch(
                        m ->
                            Boolean.TRUE.equals(m.getCampaigning())
                                && Boolean.TRUE.equals(m.getReady())));
    List<String> uids = h.pods(ns, "sw").stream().map(p -> p.getMetadata().getUid()).toList();
    try (LabelSampler sampler = new LabelSampler(h, ns, "sw")) {
      requestSwitchover("sw", old);
      h.awaitLabelledMasterOtherThan(ns, "sw", old, Duration.ofSeconds(10));
      String next = h.awaitAgreedMaster(ns, "sw", Duration.ofSeconds(5));
      assertThat(next).isNotEqualTo(old);
      // Done: the request goes, the old master stays as a standby, no pod was replaced.
      await().atMost(Duration.ofSeconds(10)).until(() -> switchoverRequest("sw") == null);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  h.get(ns, "sw").getStatus().getMembers().stream()
                      .anyMatch(
                          m ->
                              m.getPod().equals(old)
                                  && Boolean.TRUE.equals(m.getCampaigning())
                                  && "standby".equals(m.getRole())));
      assertThat(h.pods(ns, "sw"))
          .extracting(p -> p.getMetadata().getUid())
          .containsExactlyInAnyOrderElementsOf(uids);
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> h.get(ns, "sw").getStatus().getFailovers() == 1);
      var failover = h.get(ns, "sw").getStatus().getLastFailover();
      assertThat(failover.getFrom()).isEqualTo(old);
      assertThat(failover.getTo()).isEqualTo(next);
      assertThat(failover.getReason()).isEqualTo("switchover");
      assertThat(h.events(ns, "Switchover")).isNotEmpty();

      // A request naming a pod that is no longer master acts no more; it is removed.
      requestSwitchover("sw", old);
      await().atMost(Duration.ofSeconds(10)).until(() -> switchoverRequest("sw") == null);
      // A name that is no pod of the group: a Warning saying what to write, and removed.
      requestSwitchover("sw", "nobody");
      await().atMost(Duration.ofSeconds(10)).until(() -> switchoverRequest("sw") == null);
      assertThat(h.events(ns, "SwitchoverIgnored"))
          .singleElement()
          .satisfies(e -> assertThat(e.getMessage()).contains("nobody").contains(next));
      assertThat(h.labelledMasters(ns, "sw")).containsExactly(next);
      assertThat(h.get(ns, "sw").getStatus().getFailovers()).isEqualTo(1);
      assertThat(sampler.violations()).isEmpty();
    }
  }

  private void requestSwitchover(String group, String from) {
    h.update(
        ns,
        group,
        g -> {
          if (g.getMetadata().getAnnotations() == null) {
            g.getMetadata().setAnnotations(new java.util.HashMap<>());
          }
          g.getMetadata().getAnnotations().put(Annotations.SWITCHOVER, from);
        });
  }

  private String switchoverRequest(String group) {
    Map<String, String> annotations = h.get(ns, group).getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(Annotations.SWITCHOVER);
  }

  @Test
  void unhealthyWorkloadHandsOver() {
    h.create(withHealth(h.group(ns, "sick")));
    await().atMost(Duration.ofSeconds(30)).until(() -> h.pods(ns, "sick").size() == 3);
    String old = h.awaitAgreedMaster(ns, "sick", Duration.ofSeconds(30));
    kubelet.setWorkloadHealthy(old, false);
    h.awaitLabelledMasterOtherThan(ns, "sick", old, Duration.ofSeconds(5));
    String next = h.awaitAgreedMaster(ns, "sick", Duration.ofSeconds(5));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> h.get(ns, "sick").getStatus().getFailovers() == 1);
    var failover = h.get(ns, "sick").getStatus().getLastFailover();
    assertThat(failover.getFrom()).isEqualTo(old);
    assertThat(failover.getTo()).isEqualTo(next);
    // The operator infers the cause from the old pod's readiness, which can trail the agent's
    // resignation by a probe period; both names describe a live pod whose agent stepped down.
    assertThat(failover.getReason()).isIn("unhealthy", "resigned");
  }

  private static HighAvailabilityGroup withHealth(HighAvailabilityGroup hag) {
    var health = new dev.halo.api.v1alpha1.HealthSpec();
    var get = new dev.halo.api.v1alpha1.HttpGetCheck();
    get.setPath("/health");
    get.setPort(8080);
    health.setHttpGet(get);
    health.setPeriodMillis(100);
    health.setFailureThreshold(2);
    hag.getSpec().setHealth(health);
    return hag;
  }

  @Test
  void serviceSelectorDriftIsReverted() {
    startGroup("drift");
    h.client
        .services()
        .inNamespace(ns)
        .withName("drift")
        .edit(
            s -> {
              s.getSpec().setSelector(Map.of(Labels.GROUP, "drift"));
              return s;
            });
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                h.client
                    .services()
                    .inNamespace(ns)
                    .withName("drift")
                    .get()
                    .getSpec()
                    .getSelector()
                    .equals(Map.of(Labels.GROUP, "drift", Labels.ROLE, "master")));
  }

  @Test
  void invalidSpecUpdateKeepsPodsAndFixingItRecovers() {
    String master = startGroup("bad");
    h.update(
        ns,
        "bad",
        g -> {
          g.getSpec().setZones(List.of("a", "a"));
        });

    await().atMost(Duration.ofSeconds(10)).until(() -> h.conditionIs(ns, "bad", "Valid", "False"));
    assertThat(h.condition(ns, "bad", "Valid").orElseThrow().getMessage())
        .contains("HighAvailabilityGroup " + ns + "/bad")
        .contains("spec.zones");
    assertThat(h.get(ns, "bad").getStatus().getPhase()).isEqualTo("Invalid");
    assertThat(h.events(ns, "InvalidSpec"))
        .singleElement()
        .satisfies(e -> assertThat(e.getType()).isEqualTo("Warning"));
    assertThat(h.pods(ns, "bad")).hasSize(3);
    assertThat(h.labelledMasters(ns, "bad")).containsExactly(master);

    h.update(
        ns,
        "bad",
        g -> {
          g.getSpec().setZones(List.of("a", "b", "c"));
        });
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                h.conditionIs(ns, "bad", "Valid", "True")
                    && "Running".equals(h.get(ns, "bad").getStatus().getPhase()));
    assertThat(h.pods(ns, "bad")).hasSize(3);
  }

  @Test
  void invalidGroupsGetAConditionAndAWarningButNoPods() {
    HighAvailabilityGroup noReplicas = h.group(ns, "zero");
    noReplicas.getSpec().setReplicas(0);
    HighAvailabilityGroup shortTtl = h.group(ns, "ttl");
    shortTtl.getSpec().getElection().setLeaseTTLSeconds(1);
    HighAvailabilityGroup badUrl = h.group(ns, "url");
    badUrl.getSpec().getElection().setEndpoints(List.of("etcd:2379"));
    HighAvailabilityGroup noContainers = h.group(ns, "empty");
    noContainers.getSpec().getTemplate().getSpec().setContainers(List.of());
    Map<String, String> fieldOf =
        Map.of(
            "zero",
            "spec.replicas",
            "ttl",
            "spec.election.leaseTTLSeconds",
            "url",
            "spec.election.endpoints",
            "empty",
            "spec.template.spec.containers");
    for (HighAvailabilityGroup g : List.of(noReplicas, shortTtl, badUrl, noContainers)) {
      h.create(g);
    }
    for (var entry : fieldOf.entrySet()) {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> h.conditionIs(ns, entry.getKey(), "Valid", "False"));
      assertThat(h.condition(ns, entry.getKey(), "Valid").orElseThrow().getMessage())
          .as(entry.getKey())
          .contains(entry.getValue());
    }
    assertThat(h.events(ns, "InvalidSpec")).hasSize(4);
    assertThat(h.client.pods().inNamespace(ns).list().getItems()).isEmpty();
  }

  @Test
  void scaleUpAddsPodsAndScaleDownHandsTheMasterOverLast() {
    startGroup("scale");
    h.update(
        ns,
        "scale",
        g -> {
          g.getSpec().setReplicas(4);
        });
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                h.pods(ns, "scale").size() == 4
                    && h.get(ns, "scale").getStatus().getMembers().stream()
                            .filter(m -> m.getCampaigning())
                            .count()
                        == 4);
    assertThat(h.pods(ns, "scale"))
        .extracting(p -> p.getMetadata().getName())
        .contains("web-3".replace("web", "scale"));

    // Make the highest index the master, so scaling to one must hand it over first.
    String master = h.awaitAgreedMaster(ns, "scale", Duration.ofSeconds(5));
    try (LabelSampler sampler = new LabelSampler(h, ns, "scale")) {
      h.update(
          ns,
          "scale",
          g -> {
            g.getSpec().setReplicas(1);
          });
      await().atMost(Duration.ofSeconds(60)).until(() -> h.pods(ns, "scale").size() == 1);
      assertThat(h.pods(ns, "scale"))
          .extracting(p -> p.getMetadata().getName())
          .containsExactly("scale-0");
      assertThat(h.awaitAgreedMaster(ns, "scale", Duration.ofSeconds(10))).isEqualTo("scale-0");
      assertThat(sampler.violations()).isEmpty();
    }
    if (!master.equals("scale-0")) {
      await()
          .atMost(Duration.ofSeconds(5))
          .until(
              () ->
                  "switchover"
                      .equals(h.get(ns, "scale").getStatus().getLastFailover().getReason()));
    }
  }

  @Test
  void groupDeletionRemovesItsPodsServicesAndElection() {
    startGroup("gone");
    h.client.resources(HighAvailabilityGroup.class).inNamespace(ns).withName("gone").delete();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                h.pods(ns, "gone").isEmpty()
                    && h.client.services().inNamespace(ns).withName("gone").get() == null
                    && h.get(ns, "gone") == null);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                etcd.cluster()
                    .etcdctl("get", "/halo/" + ns + "/gone/election", "--prefix", "--keys-only")
                    .isBlank());
  }

  @Test
  void servesHealthAndMetrics() {
    startGroup("obs");
    String base = "http://127.0.0.1:" + h.operator.port();
    assertThat(dev.halo.sandbox.Http.get(base + "/healthz", Duration.ofSeconds(2)))
        .contains("ok\n");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                dev.halo.sandbox.Http.get(base + "/metrics", Duration.ofSeconds(2))
                    .orElse("")
                    .contains("halo_operator_groups{phase=\"Running\"}"));
    String metrics =
        dev.halo.sandbox.Http.get(base + "/metrics", Duration.ofSeconds(2)).orElseThrow();
    assertThat(metrics)
        .contains("halo_operator_reconcile_seconds_count")
        .contains("halo_operator_reconcile_errors_total");
  }

  @Test
  void standbyServiceSelectsTheStandbysAndGoesAwayWhenTurnedOff() {
    HighAvailabilityGroup hag = h.group(ns, "reads");
    hag.getSpec().getService().setStandby(true);
    h.create(hag);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> h.client.services().inNamespace(ns).withName("reads-standby").get() != null);
    assertThat(
            h.client
                .services()
                .inNamespace(ns)
                .withName("reads-standby")
                .get()
                .getSpec()
                .getSelector())
        .isEqualTo(Map.of(Labels.GROUP, "reads", Labels.ROLE, "standby"));

    h.update(
        ns,
        "reads",
        g -> {
          g.getSpec().getService().setStandby(false);
        });
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> h.client.services().inNamespace(ns).withName("reads-standby").get() == null);
    assertThat(h.client.services().inNamespace(ns).withName("reads").get()).isNotNull();
  }
}
