package dev.halo.testing;

import dev.halo.sandbox.EtcdCluster;
import dev.halo.sandbox.EtcdServerSecurity;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts one {@link EtcdCluster} per test class; register it as {@code @RegisterExtension static
 * final EtcdExtension etcd = EtcdExtension.members(3);}.
 */
public final class EtcdExtension implements BeforeAllCallback, AfterAllCallback {
  private final int members;
  private final EtcdServerSecurity security;
  private EtcdCluster cluster;
  private String ownerId;

  private EtcdExtension(int members, EtcdServerSecurity security) {
    this.members = members;
    this.security = security;
  }

  /** An extension whose cluster has {@code members} (1 or 3) members. */
  public static EtcdExtension members(int members) {
    return new EtcdExtension(members, EtcdServerSecurity.plaintext());
  }

  /** An extension whose cluster is secured by {@code security} (TLS, client certs, auth). */
  public static EtcdExtension secured(int members, EtcdServerSecurity security) {
    return new EtcdExtension(members, security);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    // @Nested classes run beforeAll again; they share the outer class's cluster.
    if (cluster == null) {
      cluster = EtcdCluster.start(members, security);
      ownerId = context.getUniqueId();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (cluster != null && context.getUniqueId().equals(ownerId)) {
      cluster.close();
      cluster = null;
    }
  }

  /** The running cluster of the current test class. */
  public EtcdCluster cluster() {
    if (cluster == null) {
      throw new IllegalStateException(
          "no etcd cluster: register EtcdExtension on a static field with @RegisterExtension");
    }
    return cluster;
  }

  /** Restarts every member a previous test stopped or killed; call it from @BeforeEach. */
  public void ensureAllRunning() {
    cluster().restartAll();
  }
}
