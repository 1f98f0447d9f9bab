package dev.halo.chaos;

import dev.halo.agent.ElectionClient;
import dev.halo.agent.JetcdElectionClient;
import dev.halo.bench.OperatorProcess;
import dev.halo.sandbox.EmbeddedApiServer;
import dev.halo.sandbox.EtcdCluster;
import dev.halo.sandbox.LocalKubelet;
import dev.halo.sandbox.ServiceProxy;
import dev.halo.sandbox.TcpProxy;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sandbox machinery a chaos campaign runs on: API server, 3-member etcd, the operator as its
 * own process (so that it can be stopped with a signal, and its API requests carry a user agent of
 * their own that API faults select), the kubelet and the service proxy.
 */
final class ChaosRig implements AutoCloseable {
  static final String NAMESPACE = "chaos";
  static final String OPERATOR_USER_AGENT = "halo-operator-chaos";
  private static final Duration OPERATOR_START_TIMEOUT = Duration.ofSeconds(90);
  // Logged as the campaign: its log is what a reader of a failed run follows.
  private static final Logger log = LoggerFactory.getLogger(ChaosCampaign.class);

  final EmbeddedApiServer api;
  final EtcdCluster etcd;
  final LocalKubelet kubelet;
  final ServiceProxy proxy;
  final ElectionClient electionClient;
  final KubernetesClient checkerClient;
  final List<TcpProxy> operatorEtcdProxies;
  final TcpProxy operatorApiProxy;
  private final Path out;
  private final AtomicLong operatorRequests = new AtomicLong();
  private final AtomicInteger operatorFaults = new AtomicInteger();
  private OperatorProcess operator;
  private int operatorStarts;

  /** Starts the rig; the operator's logs go to {@code out}/operator-<n>.log. */
  ChaosRig(Path out) throws Exception {
    this.out = out;
    api = EmbeddedApiServer.start();
    try {
      api.client()
          .namespaces()
          .resource(
              new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
          .create();
      api.onRequest(
          r -> {
            if (OPERATOR_USER_AGENT.equals(r.userAgent())) {
              operatorRequests.incrementAndGet();
            }
          });
      etcd = EtcdCluster.start(3);
      operatorEtcdProxies = etcd.clientUrls().stream().map(URI::create).map(TcpProxy::to).toList();
      operatorApiProxy = TcpProxy.to(URI.create(api.url()));
      kubelet =
          LocalKubelet.start(
              api.client(),
              NAMESPACE,
              etcd,
              LocalKubelet.AgentMode.PROCESS,
              LocalKubelet.Options.defaults()
                  .withEtcdEndpoints()
                  .withEtcdProxies()
                  .withAgentRestarts(Duration.ofSeconds(1)));
      startOperator();
      proxy = ServiceProxy.start(api.client(), NAMESPACE, kubelet, 0);
      electionClient =
          new JetcdElectionClient(
              etcd.clientUrls().stream().map(URI::create).toList(), Duration.ofSeconds(1));
      checkerClient = api.newClient();
    } catch (Exception | Error e) {
      close();
      throw e;
    }
  }

  /** Starts the operator process and waits until it is healthy and has called the API server. */
  synchronized void startOperator() throws Exception {
    long requestsBefore = operatorRequests.get();
    long start = System.nanoTime();
    Path operatorLog = out.resolve("operator-" + (++operatorStarts) + ".log");
    operator =
        OperatorProcess.start(
            api,
            operatorApiProxy.endpoint("http").toString(),
            NAMESPACE,
            operatorEtcdProxies.stream()
                .map(p -> p.endpoint("http").toString())
                .collect(Collectors.joining(",")),
            Map.of(
                "KUBERNETES_USER_AGENT",
                OPERATOR_USER_AGENT,
                // C1 only, as the benches run: on 2 cores C2's compiler threads slowed every
                // operator start, and each restart is a new JVM.
                "JAVA_TOOL_OPTIONS",
                "-XX:TieredStopAtLevel=1",
                // A write unseen on its watch for 5 s (not 30): a stalled watch is found, and
                // the operator restarted by OperatorLiveness, within a fault's reach.
                "HALO_WATCH_STALE_SECONDS",
                "5"),
            operatorLog);
    operator.awaitHealthy(OPERATOR_START_TIMEOUT);
    log.atInfo()
        .addKeyValue("pid", operator.pid())
        .addKeyValue("log", operatorLog)
        .addKeyValue("tookMs", (System.nanoTime() - start) / 1_000_000)
        .log("chaos: operator started");
    if (operatorRequests.get() == requestsBefore) {
      throw new IllegalStateException(
          "no API request carried the user agent "
              + OPERATOR_USER_AGENT
              + ": the API faults would miss the operator");
    }
  }

  /** Stops the operator (SIGTERM; SIGKILL after 10 s). */
  synchronized void stopOperator() throws InterruptedException {
    if (operator != null) {
      long start = System.nanoTime();
      operator.close();
      log.atInfo()
          .addKeyValue("pid", operator.pid())
          .addKeyValue("tookMs", (System.nanoTime() - start) / 1_000_000)
          .log("chaos: operator stopped");
      operator = null;
    }
  }

  /**
   * Marks a fault at work on the operator (restart, pause, partition, API fault) until closed;
   * meanwhile the liveness probe leaves it alone.
   */
  OperatorFault operatorFault() {
    operatorFaults.incrementAndGet();
    return operatorFaults::decrementAndGet;
  }

  /** A fault at work on the operator, until closed. */
  interface OperatorFault extends AutoCloseable {
    @Override
    void close();
  }

  /** Whether the operator, with no fault at work on it, answers {@code /healthz} unhealthy. */
  boolean probeOperator() throws InterruptedException {
    OperatorProcess current;
    synchronized (this) {
      current = operator;
    }
    return operatorFaults.get() == 0 && current != null && current.unhealthy().isPresent();
  }

  /**
   * Restarts the operator as its liveness probe would, when no fault is at work on it and it still
   * answers unhealthy; returns what it said was wrong, or null when it did not restart it.
   */
  synchronized String restartUnhealthyOperator() throws Exception {
    if (operatorFaults.get() != 0 || operator == null) {
      return null;
    }
    java.util.Optional<String> reason = operator.unhealthy();
    if (reason.isEmpty()) {
      return null;
    }
    stopOperator();
    startOperator();
    return reason.get();
  }

  /** The running operator process. */
  synchronized OperatorProcess operator() {
    if (operator == null) {
      throw new IllegalStateException("the operator is not running");
    }
    return operator;
  }

  @Override
  public void close() {
    for (AutoCloseable part : new AutoCloseable[] {checkerClient, electionClient, proxy}) {
      closeQuietly(part);
    }
    closeQuietly(operator);
    operator = null;
    for (AutoCloseable part : new AutoCloseable[] {kubelet, operatorApiProxy}) {
      closeQuietly(part);
    }
    if (operatorEtcdProxies != null) {
      operatorEtcdProxies.forEach(ChaosRig::closeQuietly);
    }
    for (AutoCloseable part : new AutoCloseable[] {etcd, api}) {
      closeQuietly(part);
    }
  }

  private static void closeQuietly(AutoCloseable part) {
    if (part == null) {
      return;
    }
    try {
      part.close();
    } catch (Exception e) {
      log.atWarn()
          .addKeyValue("part", part.getClass().getSimpleName())
          .addKeyValue("error", e.toString())
          .log("chaos: a part did not stop cleanly");
    }
  }
}
