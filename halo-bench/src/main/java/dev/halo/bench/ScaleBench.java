package dev.halo.bench;

import ch.qos.logback.classic.Level;
import dev.halo.agent.ElectionClient;
import dev.halo.agent.JetcdElectionClient;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.Threads;
import dev.halo.sandbox.EmbeddedApiServer;
import dev.halo.sandbox.EtcdCluster;
import dev.halo.sandbox.LocalKubelet;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.LoggerFactory;

/**
 * How many groups one operator carries. For 100, 300 and 1000 groups of 3 pods each (--quick: 100;
 * {@code --sizes 100,300} for others) on a fresh embedded API server and 1-member etcd: the groups
 * exist first, then the operator starts as its own process with the chart's JVM options (cold
 * start); the bench measures the time until every group has a labelled master, the operator's CPU,
 * RSS and heap at steady state, and then crashes 10% of the groups' masters at once (cut off from
 * etcd and their leases revoked) and measures, per group, label convergence (etcd elects the next
 * candidate -> the informer sees it labelled master and the old one not).
 *
 * <p>Agents run in this JVM (LocalKubelet IN_PROCESS), the real agent code on 4 jetcd clients
 * shared round-robin; an agent is Ready once started (the kubelet does not ask its /healthz over
 * HTTP) and no workload server runs (the pods take no traffic here): with thousands of pods in one
 * JVM, those requests and servers cost more than the operator being measured. Groups have no
 * workload health probe and a lease TTL of {@value #TTL_SECONDS} s so that 3000 agents' renewals
 * fit on two cores next to etcd and the operator. How a master is crashed: {@link ScaleCrashes}.
 * The cold start also records, per group, the operator's CPU seconds and API requests. With {@code
 * --one-of N} the bench runs N groups only and, before the 10% crash, crashes one group's master
 * {@value #ONE_OF_ROUNDS} times ({@code --rounds R}) while the other groups idle. Writes
 * target/bench/scale.json.
 */
public final class ScaleBench {
  static final String NAMESPACE = "scale";
  static final int TTL_SECONDS = 20;
  private static final Duration CURVE_PERIOD = Duration.ofSeconds(5);
  private static final int SHARED_CLIENTS = 4;
  private static final int ONE_OF_ROUNDS = 20;
  static final String BENCH_USER_AGENT = "halo-scale-bench";
  private static final String RECONCILES = "halo_operator_reconcile_seconds_count";

  public static void main(String[] args) {
    Mains.exitWith("bench: scale", () -> run(args));
  }

  private static int run(String[] args) throws Exception {
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(Level.ERROR);
    List<String> argv = List.of(args);
    boolean quick = argv.contains("--quick");
    // --one-of N: N groups, and one group's master crashed round after round while the others idle.
    int oneOfRounds =
        argv.contains("--one-of")
            ? argv.contains("--rounds")
                ? Integer.parseInt(argv.get(argv.indexOf("--rounds") + 1))
                : ONE_OF_ROUNDS
            : 0;
    List<Integer> sizes =
        argv.contains("--one-of")
            ? List.of(Integer.parseInt(argv.get(argv.indexOf("--one-of") + 1)))
            : argv.contains("--sizes")
                ? java.util.Arrays.stream(argv.get(argv.indexOf("--sizes") + 1).split(","))
                    .map(Integer::parseInt)
                    .toList()
                : quick ? List.of(100) : List.of(100, 300, 1000);
    // Longer than the operator's 30 s resync, so the periodic reconcile of every group counts.
    Duration settle = Duration.ofSeconds(quick ? 10 : 32);
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put(
        "setup",
        Map.of(
            "operator",
            "own process, " + OperatorProcess.JVM_OPTIONS + ", leader election off",
            "agents",
            "in the bench JVM (LocalKubelet IN_PROCESS), real agent code, "
                + SHARED_CLIENTS
                + " shared jetcd clients; an agent is Ready once started (the kubelet does not ask"
                + " its /healthz over HTTP), pod status synced every 2 s, no workload server (the"
                + " workload containers are reported ready; nothing listens)",
            "groups",
            "3 replicas over zones a/b/c, active and standby Service, no health probe, TTL "
                + TTL_SECONDS
                + " s",
            "etcdMembers",
            1,
            "crash",
            "10% of the masters cut off from etcd and their leases revoked at once (as the"
                + " operator does when the kubelet reports an agent dead); their pods stay Ready",
            "settleSeconds",
            settle.toSeconds()));
    List<Map<String, Object>> points = new ArrayList<>();
    for (int groups : sizes) {
      Map<String, Object> point = new LinkedHashMap<>();
      point.put("groups", groups);
      point.put("pods", groups * 3);
      try {
        run(groups, settle, coldStartLimit(argv, groups), oneOfRounds, point);
      } catch (Exception e) {
        point.put("error", e.toString());
        System.out.println("bench: scale " + groups + " groups failed: " + e);
      }
      System.out.println("bench: scale " + point);
      points.add(point);
      BenchReport.write("scale.json", withPoints(doc, points));
    }
    System.out.println("wrote " + BenchReport.write("scale.json", withPoints(doc, points)));
    return 0;
  }

