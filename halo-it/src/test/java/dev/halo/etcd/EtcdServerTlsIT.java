package dev.halo.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.common.ElectionKeys;
import dev.halo.sandbox.AgentEnv;
import dev.halo.sandbox.EtcdServerSecurity;
import dev.halo.sandbox.InProcessAgent;
import dev.halo.testing.EtcdExtension;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * TLS without client certificates or authentication: the agents verify etcd's server certificate
 * with the CA alone ({@code HALO_ETCD_CACERT}) and elect as over plaintext.
 */
class EtcdServerTlsIT {
  @RegisterExtension
  static final EtcdExtension etcd = EtcdExtension.secured(1, EtcdServerSecurity.tlsOnly());

  private final SecuredAgents agents = new SecuredAgents();

  @AfterEach
  void stop() {
    agents.close();
  }

  private AgentEnv env(String member) {
    return AgentEnv.of(
            etcd.cluster().secureEndpoints(), ElectionKeys.electionName("tls-only", "g"), member)
        .ttl(5)
        .set("HALO_ETCD_CACERT", etcd.cluster().certificateAuthority().caFile().toString());
  }

  @Test
  void agentsThatTrustTheCaElectOneMasterAndHandOverOnResign() {
    assertThat(etcd.cluster().secureEndpoints()).startsWith("https://");
    InProcessAgent first = agents.start(env("t-0"));
    await().atMost(Duration.ofSeconds(10)).until(() -> first.role().equals("master"));
    InProcessAgent second = agents.start(env("t-1"));
    await().atMost(Duration.ofSeconds(10)).until(() -> second.role().equals("standby"));
    assertThat(first.role()).isEqualTo("master");

    first.close();

    await().atMost(Duration.ofSeconds(10)).until(() -> second.role().equals("master"));
  }
}
