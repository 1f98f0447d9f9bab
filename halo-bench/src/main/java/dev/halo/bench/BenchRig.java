package dev.halo.bench;

import dev.halo.agent.ElectionClient;
import dev.halo.agent.JetcdElectionClient;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.AgentDefaults;
import dev.halo.common.ElectionKeys;
import dev.halo.common.Labels;
import dev.halo.operator.HaloOperator;
import dev.halo.operator.OperatorConfig;
import dev.halo.operator.model.PodState;
import dev.halo.sandbox.AgentClassArchive;
import dev.halo.sandbox.AgentProcess;
import dev.halo.sandbox.EmbeddedApiServer;
import dev.halo.sandbox.EtcdCluster;
import dev.halo.sandbox.LocalKubelet;
import dev.halo.sandbox.Sandbox;
import dev.halo.sandbox.ServiceProxy;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The sandbox's machinery for benchmarks: the embedded API server, a 3-member etcd cluster, the
 * real operator in this JVM, the local kubelet running every agent as its own OS process, the
 * service proxy, and a pod informer through which the bench sees labels as the operator writes
 * them.
 */
final class BenchRig implements AutoCloseable {
  static final String NAMESPACE = "bench";

  final EmbeddedApiServer api;
  final EtcdCluster etcd;
  final LocalKubelet kubelet;
  final ServiceProxy proxy;
  final ElectionClient electionClient;
  private final SharedIndexInformer<Pod> pods;
  private final Deque<AutoCloseable> parts = new ArrayDeque<>();

  private BenchRig(int etcdMembers) throws Exception {
    api = track(EmbeddedApiServer.start());
    KubernetesClient client = api.client();
    client
        .namespaces()
        .resource(
            new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
        .create();
    etcd = track(EtcdCluster.start(etcdMembers));
    // Every agent the bench starts uses the class archive, so no figure mixes cold and warm starts.
    AgentClassArchive.prepare(AgentProcess.agentJar(), etcd.endpoints());
    // A Ready agent's /healthz once a second (the shortest periodSeconds Kubernetes allows); a
    // starting agent's, and whether its process still runs, every 200 ms.
    kubelet =
        track(
            LocalKubelet.start(
                client,
                NAMESPACE,
                etcd,
                LocalKubelet.AgentMode.PROCESS,
                LocalKubelet.Options.defaults().withReadinessPeriod(Duration.ofSeconds(1))));
    track(
        HaloOperator.start(
            api.newClient(),
            new OperatorConfig(
                Set.of(NAMESPACE),
                "halo:bench",
                etcd.clientUrls(),
                false,
                "",
                "127.0.0.1",
                0,
                AgentDefaults.JVM_OPTIONS)));
    proxy = track(ServiceProxy.start(client, NAMESPACE, kubelet, 0));
    electionClient =
        track(
            new JetcdElectionClient(
                etcd.clientUrls().stream().map(URI::create).toList(), Duration.ofSeconds(2)));
    pods = track(client.pods().inNamespace(NAMESPACE).inform());
  }

  static BenchRig start(int etcdMembers) throws Exception {
    return new BenchRig(etcdMembers);
  }

  private <T extends AutoCloseable> T track(T part) {
    parts.push(part);
    return part;
  }

  KubernetesClient client() {
    return api.client();
  }

  /**
   * Creates a group from the sandbox example ({@value Sandbox#EXAMPLE_RESOURCE}: 3 replicas over
   * zones a/b/c, HTTP health probe every 500 ms, failure threshold 3) with its own Service.
   */
  void createGroup(String name, int ttlSeconds) throws Exception {
    HighAvailabilityGroup hag = Sandbox.exampleGroup(name, NAMESPACE);
    hag.getSpec().getElection().setLeaseTTLSeconds(ttlSeconds);
    if (hag.getSpec().getTemplate().getMetadata() == null) {
      hag.getSpec().getTemplate().setMetadata(new io.fabric8.kubernetes.api.model.ObjectMeta());
    }
    if (hag.getSpec().getTemplate().getMetadata().getAnnotations() == null) {
      hag.getSpec().getTemplate().getMetadata().setAnnotations(new java.util.LinkedHashMap<>());
    }
    client().resource(hag).create();
  }

  void deleteGroup(String name) {
    client().resources(HighAvailabilityGroup.class).inNamespace(NAMESPACE).withName(name).delete();
  }

  HighAvailabilityGroup group(String name) {
    return client()
        .resources(HighAvailabilityGroup.class)
        .inNamespace(NAMESPACE)
        .withName(name)
        .get();
  }

  /** The group's pods as the informer has them now. */
  List<Pod> pods(String group) {
    return pods.getStore().list().stream()
        .filter(p -> group.equals(p.getMetadata().getLabels().get(Labels.GROUP)))
        .toList();
  }

  /** Pods of the group labelled master, as the informer has them now. */
  List<String> labelledMasters(String group) {
    return pods(group).stream()
        .filter(p -> Labels.ROLE_MASTER.equals(p.getMetadata().getLabels().get(Labels.ROLE)))
        .map(p -> p.getMetadata().getName())
        .sorted()
        .toList();
  }

  /**
   * True when a fault may be injected: {@code leader} (etcd's) is the one master that labels and
   * Service endpoints name, and at least one other member can take over (its pod Ready and not
   * terminating, its agent running and campaigning). Members still coming back from the previous
   * round need not be: in a cluster faults do not wait for them either, and waiting for every
   * restarted agent made a round three times as long as its handover.
   */
  boolean readyForFault(String group, String leader) {
    if (leader.isEmpty()
        || !labelledMasters(group).equals(List.of(leader))
        || !proxy.endpoints(group).equals(List.of(leader))) {
      return false;
    }
    Set<String> running = kubelet.pods();
    return pods(group).stream()
        .filter(p -> !p.getMetadata().getName().equals(leader))
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null && PodState.ready(p))
        .map(p -> p.getMetadata().getName())
        .filter(running::contains)
        .anyMatch(this::campaigning);
  }