  /**
   * How long a cold start may take before the size is reported as not reached (with its curve):
   * {@code --cold-start-limit S} or 60 s + 0.25 s per group.
   */
  private static Duration coldStartLimit(List<String> argv, int groups) {
    return argv.contains("--cold-start-limit")
        ? Duration.ofSeconds(Long.parseLong(argv.get(argv.indexOf("--cold-start-limit") + 1)))
        : Duration.ofSeconds(60 + groups / 4);
  }

  /**
   * What the operator spent per group from its start until every group was Running: its own CPU
   * seconds (JVM start included), its reconciles, and its API requests, in all and by verb and
   * kind.
   */
  private static Map<String, Object> coldStartPerGroup(
      int groups, OperatorProcess operator, RequestCounter requests) throws java.io.IOException {
    Map<String, Double> perGroup = requests.operatorPerGroup(groups);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("operatorCpuSeconds", Math.round(1000.0 * operator.cpuSeconds() / groups) / 1000.0);
    m.put("operatorReconciles", Math.round(10.0 * operator.metric(RECONCILES) / groups) / 10.0);
    m.put("operatorApiRequests", perGroup.remove("total"));
    m.put("operatorApiRequestsByKind", perGroup);
    return m;
  }

  /**
   * Candidate keys in etcd under the bench's namespace: agents that have joined an election. Only
   * keys inside an election count; each agent's member key and a group's routed key do not.
   */
  private static long campaigningAgents(Client etcd) {
    ByteSequence prefix =
        ByteSequence.from("/halo/" + NAMESPACE + "/", java.nio.charset.StandardCharsets.UTF_8);
    try {
      return etcd
          .getKVClient()
          .get(prefix, GetOption.builder().isPrefix(true).withKeysOnly(true).build())
          .get(5, TimeUnit.SECONDS)
          .getKvs()
          .stream()
          .filter(
              kv ->
                  kv.getKey()
                      .toString(java.nio.charset.StandardCharsets.UTF_8)
                      .contains("/election/"))
          .count();
    } catch (Exception e) {
      return -1;
    }
  }

  /** CPU time of this JVM (the agents, the kubelet, the mock API server, the bench). */
  private static long benchCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static Map<String, Object> withPoints(
      Map<String, Object> doc, List<Map<String, Object>> points) {
    Map<String, Object> m = new LinkedHashMap<>(doc);
    m.put("points", points);
    return m;
  }

