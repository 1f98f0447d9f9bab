package dev.halo.sandbox;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.AgentDefaults;
import dev.halo.operator.HaloOperator;
import dev.halo.operator.OperatorConfig;
import dev.halo.operator.model.EtcdSecrets;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Halo end to end on one machine, all on 127.0.0.1: an embedded Kubernetes API, a real etcd
 * cluster, the real operator (in this JVM), a local kubelet that runs each pod's real agent as an
 * OS process next to a {@link DemoWorkload}, and a service proxy per Service. {@link #close()}
 * stops everything in reverse order and deletes the sandbox's temporary directory; so does a
 * shutdown hook when the JVM ends without it, and the {@link ChildReaper} watchdog when the JVM is
 * killed.
 */
public final class Sandbox implements AutoCloseable {
  /** The namespace the sandbox runs pods in (the kubeconfig's default). */
  public static final String NAMESPACE = "default";

  /** The example group applied at start, packaged from {@code deploy/examples/sandbox.yaml}. */
  public static final String EXAMPLE_RESOURCE = "examples/sandbox.yaml";

  /**
   * How to start.
   *
   * @param etcdMembers 1 or 3 etcd members
   * @param apiPort port of the Kubernetes API (0: any free port)
   * @param proxyPort first port of the service proxy (0: free ports)
   * @param kubeconfig where to write the kubeconfig (empty: in the sandbox's temp directory)
   * @param example whether to apply {@value #EXAMPLE_RESOURCE}
   * @param insecureEtcd plaintext etcd without auth, and the example without its TLS Secret;
   *     otherwise etcd speaks TLS only, wants client certificates and has auth on ({@link
   *     SandboxEtcdIssuer})
   */
  public record Options(
      int etcdMembers,
      int apiPort,
      int proxyPort,
      Optional<Path> kubeconfig,
      boolean example,
      boolean insecureEtcd) {}

  private static final Logger log = LoggerFactory.getLogger(Sandbox.class);
  // A kubelet restarts a crashed container after 10 s at first (CrashLoopBackOff); so does ours.
  static final java.time.Duration AGENT_RESTART_DELAY = java.time.Duration.ofSeconds(10);

  private final Path root;
  private final Path kubeconfig;
  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private EmbeddedApiServer api;
  private EtcdCluster etcd;
  private SandboxEtcdIssuer issuer;
  private LocalKubelet kubelet;
  private ServiceProxy proxy;
  // Stops everything when the JVM ends without close() (System.exit, an uncaught error).
  private final Thread shutdownHook = new Thread(this::close, "sandbox-shutdown");

  private Sandbox(Path root, Path kubeconfig) {
    this.root = root;
    this.kubeconfig = kubeconfig;
  }

  /**
   * Starts every part; on any failure stops what was started and throws an exception whose message
   * is one line saying what failed and what to do.
   */
  public static Sandbox start(Options options) {
    if (options.etcdMembers() != 1 && options.etcdMembers() != 3) {
      throw new IllegalArgumentException(
          "--etcd-members must be 1 or 3, was " + options.etcdMembers());
    }
    Path root;
    try {
      root = Files.createTempDirectory("halo-sandbox-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory: " + e.getMessage(), e);
    }
    ChildReaper.start();
    ChildReaper.deleteAtExit(root);
    Sandbox sandbox =
        new Sandbox(root, options.kubeconfig().orElse(root.resolve("kubeconfig")).toAbsolutePath());
    Runtime.getRuntime().addShutdownHook(sandbox.shutdownHook);
    try {
      sandbox.startParts(options);
      return sandbox;
    } catch (RuntimeException | IOException e) {
      sandbox.close();
      throw e instanceof RuntimeException r ? r : new UncheckedIOException((IOException) e);
    }
  }

  private void startParts(Options options) throws IOException {
    long start = System.nanoTime();
    api = track(EmbeddedApiServer.start(options.apiPort()).validateSchemas(true));
    api.writeKubeconfig(kubeconfig);
    if (options.proxyPort() > 0) {
      ServiceProxy.requireFree(options.proxyPort()); // fail before the slow parts start
    }
    if (options.insecureEtcd()) {
      etcd = track(EtcdCluster.start(options.etcdMembers()));
      AgentClassArchive.trainAgainstTheAgentsEtcd();
    } else {
      etcd = track(EtcdCluster.start(options.etcdMembers(), etcdSecurity()));
      issuer = track(SandboxEtcdIssuer.start(etcd, api.client(), NAMESPACE));
      AgentClassArchive.trainAgainst(etcd.secureEndpoints(), issuer.operatorSecurity());
    }
    kubelet =
        track(
            LocalKubelet.start(
                api.client(), NAMESPACE, etcd, LocalKubelet.AgentMode.PROCESS, kubeletOptions()));
    track(HaloOperator.start(api.newClient(), operatorConfig()));
    proxy = track(ServiceProxy.start(api.client(), NAMESPACE, kubelet, options.proxyPort()));
    if (options.example()) {
      applyExample();
    }
    log.atInfo()
        .addKeyValue("api", api.url())
        .addKeyValue("kubeconfig", kubeconfig)
        .addKeyValue("etcd", etcdEndpoints())
        .addKeyValue("secured", issuer != null)
        .addKeyValue("tookMs", (System.nanoTime() - start) / 1_000_000)
        .log("sandbox started");
  }

  /**
   * How the sandbox's kubelet runs pods: a dead agent is restarted after 10 s, as docs/sandbox.md
   * says.
   */
  static LocalKubelet.Options kubeletOptions() {
    return LocalKubelet.Options.defaults().withAgentRestarts(AGENT_RESTART_DELAY);
  }

  /**
   * TLS on the client URLs, client certificates required (their CN is the etcd user) and auth on;
   * the operator's user is created here, its role by the issuer. The members also listen in
   * plaintext on loopback for the sandbox itself (health, etcdctl as root), which without a
   * password can do nothing with keys.
   */
  private static EtcdServerSecurity etcdSecurity() {
    return EtcdServerSecurity.tlsOnly()
        .withClientCertAuth()
        .withUsers(
            new EtcdServerSecurity.User(
                SandboxEtcdIssuer.OPERATOR, "unused-" + java.util.UUID.randomUUID(), ""));
  }

  private OperatorConfig operatorConfig() {
    if (issuer == null) {
      return new OperatorConfig(
          Set.of(NAMESPACE),
          "halo:sandbox",
          etcd.clientUrls(),
          false,
          "",
          "127.0.0.1",
          0,
          AgentDefaults.JVM_OPTIONS);
    }
    return new OperatorConfig(
        Set.of(NAMESPACE),
        "halo:sandbox",
        List.of(etcd.secureEndpoints().split(",")),
        false,
        "",
        "127.0.0.1",
        0,
        AgentDefaults.JVM_OPTIONS,
        issuer.operatorSecurity(),
        EtcdSecrets.NONE,
        OperatorConfig.DEFAULT_WATCH_STALE_AFTER);
  }

  private <T extends AutoCloseable> T track(T part) {
    started.push(part);
    return part;
  }

  /**
   * The example group ({@value #EXAMPLE_RESOURCE}: 3 replicas over zones a/b/c, HTTP health probe
   * every 500 ms, TTL 5 s) named {@code name} in {@code namespace}, its Service named after it,
   * without its etcd TLS Secret (for a plaintext etcd); what benchmarks and the chaos campaign
   * start from.
   */
  public static HighAvailabilityGroup exampleGroup(String name, String namespace) {
    HighAvailabilityGroup hag = loadExample();
    hag.getSpec().getElection().setTls(null);
    hag.getMetadata().setName(name);
    hag.getMetadata().setNamespace(namespace);
    hag.getSpec().getService().setName(name);
    return hag;
  }

  private static HighAvailabilityGroup loadExample() {
    try (InputStream in = Sandbox.class.getClassLoader().getResourceAsStream(EXAMPLE_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(EXAMPLE_RESOURCE + " is not in the jar; rebuild it");
      }
      return Serialization.unmarshal(in, HighAvailabilityGroup.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Applies the example; on a secured etcd its TLS Secret is issued first, so its pods find it, on
   * a plaintext one its TLS settings are left out.
   */
  private void applyExample() {
    HighAvailabilityGroup hag = loadExample();
    if (issuer == null) {
      hag.getSpec().getElection().setTls(null);
    } else {
      issuer.ensure(hag);
    }
    api.client().resource(hag).inNamespace(NAMESPACE).createOr(NonDeletingOperation::update);
    log.atInfo()
        .addKeyValue("kind", hag.getKind())
        .addKeyValue("name", hag.getMetadata().getName())
        .addKeyValue(
            "etcdTlsSecret",
            issuer == null ? "" : hag.getSpec().getElection().getTls().getSecretName())
        .log("sandbox: applied the example");
  }

  /**
   * Waits up to {@code timeout} until the service proxy listens for {@code service}; true when it
   * does.
   */
  public boolean awaitService(String service, java.time.Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (proxy.routes().stream().noneMatch(r -> r.service().equals(service))) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  public KubernetesClient client() {
    return api.client();
  }

  public EmbeddedApiServer api() {
    return api;
  }

  public EtcdCluster etcd() {
    return etcd;
  }

  /** Whether etcd runs secured (TLS, client certificates, auth), i.e. not --insecure-etcd. */
  public boolean securedEtcd() {
    return issuer != null;
  }

  /** The etcd endpoints groups and the operator use: https when secured. */
  public String etcdEndpoints() {
    return issuer == null ? etcd.endpoints() : etcd.secureEndpoints();
  }

  /**
   * The etcdctl command, without a subcommand, that reads Halo's keys: with the CA and the
   * read-only client certificate when secured.
   */
  public String etcdctl() {
    return issuer == null
        ? "ETCDCTL_API=3 etcdctl --endpoints " + etcd.endpoints()
        : issuer.etcdctl();
  }

  /** Who issues the groups' etcd users and Secrets; empty with --insecure-etcd. */
  public Optional<SandboxEtcdIssuer> issuer() {
    return Optional.ofNullable(issuer);
  }

  public LocalKubelet kubelet() {
    return kubelet;
  }

  public ServiceProxy proxy() {
    return proxy;
  }

  public Path kubeconfig() {
    return kubeconfig;
  }

  /** The HighAvailabilityGroups of the sandbox namespace, by name. */
  public List<HighAvailabilityGroup> groups() {
    return api
        .client()
        .resources(HighAvailabilityGroup.class)
        .inNamespace(NAMESPACE)
        .list()
        .getItems()
        .stream()
        .sorted(Comparator.comparing(g -> g.getMetadata().getName()))
        .toList();
  }

  private boolean reaperReleased;

  /** Stops every part (last started first) and deletes the temporary directory; idempotent. */
  @Override
  public synchronized void close() {
    while (!started.isEmpty()) {
      AutoCloseable part = started.pop();
      try {
        part.close();
      } catch (Exception e) {
        log.atWarn()
            .addKeyValue("part", part.getClass().getSimpleName())
            .addKeyValue("error", e.toString())
            .log("sandbox: a part did not stop cleanly");
      }
    }
    try {
      TempFiles.deleteRecursively(root);
    } catch (UncheckedIOException e) {
      log.atWarn().addKeyValue("dir", root).log("sandbox: temporary directory not deleted");
    }
    if (!reaperReleased) {
      reaperReleased = true;
      ChildReaper.release();
    }
    if (Thread.currentThread() != shutdownHook) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException e) {
        // The JVM is shutting down: the hook runs (or ran) and finds nothing left.
      }
    }
  }
}
