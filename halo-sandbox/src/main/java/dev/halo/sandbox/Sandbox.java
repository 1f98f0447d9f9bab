package dev.halo.sandbox;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Halo end to end on one machine, all on 127.0.0.1: an embedded Kubernetes API, a real etcd
 * cluster, the real operator (in this JVM), a local kubelet that runs each pod's real agent as an
 * OS process next to a {@link DemoWorkload}, and a service proxy per Service; with {@code --sites}
 * a {@link SandboxSite} of those per site and a {@link SiteNetwork} between them. {@link #close()}
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
   * The sites of a multi-site sandbox, one etcd member each, in order: {@code --sites 2} gives the
   * first two an API server and leaves the third a witness that runs only etcd.
   */
  public static final List<String> SITES = List.of("paris", "lyon", "nice");

  /** The shared group ({@code spec.site.group}) of the example on every site. */
  public static final String SITE_GROUP = "web";

  /** Pods of the example per site when there are several (two sites' agents share 2 cores). */
  static final int SITE_REPLICAS = 2;

  /** Which example {@link Options#example()} applies. */
  public enum Example {
    /** {@value #EXAMPLE_RESOURCE}: the group {@code web} of demo HTTP workloads. */
    WEB("web"),
    /** {@code examples/redis/}: the group {@code redis} of real redis-server processes. */
    REDIS(RedisExample.NAME);

    private final String group;

    Example(String group) {
      this.group = group;
    }

    /** The example's group, and its master Service. */
    public String group() {
      return group;
    }
  }

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
   * @param sites 1, or 2 or 3 sites ({@link #SITES}): an API server, operator and kubelet per site
   *     and three etcd members, one per site, reached through a {@link SiteNetwork} ({@code
   *     etcdMembers} is then ignored); {@code apiPort} and {@code proxyPort} are the first site's
   * @param siteRtt the round-trip time between two sites' etcd members and clients
   * @param which the example applied when {@code example}; {@link Example#REDIS} on one site only
   */
  public record Options(
      int etcdMembers,
      int apiPort,
      int proxyPort,
      Optional<Path> kubeconfig,
      boolean example,
      boolean insecureEtcd,
      int sites,
      java.time.Duration siteRtt,
      Example which) {
    /** The {@link Example#WEB} example, when {@code example}. */
    public Options(
        int etcdMembers,
        int apiPort,
        int proxyPort,
        Optional<Path> kubeconfig,
        boolean example,
        boolean insecureEtcd,
        int sites,
        java.time.Duration siteRtt) {
      this(
          etcdMembers,
          apiPort,
          proxyPort,
          kubeconfig,
          example,
          insecureEtcd,
          sites,
          siteRtt,
          Example.WEB);
    }

    /** One site, as before sites existed. */
    public Options(
        int etcdMembers,
        int apiPort,
        int proxyPort,
        Optional<Path> kubeconfig,
        boolean example,
        boolean insecureEtcd) {
      this(
          etcdMembers,
          apiPort,
          proxyPort,
          kubeconfig,
          example,
          insecureEtcd,
          1,
          java.time.Duration.ZERO);
    }
  }

  private static final Logger log = LoggerFactory.getLogger(Sandbox.class);
  // A kubelet restarts a crashed container after 10 s at first (CrashLoopBackOff); so does ours.
  static final java.time.Duration AGENT_RESTART_DELAY = java.time.Duration.ofSeconds(10);

  private final Path root;
  private final Path kubeconfig;
  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private final List<SandboxSite> sites = new ArrayList<>();
  private EtcdCluster etcd;
  private SiteNetwork network;
  private SiteControl siteControl;
  private boolean secured;
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
    siteNames(options.sites());
    if (options.example() && options.which() == Example.REDIS) {
      if (options.sites() > 1) {
        throw new IllegalArgumentException(
            "--example redis runs on one site; leave out --sites or the example");
      }
      RedisExample.requirePrograms(System.getenv("PATH"));
    }
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
    secured = !options.insecureEtcd();
    List<String> names = siteNames(options.sites());
    List<EmbeddedApiServer> apis = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      apis.add(
          track(EmbeddedApiServer.start(i == 0 ? options.apiPort() : 0).validateSchemas(true)));
    }
    if (options.sites() == 1) {
      apis.get(0).writeKubeconfig(kubeconfig);
    } else {
      Kubeconfig.write(kubeconfig, contexts(names, apis));
    }
    if (options.proxyPort() > 0) {
      ServiceProxy.requireFree(options.proxyPort()); // fail before the slow parts start
    }
    EtcdServerSecurity security = secured ? etcdSecurity() : EtcdServerSecurity.plaintext();
    if (options.sites() == 1) {
      etcd = track(EtcdCluster.start(options.etcdMembers(), security));
    } else {
      network = track(SiteNetwork.between(SITES, options.siteRtt()));
      etcd = track(EtcdCluster.start(SITES.size(), security, network.etcdPeering()));
      network.attach(etcd, secured);
      siteControl = track(SiteControl.start(network));
    }
    List<Optional<SandboxEtcdIssuer>> issuers = new ArrayList<>();
    for (EmbeddedApiServer api : apis) {
      issuers.add(
          secured
              ? Optional.of(track(SandboxEtcdIssuer.start(etcd, api.client(), NAMESPACE)))
              : Optional.empty());
    }
    if (secured) {
      AgentClassArchive.trainAgainst(
          etcd.secureEndpoints(), issuers.get(0).get().operatorSecurity());
    } else {
      AgentClassArchive.trainAgainstTheAgentsEtcd();
    }
    for (int i = 0; i < names.size(); i++) {
      List<String> endpoints =
          network == null ? List.of(etcdEndpoints().split(",")) : network.endpoints(names.get(i));
      sites.add(
          track(
              SandboxSite.start(
                  names.get(i),
                  apis.get(i),
                  etcd,
                  issuers.get(i),
                  endpoints,
                  i == 0 ? options.proxyPort() : 0)));
    }
    if (options.example() && options.which() == Example.REDIS) {
      RedisExample.applyTo(sites.get(0));
    } else if (options.example()) {
      sites.forEach(site -> SandboxExample.applyTo(site, options.siteRtt()));
    }
    log.atInfo()
        .addKeyValue("api", api().url())
        .addKeyValue("sites", names.size())
        .addKeyValue("kubeconfig", kubeconfig)
        .addKeyValue("etcd", etcdEndpoints())
        .addKeyValue("secured", securedEtcd())
        .addKeyValue("tookMs", (System.nanoTime() - start) / 1_000_000)
        .log("sandbox started");
  }

  /**
   * The sites with an API server: {@code ""} alone for one site, else the first of {@link #SITES}.
   */
  static List<String> siteNames(int sites) {
    if (sites < 1 || sites > SITES.size()) {
      throw new IllegalArgumentException(
          "--sites must be 1, 2 or 3 (one etcd member per site, three sites), was " + sites);
    }
    return sites == 1 ? List.of("") : SITES.subList(0, sites);
  }

  private static Map<String, String> contexts(List<String> names, List<EmbeddedApiServer> apis) {
    Map<String, String> contexts = new LinkedHashMap<>();
    for (int i = 0; i < names.size(); i++) {
      contexts.put(names.get(i), apis.get(i).url());
    }
    return contexts;
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
    HighAvailabilityGroup hag = SandboxExample.load();
    hag.getSpec().getElection().setTls(null);
    hag.getMetadata().setName(name);
    hag.getMetadata().setNamespace(namespace);
    hag.getSpec().getService().setName(name);
    return hag;
  }

  /**
   * Waits up to {@code timeout} until the service proxy listens for {@code service}; true when it
   * does.
   */
  public boolean awaitService(String service, java.time.Duration timeout) {
    return sites.get(0).awaitService(service, timeout);
  }

  /** The first site's API client (the only site's, in a sandbox of one). */
  public KubernetesClient client() {
    return api().client();
  }

  /** The first site's API server. */
  public EmbeddedApiServer api() {
    return sites.get(0).api();
  }

  public EtcdCluster etcd() {
    return etcd;
  }

  /** The sites with an API server; one, named {@code ""}, unless started with {@code --sites}. */
  public List<SandboxSite> sites() {
    return List.copyOf(sites);
  }

  /** The site named {@code name}, or an exception naming the sites there are. */
  public SandboxSite site(String name) {
    return sites.stream()
        .filter(s -> s.name().equals(name))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "no site " + name + "; the sites are " + String.join(", ", network().sites())));
  }

  /** The WAN between the sites' etcd members; only with {@code --sites} 2 or more. */
  public SiteNetwork network() {
    if (network == null) {
      throw new IllegalStateException("this sandbox has one site; start it with --sites 2 or 3");
    }
    return network;
  }

  /** The HTTP switch that cuts and heals sites; only with {@code --sites} 2 or more. */
  public SiteControl siteControl() {
    network();
    return siteControl;
  }

  /** Whether etcd runs secured (TLS, client certificates, auth), i.e. not --insecure-etcd. */
  public boolean securedEtcd() {
    return secured;
  }

  /** The etcd endpoints groups and the operator use: https when secured. */
  public String etcdEndpoints() {
    return secured ? etcd.secureEndpoints() : etcd.endpoints();
  }

  /**
   * The etcdctl command, without a subcommand, that reads Halo's keys: with the CA and the
   * read-only client certificate when secured.
   */
  public String etcdctl() {
    return issuer()
        .map(SandboxEtcdIssuer::etcdctl)
        .orElse("ETCDCTL_API=3 etcdctl --endpoints " + etcd.endpoints());
  }

  /** Who issues the first site's groups' etcd users and Secrets; empty with --insecure-etcd. */
  public Optional<SandboxEtcdIssuer> issuer() {
    return sites.get(0).issuer();
  }

  /** The first site's kubelet. */
  public LocalKubelet kubelet() {
    return sites.get(0).kubelet();
  }

  /** The first site's service proxy. */
  public ServiceProxy proxy() {
    return sites.get(0).proxy();
  }

  public Path kubeconfig() {
    return kubeconfig;
  }

  /** The HighAvailabilityGroups of the first site's sandbox namespace, by name. */
  public List<HighAvailabilityGroup> groups() {
    return sites.get(0).groups();
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