  private static void run(
      int groups,
      Duration settle,
      Duration coldStartLimit,
      int oneOfRounds,
      Map<String, Object> point)
      throws Exception {
    long started = System.nanoTime();
    Map<String, SeverableClient> clientsByMember = new ConcurrentHashMap<>();
    List<ElectionClient> shared = new ArrayList<>();
    List<AutoCloseable> closeLater = new ArrayList<>();
    AtomicInteger next = new AtomicInteger();
    try (EmbeddedApiServer api = EmbeddedApiServer.start();
        EtcdCluster etcd = EtcdCluster.start(1)) {
      List<URI> endpoints = etcd.clientUrls().stream().map(URI::create).toList();
      Client etcdCounter = Client.builder().endpoints(endpoints.toArray(URI[]::new)).build();
      closeLater.add(etcdCounter);
      for (int i = 0; i < SHARED_CLIENTS; i++) {
        shared.add(new JetcdElectionClient(endpoints, Duration.ofSeconds(5)));
      }
      KubernetesClient client =
          new KubernetesClientBuilder()
              .withConfig(new ConfigBuilder(api.config()).withUserAgent(BENCH_USER_AGENT).build())
              .build();
      client
          .namespaces()
          .resource(
              new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
          .create();
      LabelTracker labels = new LabelTracker();
      RequestCounter requests = new RequestCounter();
      api.onRequest(requests);
      try (SharedIndexInformer<Pod> informer = client.pods().inNamespace(NAMESPACE).inform(labels);
          LocalKubelet kubelet =
              LocalKubelet.start(
                  client,
                  NAMESPACE,
                  etcd,
                  LocalKubelet.AgentMode.IN_PROCESS,
                  LocalKubelet.Options.defaults()
                      .withoutGracefulDeletion()
                      .withoutWorkloadServers()
                      .withProbePeriod(Duration.ofSeconds(2))
                      .withoutReadinessRequests()
                      .withElectionClients(
                          config -> {
                            SeverableClient c =
                                new SeverableClient(
                                    shared.get(next.getAndIncrement() % shared.size()));
                            clientsByMember.put(config.member(), c);
                            return c;
                          }))) {
        HighAvailabilityGroup template = ScaleGroups.template();
        for (int g = 0; g < groups; g++) {
          HighAvailabilityGroup hag = Serialization.clone(template);
          hag.getMetadata().setName(group(g));
          hag.getSpec().getService().setName(group(g));
          client.resource(hag).create();
        }
        long t0 = System.nanoTime();
        Duration apiCpu0 = api.cpuTime();
        long benchCpu0 = benchCpuNanos();
        List<List<Long>> curve = new CopyOnWriteArrayList<>();
        ScheduledExecutorService sampler =
            Executors.newSingleThreadScheduledExecutor(r -> Threads.daemon("scale-curve", r));
        sampler.scheduleAtFixedRate(
            () ->
                curve.add(
                    List.of(
                        (System.nanoTime() - t0) / 1_000_000_000,
                        labels.groupsWithOneMaster(),
                        campaigningAgents(etcdCounter),
                        (long) labels.pods())),
            0,
            CURVE_PERIOD.toMillis(),
            TimeUnit.MILLISECONDS);
        requests.reset();
        try (OperatorProcess operator = OperatorProcess.start(api, NAMESPACE, etcd.endpoints())) {
          try {
            BenchRig.await(
                "every group has one labelled master",
                coldStartLimit,
                100,
                () -> labels.groupsWithOneMaster() == groups || !operator.isAlive());
          } finally {
            sampler.shutdownNow();
            point.put("coldStartCurve", curve);
            point.put("labelledGroupsAtEnd", labels.groupsWithOneMaster());
            point.put(
                "coldStartCpuSeconds",
                Map.of(
                    "operator",
                    operator.cpuSeconds(),
                    "mockApiServer",
                    (api.cpuTime().minus(apiCpu0)).toMillis() / 1000.0,
                    "benchJvm",
                    (benchCpuNanos() - benchCpu0) / 1_000_000 / 1000.0,
                    "wallSeconds",
                    (System.nanoTime() - t0) / 1_000_000 / 1000.0));
          }
          point.put("coldStartAllLabelledMs", (System.nanoTime() - t0) / 1_000_000);
          // Steady state: every group's status says Running (all 3 pods Ready, master elected).
          try {
            BenchRig.await(
                "every group Running",
                coldStartLimit,
                500,
                () -> ScaleGroups.runningGroups(client) == groups || !operator.isAlive());
          } finally {
            point.put("notRunningAtEnd", ScaleGroups.notRunning(client, kubelet));
          }
          point.put("coldStartAllRunningMs", (System.nanoTime() - t0) / 1_000_000);
          point.put("coldStartPerGroup", coldStartPerGroup(groups, operator, requests));
          double reconcilesBefore = operator.metric(RECONCILES);
          requests.reset();
          long settleStart = System.nanoTime();
          point.put("steadyCpuPercentOfOneCore", operator.cpuPercentOver(settle.toMillis()));
          point.put(
              "steadyReconcilesPerSecond",
              Math.round(
                      10.0
                          * (operator.metric(RECONCILES) - reconcilesBefore)
                          / ((System.nanoTime() - settleStart) / 1e9))
                  / 10.0);
          point.put("steadyOperatorApiRequests", requests.perSecond());
          point.put("rssMiB", operator.rssKib() / 1024);
          point.put("heapUsedMiB", operator.heapUsedKib() / 1024);
          point.put("liveHeapAfterGcMiB", operator.liveHeapKib() / 1024);
          ScaleCrashes crashes = new ScaleCrashes(labels, shared.get(0), clientsByMember);
          if (oneOfRounds > 0) {
            // Before the 10% crash, while every other group is settled and idle.
            crashes.oneOf(group(1), oneOfRounds, client, etcdCounter, point);
          }
          crashes.tenPercent(groups, point);
          point.put("dualMasterObservations", labels.dualMasterObservations());
          point.put("operatorAliveAtEnd", operator.isAlive());
        } finally {
          // Stopping 3000 agents: cut them all off first so none waits on a resignation.
          clientsByMember.values().forEach(SeverableClient::sever);
        }
      } finally {
        shared.forEach(ElectionClient::close);
        for (AutoCloseable c : closeLater) {
          c.close();
        }
        client.close();
      }
    }
    point.put("tookSeconds", (System.nanoTime() - started) / 1_000_000_000);
  }

  static String group(int g) {
    return String.format("g%04d", g);
  }
}
