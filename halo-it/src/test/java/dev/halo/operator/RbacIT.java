package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.AgentDefaults;
import dev.halo.install.ApiCall;
import dev.halo.install.ChartRbac;
import dev.halo.install.ChartRbac.Grant;
import dev.halo.install.HelmChart;
import dev.halo.sandbox.EmbeddedApiServer;
import dev.halo.sandbox.LocalKubelet;
import dev.halo.testing.EtcdExtension;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceRule;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceRuleBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * RBAC that is exactly enough: every API call the operator makes in the scenarios here (leader
 * election between two replicas, a group's whole life) is granted by the chart's rules, each
 * reviewed permission below is used by one of them, and the chart grants nothing beyond that list.
 * Self-contained: it checks only calls it recorded itself, whatever ran before it. (Every other
 * operator IT checks its own calls against the chart too, in {@link OperatorExtension}.)
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RbacIT {
  @Order(1)
  @RegisterExtension
  static final EtcdExtension etcd = EtcdExtension.members(1);

  @Order(2)
  @RegisterExtension
  static final OperatorExtension operator = new OperatorExtension(etcd);

  private static final String CLUSTER = ChartRbac.CLUSTER;
  private static final String RELEASE_NS = HelmChart.NAMESPACE;

  /**
   * Never sent (fabric8 renews the Lease with a patch), but the SDK refuses to start leader
   * election unless its SelfSubjectRulesReview shows get, create and update on leases.
   */
  private static final Grant LEASE_UPDATE =
      new Grant(RELEASE_NS, "coordination.k8s.io", "leases", "update");

  /**
   * Sent only while a master runs on another site, which takes a second API server: MultiSiteIT
   * checks those calls against the chart.
   */
  private static final Grant SLICE_CREATE =
      new Grant(CLUSTER, "discovery.k8s.io", "endpointslices", "create");

  private static final Grant SLICE_UPDATE =
      new Grant(CLUSTER, "discovery.k8s.io", "endpointslices", "update");
  private static final Grant SLICE_DELETE =
      new Grant(CLUSTER, "discovery.k8s.io", "endpointslices", "delete");

  /**
   * Sent only when a finalizer patch of the SDK's conflicts (it reads the group again and retries):
   * the operator's own patches name the group without reading it first.
   */
  private static final Grant GROUP_GET =
      new Grant(CLUSTER, "halo.dev", "highavailabilitygroups", "get");

  /**
   * Sent only when a master's key left etcd before the pod watch showed its pod going: the operator
   * reads the pod to tell a deletion from a resignation (the failover's reason).
   */
  private static final Grant POD_GET = new Grant(CLUSTER, "", "pods", "get");

  /** What the chart may grant, reviewed: each entry is needed by a call the operator makes. */
  private static final Set<Grant> REVIEWED =
      Set.of(
          // The groups: the informer lists and watches them; the SDK reads and patches its
          // finalizer.
          GROUP_GET,
          new Grant(CLUSTER, "halo.dev", "highavailabilitygroups", "list"),
          new Grant(CLUSTER, "halo.dev", "highavailabilitygroups", "watch"),
          new Grant(CLUSTER, "halo.dev", "highavailabilitygroups", "patch"),
          // Status is written through the status subresource only.
          new Grant(CLUSTER, "halo.dev", "highavailabilitygroups/status", "patch"),
          // Pods: informer; created per replica, role labels patched, deleted on failure,
          // scale-down and rollouts, all of a group's pods deleted with the group.
          POD_GET,
          new Grant(CLUSTER, "", "pods", "list"),
          new Grant(CLUSTER, "", "pods", "watch"),
          new Grant(CLUSTER, "", "pods", "create"),
          new Grant(CLUSTER, "", "pods", "patch"),
          new Grant(CLUSTER, "", "pods", "delete"),
          new Grant(CLUSTER, "", "pods", "deletecollection"),
          // Services: informer; the master and standby Services, a changed selector put back,
          // the standby Service deleted when turned off, all deleted with the group.
          new Grant(CLUSTER, "", "services", "list"),
          new Grant(CLUSTER, "", "services", "watch"),
          new Grant(CLUSTER, "", "services", "create"),
          new Grant(CLUSTER, "", "services", "update"),
          new Grant(CLUSTER, "", "services", "delete"),
          new Grant(CLUSTER, "", "services", "deletecollection"),
          // The group's PodDisruptionBudget: informer, created, deleted with the group.
          new Grant(CLUSTER, "policy", "poddisruptionbudgets", "list"),
          new Grant(CLUSTER, "policy", "poddisruptionbudgets", "watch"),
          new Grant(CLUSTER, "policy", "poddisruptionbudgets", "create"),
          new Grant(CLUSTER, "policy", "poddisruptionbudgets", "deletecollection"),
          // The EndpointSlice of a site's master Service while the master is on another site:
          // informer, the Service's other slices listed, created, updated (the remote master
          // moved), deleted (it came back), all deleted with the group.
          new Grant(CLUSTER, "discovery.k8s.io", "endpointslices", "list"),
          new Grant(CLUSTER, "discovery.k8s.io", "endpointslices", "watch"),
          SLICE_CREATE,
          SLICE_UPDATE,
          SLICE_DELETE,
          new Grant(CLUSTER, "discovery.k8s.io", "endpointslices", "deletecollection"),
          // Events on the groups (MasterElected, Failover, InvalidSpec, ...).
          new Grant(CLUSTER, "", "events", "create"),
          // Leader election between the replicas: the Lease halo-operator, in the release
          // namespace only (read, created once, renewed by patch; update: see below).
          new Grant(RELEASE_NS, "coordination.k8s.io", "leases", "get"),
          new Grant(RELEASE_NS, "coordination.k8s.io", "leases", "create"),
          new Grant(RELEASE_NS, "coordination.k8s.io", "leases", "patch"),
          LEASE_UPDATE);

  private static Set<Grant> chartGrants() {
    return ApiCallRecorder.chartGrants();
  }

  /**
   * Answers the SDK's SelfSubjectRulesReview as a real API server would for the operator's
   * ServiceAccount: with the grants that apply in the release namespace.
   */
  private static void answerRulesReviews(EmbeddedApiServer k8s, Set<Grant> grants) {
    List<ResourceRule> rules =
        grants.stream()
            .filter(g -> g.scope().equals(CLUSTER) || g.scope().equals(RELEASE_NS))
            .map(
                g ->
                    new ResourceRuleBuilder()
                        .withApiGroups(g.group())
                        .withResources(g.resource())
                        .withVerbs(g.verb())
                        .build())
            .toList();
    SelfSubjectRulesReview review =
        new SelfSubjectRulesReviewBuilder()
            .withNewStatus()
            .withIncomplete(false)
            .withResourceRules(rules)
            .endStatus()
            .build();
    k8s.expect()
        .post()
        .withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
        .andReturn(201, review)
        .always();
  }

  private static void createReleaseNamespace(EmbeddedApiServer k8s) {
    k8s.client()
        .namespaces()
        .resource(
            new NamespaceBuilder().withNewMetadata().withName(RELEASE_NS).endMetadata().build())
        .create();
  }

  private static final Set<ApiCall> leaderElectionCalls = new HashSet<>();

  @Test
  @Order(1)
  void twoReplicasElectALeaderAndTheStandbyStaysHealthy() throws Exception {
    try (EmbeddedApiServer k8s = EmbeddedApiServer.start()) {
      ApiCallRecorder recorder = ApiCallRecorder.on(k8s);
      answerRulesReviews(k8s, chartGrants());
      createReleaseNamespace(k8s);
      OperatorConfig config =
          new OperatorConfig(
              Set.of(),
              "halo:test",
              List.of(),
              true,
              RELEASE_NS,
              "127.0.0.1",
              0,
              AgentDefaults.JVM_OPTIONS);
      try (KubernetesClient a = ApiCallRecorder.operatorClient(k8s);
          KubernetesClient b = ApiCallRecorder.operatorClient(k8s);
          HaloOperator first = HaloOperator.start(a, config);
          HaloOperator second = HaloOperator.start(b, config)) {
        await().atMost(Duration.ofSeconds(30)).until(() -> first.isLeader() || second.isLeader());
        HaloOperator standby = first.isLeader() ? second : first;
        // A lease renewal, so that its calls are recorded too.
        Lease lease =
            k8s.client().leases().inNamespace(RELEASE_NS).withName(HaloOperator.LEASE_NAME).get();
        String renewed = lease.getSpec().getRenewTime().toString();
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    !k8s.client()
                        .leases()
                        .inNamespace(RELEASE_NS)
                        .withName(HaloOperator.LEASE_NAME)
                        .get()
                        .getSpec()
                        .getRenewTime()
                        .toString()
                        .equals(renewed));
        assertThat(healthz(standby.port())).as("/healthz of the replica that waits").isEqualTo(200);
        assertThat(healthz(first.isLeader() ? first.port() : second.port())).isEqualTo(200);
      }
      leaderElectionCalls.addAll(recorder.calls());
    }
  }

  @Test
  @Order(2)
  void leaderElectionDoesNotStartWithoutUpdateOnLeases() throws Exception {
    Set<Grant> withoutUpdate = new HashSet<>(chartGrants());
    withoutUpdate.remove(LEASE_UPDATE);
    try (EmbeddedApiServer k8s = EmbeddedApiServer.start();
        KubernetesClient client = ApiCallRecorder.operatorClient(k8s)) {
      answerRulesReviews(k8s, withoutUpdate);
      createReleaseNamespace(k8s);
      OperatorConfig config =
          new OperatorConfig(
              Set.of(),
              "halo:test",
              List.of(),
              true,
              RELEASE_NS,
              "127.0.0.1",
              0,
              AgentDefaults.JVM_OPTIONS);
      assertThatThrownBy(() -> HaloOperator.start(client, config).close())
          .hasStackTraceContaining("No permission to lease resource");
    }
  }

  @Test
  @Order(3)
  void groupLifecycle() {
    OperatorHarness h = operator.harness();
    String ns = h.newNamespace();
    try (LocalKubelet kubelet = h.kubelet(ns, LocalKubelet.AgentMode.IN_PROCESS)) {
      HighAvailabilityGroup hag = h.group(ns, "web");
      hag.getSpec().getService().setStandby(true);
      h.create(hag);
      String master = h.awaitAgreedMaster(ns, "web", Duration.ofSeconds(30));
      h.client.pods().inNamespace(ns).withName(master).delete();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  !h.labelledMasters(ns, "web").isEmpty()
                      && !h.labelledMasters(ns, "web").contains(master));
      h.update(ns, "web", g -> g.getSpec().setReplicas(2));
      await().atMost(Duration.ofSeconds(30)).until(() -> h.pods(ns, "web").size() == 2);
      h.client
          .services()
          .inNamespace(ns)
          .withName("web")
          .edit(
              s -> {
                s.getSpec().getSelector().put("halo.dev/role", "standby");
                return s;
              });
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  "master"
                      .equals(
                          h.client
                              .services()
                              .inNamespace(ns)
                              .withName("web")
                              .get()
                              .getSpec()
                              .getSelector()
                              .get("halo.dev/role")));

      h.update(ns, "web", g -> g.getSpec().getService().setStandby(false));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> h.client.services().inNamespace(ns).withName("web-standby").get() == null);

      HighAvailabilityGroup invalid = h.group(ns, "bad");
      invalid.getSpec().setZones(List.of("a", "a"));
      h.create(invalid);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> h.conditionIs(ns, "bad", "Valid", "False"));

      h.client.resources(HighAvailabilityGroup.class).inNamespace(ns).withName("web").delete();
      await().atMost(Duration.ofSeconds(30)).until(() -> h.pods(ns, "web").isEmpty());
    }
  }

  @Test
  @Order(4)
  void chartGrantsEveryCallTheOperatorMakesAndNothingMore() {
    Set<ApiCall> calls = new HashSet<>(leaderElectionCalls);
    calls.addAll(operator.harness().apiCalls.calls());
    Set<Grant> granted = chartGrants();

    System.out.println(
        "recorded: "
            + new TreeSet<>(calls.stream().map(c -> c.namespace() + " " + c.triple()).toList()));
    assertThat(ApiCallRecorder.notGrantedByChart(calls))
        .as("calls the chart's RBAC does not allow (helm/halo/templates/_helpers.tpl)")
        .isEmpty();
    assertThat(new TreeSet<>(granted))
        .as("the chart grants exactly the reviewed permissions")
        .isEqualTo(new TreeSet<>(REVIEWED));
    Set<Grant> unused =
        REVIEWED.stream()
            .filter(
                g ->
                    !Set.of(
                            LEASE_UPDATE,
                            SLICE_CREATE,
                            SLICE_UPDATE,
                            SLICE_DELETE,
                            GROUP_GET,
                            POD_GET)
                        .contains(g))
            .filter(g -> calls.stream().noneMatch(g::covers))
            .collect(Collectors.toCollection(TreeSet::new));
    assertThat(unused).as("reviewed permissions that no recorded call used").isEmpty();
  }

  private static int healthz(int port) throws Exception {
    HttpResponse<Void> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build(),
                HttpResponse.BodyHandlers.discarding());
    return response.statusCode();
  }
}
