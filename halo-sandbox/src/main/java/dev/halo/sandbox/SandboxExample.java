package dev.halo.sandbox;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.SiteSpec;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The example group the sandbox applies at start ({@value Sandbox#EXAMPLE_RESOURCE}). */
final class SandboxExample {
  private static final Logger log = LoggerFactory.getLogger(SandboxExample.class);

  private SandboxExample() {}

  /** The example as packaged. */
  static HighAvailabilityGroup load() {
    try (InputStream in =
        Sandbox.class.getClassLoader().getResourceAsStream(Sandbox.EXAMPLE_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            Sandbox.EXAMPLE_RESOURCE + " is not in the jar; rebuild it");
      }
      return Serialization.unmarshal(in, HighAvailabilityGroup.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Applies the example to {@code site}; on a secured etcd its TLS Secret is issued first, so its
   * pods find it, on a plaintext one its TLS settings are left out. On a site of several, the group
   * is one site of the shared group {@value Sandbox#SITE_GROUP}, with two pods, and tells the
   * operator etcd's timing for {@code rtt}.
   */
  static void applyTo(SandboxSite site, Duration rtt) {
    HighAvailabilityGroup hag = load();
    hag.getMetadata().setNamespace(Sandbox.NAMESPACE);
    if (!site.name().isEmpty()) {
      SiteSpec spec = new SiteSpec();
      spec.setName(site.name());
      spec.setGroup(Sandbox.SITE_GROUP);
      spec.setEtcdElectionTimeoutMillis(SiteNetwork.electionTimeoutMillis(rtt));
      spec.setRttMillis((int) rtt.toMillis());
      hag.getSpec().setSite(spec);
      hag.getSpec().setReplicas(Sandbox.SITE_REPLICAS);
      hag.getSpec().setZones(List.of("a", "b"));
    }
    apply(site, hag);
  }

  /**
   * Creates or updates {@code hag} on {@code site}, its etcd TLS settings fitted to the site's etcd
   * (a Secret issued for a secured one, left out for a plaintext one).
   */
  static void apply(SandboxSite site, HighAvailabilityGroup hag) {
    if (site.issuer().isEmpty()) {
      hag.getSpec().getElection().setTls(null);
    } else {
      site.issuer().get().ensure(hag);
    }
    site.client()
        .resource(hag)
        .inNamespace(Sandbox.NAMESPACE)
        .createOr(NonDeletingOperation::update);
    log.atInfo()
        .addKeyValue("site", site.name())
        .addKeyValue("kind", hag.getKind())
        .addKeyValue("name", hag.getMetadata().getName())
        .addKeyValue(
            "etcdTlsSecret",
            site.issuer().isEmpty() ? "" : hag.getSpec().getElection().getTls().getSecretName())
        .log("sandbox: applied the example");
  }
}
