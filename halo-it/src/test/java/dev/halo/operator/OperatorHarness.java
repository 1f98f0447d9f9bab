package dev.halo.operator;

import static org.awaitility.Awaitility.await;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.AgentDefaults;
import dev.halo.common.ElectionKeys;
import dev.halo.common.Labels;
import dev.halo.operator.model.TestGroups;
import dev.halo.sandbox.EmbeddedApiServer;
import dev.halo.sandbox.EtcdCluster;
import dev.halo.sandbox.LocalKubelet;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real operator on the mock API server with real etcd, which is also the operator's default
 * etcd ({@code HALO_ETCD_ENDPOINTS}); each test gets its own namespace and a test kubelet that runs
 * the real agent for every pod the operator creates.
 */
final class OperatorHarness implements AutoCloseable {
  private static final AtomicInteger namespaces = new AtomicInteger();

  final EmbeddedApiServer k8s;
  final KubernetesClient client;
  final EtcdCluster etcd;
  final ApiCallRecorder apiCalls;
  HaloOperator operator;
  private KubernetesClient operatorClient;

  OperatorHarness(EtcdCluster etcd) {
    this(etcd, OptionalInt.empty());
  }

  /**
   * The same on an API server that reports, and refuses what, Kubernetes 1.{@code minor} would
   * (when given; else the embedded server's default release).
   */
  OperatorHarness(EtcdCluster etcd, OptionalInt kubernetesMinor) {
    this.etcd = etcd;
    this.k8s = EmbeddedApiServer.start();
    kubernetesMinor.ifPresent(k8s::kubernetesVersion);
    this.client = k8s.client();
    this.apiCalls = ApiCallRecorder.on(k8s);
    startOperator();
  }

  void startOperator() {
    try {
      operatorClient = ApiCallRecorder.operatorClient(k8s);
      operator =
          HaloOperator.start(
              operatorClient,
              new OperatorConfig(
                  Set.of(),
                  "halo:test",
                  etcd.clientUrls(),
                  false,
                  "",
                  "127.0.0.1",
                  0,
                  AgentDefaults.JVM_OPTIONS));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  void stopOperator() {
    operator.close();
    operatorClient.close();
  }

  String newNamespace() {
    String ns = "t" + namespaces.incrementAndGet();
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .create();
    return ns;
  }

  LocalKubelet kubelet(String ns, LocalKubelet.AgentMode mode) {
    return LocalKubelet.start(client, ns, etcd, mode);
  }

  /** A valid three-zone group of 3 on this etcd with a 2 s TTL. */
  HighAvailabilityGroup group(String ns, String name) {
    HighAvailabilityGroup hag = TestGroups.valid(ns, name);
    hag.getMetadata().setUid(null);
    hag.getSpec().getElection().setEndpoints(etcd.clientUrls());
    hag.getSpec().getElection().setLeaseTTLSeconds(2);
    return hag;
  }

  HighAvailabilityGroup create(HighAvailabilityGroup hag) {
    return client.resource(hag).create();
  }

  /** Changes a group's spec, retrying when the operator's status write got there first (409). */
  void update(String ns, String name, java.util.function.Consumer<HighAvailabilityGroup> change) {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              client
                  .resources(HighAvailabilityGroup.class)
                  .inNamespace(ns)
                  .withName(name)
                  .edit(
                      g -> {
                        change.accept(g);
                        return g;
                      });
              return true;
            });
  }

  HighAvailabilityGroup get(String ns, String name) {
    return client.resources(HighAvailabilityGroup.class).inNamespace(ns).withName(name).get();
  }

  List<Pod> pods(String ns, String group) {
    return client.pods().inNamespace(ns).withLabel(Labels.GROUP, group).list().getItems();
  }

  /** Pods labelled master, from one list call (one consistent snapshot). */
  List<String> labelledMasters(String ns, String group) {
    return pods(ns, group).stream()
        .filter(p -> Labels.ROLE_MASTER.equals(p.getMetadata().getLabels().get(Labels.ROLE)))
        .map(p -> p.getMetadata().getName())
        .sorted()
        .toList();
  }

  /** The seed equivalence (docs/design.md): the pod etcd names as leader. */
  String etcdLeader(String ns, String group) {
    String[] lines =
        etcd.etcdctl(
                "get",
                "/halo/" + ns + "/" + group + "/election",
                "--prefix",
                "--sort-by=CREATE",
                "--order=ASCEND",
                "--limit=1")
            .strip()
            .split("\n");
    return lines.length < 2 ? "" : lines[1];
  }

  /**
   * Asks etcd's leader of the group to step down as the operator's hand-over does (a step-down
   * request attached to its lease), without the operator; returns the leader's pod.
   */
  String stepDownLeader(String ns, String group) {
    String election = ElectionKeys.electionName(ns, group);
    String key =
        etcd.etcdctl(
                "get",
                election,
                "--prefix",
                "--sort-by=CREATE",
                "--order=ASCEND",
                "--limit=1",
                "--keys-only")
            .strip();
    long lease = ElectionKeys.leaseOf(key);
    if (lease == 0) {
      throw new IllegalStateException("no leader in " + election + ": " + key);
    }
    String leader = etcdLeader(ns, group);
    etcd.etcdctl(
        "put",
        ElectionKeys.stepDownKey(election, lease),
        "test",
        "--lease=" + ElectionKeys.leaseHex(lease));
    return leader;
  }

  /**
   * Creates {@code hag} and waits until its three pods exist and one master is labelled that etcd
   * names leader; returns that master.
   */
  String startGroup(HighAvailabilityGroup hag) {
    String ns = hag.getMetadata().getNamespace();
    String name = hag.getMetadata().getName();
    create(hag);
    await().atMost(Duration.ofSeconds(30)).until(() -> pods(ns, name).size() == 3);
    return awaitAgreedMaster(ns, name, Duration.ofSeconds(30));
  }

  /** Waits until every member of the group is Ready and its agent campaigns. */
  void awaitAllCampaigning(String ns, String name) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                get(ns, name).getStatus().getMembers().stream()
                    .allMatch(m -> m.getCampaigning() && m.getReady()));
  }

  /** Waits until exactly one pod is labelled master and it is etcd's leader; returns it. */
  /** Waits until exactly one pod other than {@code old} is labelled master (polled every 10 ms). */
  void awaitLabelledMasterOtherThan(String ns, String group, String old, Duration within) {
    await()
        .atMost(within)
        .pollInterval(Duration.ofMillis(10))
        .until(
            () -> {
              List<String> m = labelledMasters(ns, group);
              return m.size() == 1 && !m.get(0).equals(old);
            });
  }

  String awaitAgreedMaster(String ns, String group, Duration within) {
    await()
        .atMost(within)
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              List<String> masters = labelledMasters(ns, group);
              return masters.size() == 1 && masters.get(0).equals(etcdLeader(ns, group));
            });
    return labelledMasters(ns, group).get(0);
  }

  Optional<Condition> condition(String ns, String name, String type) {
    HighAvailabilityGroup hag = get(ns, name);
    if (hag == null || hag.getStatus() == null || hag.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return hag.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst();
  }

  boolean conditionIs(String ns, String name, String type, String status) {
    return condition(ns, name, type).map(c -> status.equals(c.getStatus())).orElse(false);
  }

  List<Event> events(String ns, String reason) {
    return client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> reason.equals(e.getReason()))
        .toList();
  }

  @Override
  public void close() {
    stopOperator();
    k8s.close();
  }
}
