package dev.halo.sandbox;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.AgentDefaults;
import dev.halo.common.Labels;
import dev.halo.operator.HaloOperator;
import dev.halo.operator.OperatorConfig;
import dev.halo.operator.model.EtcdSecrets;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Kubernetes cluster of the sandbox: its API server, and the etcd issuer, kubelet, operator and
 * service proxy that work on it, with the etcd endpoints its operator and agents dial. A sandbox of
 * one site has one, named {@code ""}; a multi-site sandbox one per site that has an API server.
 */
public final class SandboxSite implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SandboxSite.class);

  private final String name;
  private final EmbeddedApiServer api;
  private final List<String> etcdEndpoints;
  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private SandboxEtcdIssuer issuer;
  private LocalKubelet kubelet;
  private ServiceProxy proxy;

  private SandboxSite(String name, EmbeddedApiServer api, List<String> etcdEndpoints) {
    this.name = name;
    this.api = api;
    this.etcdEndpoints = List.copyOf(etcdEndpoints);
  }

  /**
   * Starts the parts of site {@code name} on {@code api} (its etcd {@code issuer} when etcd is
   * secured, which the sandbox started and stops): the kubelet, the operator with {@code
   * etcdEndpoints} as its default endpoints, the service proxy (first port {@code proxyPort}, 0:
   * free ports). On failure stops what it started.
   */
  static SandboxSite start(
      String name,
      EmbeddedApiServer api,
      EtcdCluster etcd,
      Optional<SandboxEtcdIssuer> issuer,
      List<String> etcdEndpoints,
      int proxyPort)
      throws java.io.IOException {
    SandboxSite site = new SandboxSite(name, api, etcdEndpoints);
    site.issuer = issuer.orElse(null);
    try {
      site.kubelet =
          site.track(
              LocalKubelet.start(
                  api.client(),
                  Sandbox.NAMESPACE,
                  etcd,
                  LocalKubelet.AgentMode.PROCESS,
                  Sandbox.kubeletOptions()));
      site.track(HaloOperator.start(api.newClient(), site.operatorConfig()));
      site.proxy =
          site.track(ServiceProxy.start(api.client(), Sandbox.NAMESPACE, site.kubelet, proxyPort));
      return site;
    } catch (RuntimeException | java.io.IOException e) {
      site.close();
      throw e;
    }
  }

  private OperatorConfig operatorConfig() {
    String operatorName = name.isEmpty() ? "halo:sandbox" : "halo:sandbox-" + name;
    if (issuer == null) {
      return new OperatorConfig(
          Set.of(Sandbox.NAMESPACE),
          operatorName,
          etcdEndpoints,
          false,
          "",
          "127.0.0.1",
          0,
          AgentDefaults.JVM_OPTIONS);
    }
    return new OperatorConfig(
        Set.of(Sandbox.NAMESPACE),
        operatorName,
        etcdEndpoints,
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

  /** The site's name ({@code ""} in a sandbox of one site). */
  public String name() {
    return name;
  }

  public EmbeddedApiServer api() {
    return api;
  }

  public KubernetesClient client() {
    return api.client();
  }

  public LocalKubelet kubelet() {
    return kubelet;
  }

  public ServiceProxy proxy() {
    return proxy;
  }

  /** Who issues this site's groups' etcd users and Secrets; empty with --insecure-etcd. */
  public Optional<SandboxEtcdIssuer> issuer() {
    return Optional.ofNullable(issuer);
  }

  /** The etcd endpoints this site's operator and agents dial. */
  public List<String> etcdEndpoints() {
    return etcdEndpoints;
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

  /** The HighAvailabilityGroups of the sandbox namespace, by name. */
  public List<HighAvailabilityGroup> groups() {
    return client()
        .resources(HighAvailabilityGroup.class)
        .inNamespace(Sandbox.NAMESPACE)
        .list()
        .getItems()
        .stream()
        .sorted(Comparator.comparing(g -> g.getMetadata().getName()))
        .toList();
  }

  /** The pods of the sandbox namespace, by name. */
  public List<Pod> pods() {
    return client().pods().inNamespace(Sandbox.NAMESPACE).list().getItems().stream()
        .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
        .toList();
  }

  /** The pods of this site labelled master. */
  public List<String> masters() {
    return pods().stream()
        .filter(
            p ->
                p.getMetadata().getLabels() != null
                    && Labels.ROLE_MASTER.equals(p.getMetadata().getLabels().get(Labels.ROLE)))
        .map(p -> p.getMetadata().getName())
        .toList();
  }

  /** Stops the site's parts, last started first; its API server is the sandbox's to stop. */
  @Override
  public void close() {
    while (!started.isEmpty()) {
      AutoCloseable part = started.pop();
      try {
        part.close();
      } catch (Exception e) {
        log.atWarn()
            .addKeyValue("site", name)
            .addKeyValue("part", part.getClass().getSimpleName())
            .addKeyValue("error", e.toString())
            .log("sandbox: a part did not stop cleanly");
      }
    }
  }
}
