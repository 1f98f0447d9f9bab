package dev.halo.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.common.ElectionKeys;
import dev.halo.etcd.EtcdSecurity;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** An agent of a held-out site says so on {@code /status}, and stops saying so once let in. */
class AgentHeldOutStatusTest {
  private static final String ELECTION = ElectionKeys.siteElectionName("orders");
  private static final String HOLD = ElectionKeys.siteHoldKey(ELECTION, "lyon");
  private final BrokenEtcdClient etcd = new BrokenEtcdClient(ELECTION, "orders-lyon-0");
  private Agent agent;

  @AfterEach
  void stopAgent() {
    if (agent != null) {
      agent.close();
    }
  }

  @Test
  void aHeldOutSitesAgentSaysSoOnStatusUntilItIsLetIn() throws Exception {
    etcd.watchesBreak = false;
    etcd.keysExist = true;
    agent = Agent.start(config("lyon"), etcd);

    await().atMost(Duration.ofSeconds(5)).until(() -> agent.status().heldOut());
    AgentStatus held = agent.status();
    assertThat(held.holdKey()).isEqualTo(HOLD);
    assertThat(held.phase()).isEqualTo("idle");
    assertThat(held.role()).isEqualTo("standby");
    assertThat(Json.write(held)).contains("\"heldOut\":true", "\"holdKey\":\"" + HOLD + "\"");

    etcd.keysExist = false;
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> !agent.status().heldOut() && agent.role() == Role.MASTER);
    assertThat(agent.status().holdKey()).isEqualTo(HOLD);
  }

  @Test
  void anAgentOfAGroupOnOneSiteIsNeverHeldOutAndNamesNoHoldKey() throws Exception {
    etcd.watchesBreak = false;
    etcd.keysExist = true;
    agent = Agent.start(config(""), etcd);

    await().atMost(Duration.ofSeconds(5)).until(() -> agent.role() == Role.MASTER);
    assertThat(agent.status().heldOut()).isFalse();
    assertThat(agent.status().holdKey()).isEmpty();
  }

  @Test
  void anAgentHeldOutAsAMemberSaysWhyAndCampaignsOnceTheHoldGoes() throws Exception {
    etcd.watchesBreak = false;
    etcd.memberHold = "spec.election.neverMaster.zones: c";
    agent = Agent.start(config(""), etcd);

    String key = ElectionKeys.memberHoldKey(ELECTION, "", "orders-lyon-0");
    await().atMost(Duration.ofSeconds(5)).until(() -> agent.status().heldOut());
    AgentStatus held = agent.status();
    assertThat(held.phase()).isEqualTo("idle");
    assertThat(held.role()).isEqualTo("standby");
    assertThat(held.memberHoldKey()).isEqualTo(key);
    assertThat(held.heldOutReason())
        .isEqualTo("member held out (spec.election.neverMaster.zones: c): " + key);

    etcd.memberHold = null;
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> !agent.status().heldOut() && agent.role() == Role.MASTER);
    assertThat(agent.status().heldOutReason()).isEmpty();
  }

  private static AgentConfig config(String site) {
    return new AgentConfig(
        List.of(URI.create("http://127.0.0.1:1")),
        EtcdSecurity.none(),
        ELECTION,
        "orders-lyon-0",
        5,
        "127.0.0.1",
        0,
        Optional.empty(),
        Duration.ofSeconds(1),
        3,
        Optional.empty(),
        Optional.empty(),
        "",
        "",
        Optional.empty(),
        site,
        site.isEmpty() ? "" : "127.0.0.1");
  }
}