  /**
   * The member queued last in the group's election when it is not {@code leader}, its pod Ready and
   * its agent campaigning, and every other member campaigns too (so that the queue is whole).
   */
  Optional<String> lastQueuedReady(String group, String leader) {
    List<String> queue =
        Arrays.stream(
                etcd.etcdctl(
                        "get",
                        ElectionKeys.electionName(NAMESPACE, group),
                        "--prefix",
                        "--sort-by=CREATE",
                        "--order=ASCEND",
                        "--print-value-only")
                    .strip()
                    .split("\n"))
            .filter(l -> !l.isBlank())
            .toList();
    if (queue.size() < pods(group).size() || queue.isEmpty()) {
      return Optional.empty();
    }
    String last = queue.get(queue.size() - 1);
    boolean ready =
        pods(group).stream()
            .anyMatch(
                p ->
                    p.getMetadata().getName().equals(last)
                        && p.getMetadata().getDeletionTimestamp() == null
                        && PodState.ready(p));
    return !last.equals(leader) && ready && campaigning(last)
        ? Optional.of(last)
        : Optional.empty();
  }

  private boolean campaigning(String pod) {
    try {
      return kubelet
          .agent(pod)
          .status()
          .map(s -> "campaigning".equals(s.get("phase")))
          .orElse(false);
    } catch (IllegalStateException e) {
      return false; // its agent stopped meanwhile
    }
  }

  int proxyPort(String service) {
    return proxy.routes().stream()
        .filter(r -> r.service().equals(service))
        .findFirst()
        .orElseThrow()
        .localPort();
  }

  /** How many candidate keys an election holds: the keys under its {@code prefix}. */
  static long candidateKeys(dev.halo.sandbox.EtcdCluster etcd, String prefix) {
    return etcd.etcdctl("get", prefix, "--prefix", "--keys-only")
        .lines()
        .filter(l -> !l.isBlank())
        .count();
  }

  /** Polls {@code check} every {@code pollMillis} until true; throws after {@code timeout}. */
  static void await(String what, Duration timeout, long pollMillis, BooleanSupplier check) {
    awaitValue(
        what,
        timeout,
        pollMillis,
        () -> check.getAsBoolean() ? Optional.of(true) : Optional.empty());
  }

  static <T> T awaitValue(
      String what, Duration timeout, long pollMillis, Supplier<Optional<T>> check) {
    long deadline = System.nanoTime() + timeout.toNanos();
    RuntimeException last = null;
    while (true) {
      try {
        Optional<T> value = check.get();
        if (value.isPresent()) {
          return value.get();
        }
      } catch (RuntimeException e) {
        last = e;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "timed out after "
                + timeout.toSeconds()
                + " s waiting for "
                + what
                + (last == null ? "" : " (last error: " + last + ")"));
      }
      try {
        Thread.sleep(pollMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for " + what, e);
      }
    }
  }

  static Map<String, Object> machine() {
    return BenchReport.machine();
  }

  @Override
  public void close() {
    while (!parts.isEmpty()) {
      try {
        parts.pop().close();
      } catch (Exception e) {
        System.err.println("bench: a part did not stop cleanly: " + e);
      }
    }
  }
}
