package dev.halo.etcd;

import static dev.halo.etcd.SecuredAgents.field;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.agent.ElectionClient;
import dev.halo.agent.JetcdElectionClient;
import dev.halo.agent.Role;
import dev.halo.common.ElectionKeys;
import dev.halo.sandbox.AgentEnv;
import dev.halo.sandbox.CertificateAuthority;
import dev.halo.sandbox.CertificateAuthority.Issued;
import dev.halo.sandbox.CertificateAuthority.KeyFormat;
import dev.halo.sandbox.EtcdServerSecurity;
import dev.halo.sandbox.EtcdServerSecurity.User;
import dev.halo.sandbox.InProcessAgent;
import dev.halo.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Mutual TLS with RBAC: etcd takes the client certificate's CN as the user. */
class EtcdTlsIT {
  // "/halo" covers the group keys under /halo/ and the step-down keys under /halo-stepdown/.
  @RegisterExtension
  static final EtcdExtension etcd =
      EtcdExtension.secured(
          1,
          EtcdServerSecurity.tlsOnly()
              .withClientCertAuth()
              .withUsers(
                  new User("halo-agent", "unused", "/halo"),
                  new User("rotate-old", "unused", "/halo"),
                  new User("rotate-new", "unused", "/halo"),
                  new User("outsider", "unused", "/elsewhere/")));

  private static final AtomicInteger groups = new AtomicInteger();
  private final String election = ElectionKeys.electionName("tls", "g" + groups.incrementAndGet());
  private final SecuredAgents agents = new SecuredAgents();
  @TempDir Path dir;

  @AfterEach
  void stop() {
    agents.close();
  }

  private CertificateAuthority ca() {
    return etcd.cluster().certificateAuthority();
  }

  private AgentEnv env(String member, Path caFile, Path cert, Path key) {
    return AgentEnv.of(etcd.cluster().secureEndpoints(), election, member)
        .ttl(10)
        .set("HALO_ETCD_CACERT", caFile.toString())
        .set("HALO_ETCD_CERT", cert.toString())
        .set("HALO_ETCD_KEY", key.toString());
  }

  private InProcessAgent start(String member, Issued client) {
    return agents.start(env(member, ca().caFile(), client.cert(), client.key()));
  }

  @Test
  void anAgentWithAPkcs1KeyIsElectedWithItsCertificatesCnAsTheUser() {
    InProcessAgent agent = start("c-0", ca().client("c0", "halo-agent", KeyFormat.PKCS1, false));

    await().atMost(Duration.ofSeconds(10)).until(() -> agent.role().equals("master"));
  }

  @Test
  void anAgentWithASec1EcKeyIsElected() {
    InProcessAgent agent = start("e-0", ca().client("e0", "halo-agent", KeyFormat.SEC1, false));

    await().atMost(Duration.ofSeconds(10)).until(() -> agent.role().equals("master"));
  }

  @Test
  void aCertificateWhoseUserLacksPermissionIsPermissionDenied() {
    InProcessAgent agent = start("o-0", ca().client("o0", "outsider", KeyFormat.PKCS8, false));

    // One /status answer for both fields: a second call can time out on a loaded machine.
    java.util.Map<String, Object> status =
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    agent
                        .status()
                        .filter(
                            st -> "PermissionDenied".equals(String.valueOf(st.get("etcdFailure"))))
                        .orElse(null),
                java.util.Objects::nonNull);
    assertThat(String.valueOf(status.get("etcdFailureMessage"))).contains("outsider");
  }

  @Test
  void anExpiredClientCertificateIsCertificateExpired() {
    InProcessAgent agent = start("x-0", ca().client("x0", "halo-agent", KeyFormat.PKCS8, true));

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> field(agent, "etcdFailure").equals("CertificateExpired"));
    assertThat(field(agent, "etcdFailureMessage")).contains("x0.crt").contains("renew");
  }

  @Test
  void aServerCertificateFromAnUntrustedCaIsTlsFailed() {
    CertificateAuthority other = CertificateAuthority.create(dir.resolve("other"), "other");
    Issued client = ca().client("u0", "halo-agent", KeyFormat.PKCS8, false);
    InProcessAgent agent = agents.start(env("u-0", other.caFile(), client.cert(), client.key()));

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> field(agent, "etcdFailure").equals("TLSFailed"));
    assertThat(field(agent, "etcdFailureMessage")).contains("not signed").contains("other-ca.crt");
  }

  @Test
  void aRotatedClientCertificateIsUsedByNewConnectionsWithoutLosingTheTerm() throws Exception {
    Path volume = dir.resolve("tls");
    Issued old = ca().client("old", "rotate-old", KeyFormat.PKCS1, false);
    Issued rotated = ca().client("new", "rotate-new", KeyFormat.PKCS8, false);
    SecuredAgents.project(
        volume, Map.of("ca.crt", ca().caFile(), "tls.crt", old.cert(), "tls.key", old.key()));
    Path caFile = volume.resolve("ca.crt");
    Path cert = volume.resolve("tls.crt");
    Path key = volume.resolve("tls.key");
    InProcessAgent agent = agents.start(env("t-0", caFile, cert, key));
    await().atMost(Duration.ofSeconds(10)).until(() -> agent.role().equals("master"));
    String lease = await().until(() -> field(agent, "leaseId"), l -> !l.isEmpty());
    List<URI> endpoints = List.of(URI.create(etcd.cluster().secureEndpoints()));
    try (ElectionClient client =
        new JetcdElectionClient(
            endpoints,
            dev.halo.etcd.EtcdSecurity.none().withCaFile(caFile).withClientCertificate(cert, key),
            Duration.ofSeconds(2))) {
      assertThat(client.exists(election).get(2, TimeUnit.SECONDS)).isFalse();

      SecuredAgents.project(
          volume,
          Map.of("ca.crt", ca().caFile(), "tls.crt", rotated.cert(), "tls.key", rotated.key()));
      revokeRole("rotate-old");
      // New connections: etcd restarts (the lease outlives it); the clients are not rebuilt.
      etcd.cluster().stop(0);
      etcd.cluster().restart(0);

      // Only the new certificate (CN rotate-new) may still read.
      await()
          .atMost(Duration.ofSeconds(30))
          .ignoreExceptions()
          .until(() -> !client.exists(election).get(2, TimeUnit.SECONDS));
    }
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(6))
        .until(() -> agent.role().equals("master"));
    assertThat(agents.history("t-0")).extracting(t -> t.to()).containsExactly(Role.MASTER);
    assertThat(field(agent, "leaseId")).isEqualTo(lease);
  }

  private static void revokeRole(String user) throws Exception {
    try (Client admin = etcd.cluster().admin()) {
      admin
          .getAuthClient()
          .userRevokeRole(bytes(user), bytes(user + "-role"))
          .get(5, TimeUnit.SECONDS);
    }
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
