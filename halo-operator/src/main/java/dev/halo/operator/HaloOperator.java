package dev.halo.operator;

import com.sun.net.httpserver.HttpServer;
import dev.halo.operator.election.ElectionService;
import dev.halo.operator.election.EtcdElectionService;
import dev.halo.operator.model.OperatorDefaults;
import dev.halo.operator.model.ServerVersion;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator process: the Java Operator SDK running the HighAvailabilityGroup reconciler
 * (server-side apply off, optionally leader-elected through a Lease), the etcd election service,
 * and the {@code /healthz} and {@code /metrics} endpoints.
 */
public final class HaloOperator implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HaloOperator.class);
  public static final String LEASE_NAME = "halo-operator";

  private final Operator operator;
  private final KubernetesClient client;
  private final KubernetesClient writeClient;
  private final ElectionService elections;
  private final OperatorMetrics metrics = new OperatorMetrics();
  private final HttpServer http;
  private final boolean leaderElection;
  private final String identity = identity();
  private final LeaderLeaseRelease leaseRelease;
  private final ServerVersion serverVersion;
  private final HighAvailabilityGroupReconciler reconciler;
  private volatile boolean watchStallReported;
  private volatile boolean leading;
  private volatile boolean closing;

  private HaloOperator(
      KubernetesClient callersClient, OperatorConfig config, ElectionService elections)
      throws IOException {
    // Every write, the SDK's included, goes through this client, so each names the operator.
    this.client = FieldManager.clientLike(callersClient);
    // The reconciler's writes time out and are not retried inside the client (WriteClient).
    this.writeClient = WriteClient.like(client);
    this.elections = elections;
    this.leaderElection = config.leaderElection();
    this.leaseRelease =
        new LeaderLeaseRelease(client, LEASE_NAME, config.leaseNamespace(), identity);
    this.operator =
        new Operator(
            o -> {
              o.withKubernetesClient(client)
                  .withUseSSAToPatchPrimaryResource(false)
                  .withSSABasedCreateUpdateMatchForDependentResources(false)
                  .withCloseClientOnStop(false)
                  .withReconciliationTerminationTimeout(Duration.ofSeconds(5));
              if (config.leaderElection()) {
                o.withLeaderElectionConfiguration(
                    LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(LEASE_NAME)
                        .withLeaseNamespace(config.leaseNamespace())
                        .withIdentity(identity)
                        // The SDK's own exit also fires on a deliberate close(); exit here instead.
                        .withExitOnStopLeading(false)
                        .withLeaderCallbacks(
                            new LeaderCallbacks(
                                () -> leading = true, this::stoppedLeading, leader -> {}))
                        .build());
              }
            });
    this.serverVersion = ApiServerVersion.read(client);
    HighAvailabilityGroupReconciler reconciler =
        new HighAvailabilityGroupReconciler(
            writeClient,
            elections,
            new OperatorDefaults(
                config.agentImage(),
                config.agentJvmOptions(),
                config.etcdEndpoints(),
                serverVersion,
                config.groupEtcdSecrets()),
            metrics,
            OperatorConfig.loopbackWarning(config, System.getenv()),
            config.watchStaleAfter());
    this.reconciler = reconciler;
    metrics.watchFreshness(reconciler::watchOldestUnseen);
    operator.register(
        reconciler,
        o -> {
          o.withRetry(new ReconcileRetry());
          if (config.namespaces().isEmpty()) {
            o.watchingAllNamespaces();
          } else {
            o.settingNamespaces(config.namespaces());
          }
        });
    try {
      this.http = HttpServer.create(new InetSocketAddress(config.address(), config.port()), 16);
    } catch (IOException e) {
      // e.g. the port is taken: the operator never started, so nothing uses them
      writeClient.close();
      client.close();
      throw e;
    }
    http.createContext(
        "/healthz",
        ex -> {
          String problem = unhealthy();
          reply(ex, problem == null ? 200 : 503, problem == null ? "ok\n" : problem + "\n");
        });
    http.createContext("/metrics", ex -> reply(ex, 200, metrics.scrape()));
  }

  /**
   * Starts the operator against {@code client}'s API server; returns once the informers are in
   * sync. It talks through a client of its own with the same configuration, whose writes name the
   * field manager {@code halo-operator}; the caller still owns and closes {@code client}.
   */
  public static HaloOperator start(KubernetesClient client, OperatorConfig config)
      throws IOException {
    return start(client, config, new EtcdElectionService(config.etcdSecurity()));
  }

  public static HaloOperator start(
      KubernetesClient client, OperatorConfig config, ElectionService elections)
      throws IOException {
    HaloOperator halo = new HaloOperator(client, config, elections);
    halo.http.start();
    try {
      halo.operator.start();
    } catch (RuntimeException e) {
      // e.g. leader election refused for lack of permissions: free the port before failing.
      halo.http.stop(0);
      elections.close();
      halo.writeClient.close();
      halo.client.close();
      throw e;
    }
    log.atInfo()
        .addKeyValue("namespaces", config.namespaces().isEmpty() ? "all" : config.namespaces())
        .addKeyValue("leaderElection", config.leaderElection())
        .addKeyValue("agentImage", config.agentImage())
        .addKeyValue(
            "etcdEndpoints",
            config.etcdEndpoints().isEmpty() ? "none" : String.join(",", config.etcdEndpoints()))
        .addKeyValue("groupEtcdSecrets", config.groupEtcdSecrets().asMap())
        .addKeyValue("port", halo.port())
        .addKeyValue("kubernetesVersion", halo.serverVersion)
        .log("operator started");
    OperatorConfig.loopbackWarning(config, System.getenv())
        .ifPresent(warning -> log.atWarn().log(warning));
    return halo;
  }

  /**
   * Why the operator is unhealthy, or null: an event source (informer, election) is not running, or
   * a watch stalled (an object the operator wrote did not come back on it). The liveness probe
   * restarts an unhealthy operator; its new informers list and watch afresh.
   */
  private String unhealthy() {
    if (!operator.getRuntimeInfo().allEventSourcesAreHealthy()) {
      return "event sources unhealthy: "
          + operator.getRuntimeInfo().unhealthyEventSources().keySet();
    }
    var stall = reconciler.watchStall();
    if (stall.isEmpty()) {
      if (watchStallReported) {
        watchStallReported = false;
        log.info("the watches deliver again");
      }
      return null;
    }
    String problem =
        "watch stalled: the operator's write of "
            + stall.get().kind()
            + " "
            + stall.get().object()
            + " (resourceVersion "
            + stall.get().resourceVersion()
            + ") has not come back on its watch for "
            + stall.get().unseenFor().toSeconds()
            + " s, so its cache of them is stale; the liveness probe restarts the operator, or"
            + " restart it by hand (kubectl rollout restart of the operator's Deployment)";
    if (!watchStallReported) {
      watchStallReported = true;
      log.atError()
          .addKeyValue("kind", stall.get().kind())
          .addKeyValue("object", stall.get().object())
          .addKeyValue("resourceVersion", stall.get().resourceVersion())
          .addKeyValue("unseenForMs", stall.get().unseenFor().toMillis())
          .log(problem);
    }
    return problem;
  }

  // A replica that lost its Lease must stop reconciling at once, or two would write labels.
  private void stoppedLeading() {
    leading = false;
    if (!closing) {
      log.error("lost the operator Lease; exiting so that only the new leader reconciles");
      System.exit(1);
    }
  }

  /** Whether this replica reconciles: it holds the Lease, or runs without leader election. */
  public boolean isLeader() {
    return !leaderElection || leading;
  }

  public int port() {
    return http.getAddress().getPort();
  }

  public OperatorMetrics metrics() {
    return metrics;
  }

  private static String identity() {
    String pod = System.getenv("POD_NAME");
    return pod != null && !pod.isBlank() ? pod : "halo-" + UUID.randomUUID();
  }

  private static void reply(com.sun.net.httpserver.HttpExchange ex, int code, String body)
      throws IOException {
    try (ex) {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      ex.sendResponseHeaders(code, bytes.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public synchronized void close() {
    if (closing) {
      return;
    }
    closing = true;
    try {
      operator.stop();
      reconciler.close();
      if (leaderElection) {
        // The SDK cancels its elector without releasing; the next replica would wait out the Lease.
        leaseRelease.release();
      }
    } finally {
      elections.close();
      writeClient.close();
      client.close();
      http.stop(0);
      log.info("operator stopped");
    }
  }
}
