package dev.halo.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.common.ElectionKeys;
import dev.halo.common.FenceValue;
import dev.halo.sandbox.AgentEnv;
import dev.halo.sandbox.InProcessAgent;
import dev.halo.testing.EtcdExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The agent's promotion gate on real etcd: a leader waits while a fence of an older key exists. */
class AgentFenceIT {
  @RegisterExtension static final EtcdExtension etcd = EtcdExtension.members(1);

  private static final AtomicInteger groups = new AtomicInteger();
  private final List<InProcessAgent> agents = new ArrayList<>();
  private final String election = ElectionKeys.electionName("test", "f" + groups.incrementAndGet());

  @AfterEach
  void stopAgents() {
    agents.forEach(InProcessAgent::close);
  }

  private InProcessAgent start(String member) {
    InProcessAgent agent =
        InProcessAgent.start(AgentEnv.of(etcd.cluster().endpoints(), election, member).ttl(5));
    agents.add(agent);
    return agent;
  }

  /** Puts a fence of lease 0x694d (pod old-0) under a lease of {@code ttl} seconds. */
  private String fence(long fencedCreateRevision, int ttl) {
    String lease = etcd.cluster().etcdctl("lease", "grant", String.valueOf(ttl)).split(" ")[1];
    String key = ElectionKeys.fenceKey(election, 0x694dL);
    FenceValue value =
        new FenceValue(
            0x694dL,
            fencedCreateRevision,
            "old-0",
            "",
            "",
            "podDeleted",
            ttl - 1,
            FenceValue.FENCED,
            FenceValue.ARMED);
    etcd.cluster().etcdctl("put", "--lease=" + lease, key, value.encode());
    return key;
  }

  private static Object status(InProcessAgent agent, String field) {
    return agent.status().map(s -> s.get(field)).orElse(null);
  }

  @Test
  void aLeaderWaitsForTheFenceOfAnOlderKeyThenBecomesMaster() {
    String fence = fence(1, 6);
    InProcessAgent leader = start("f-0");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> "campaigning".equals(status(leader, "phase")));

    await()
        .during(Duration.ofMillis(800))
        .atMost(Duration.ofSeconds(2))
        .until(() -> leader.role().equals("standby"));
    assertThat(status(leader, "fencedBy")).isEqualTo("old-0 (lease 694d)");
    assertThat(etcd.cluster().etcdctl("get", fence)).isNotBlank();

    await().atMost(Duration.ofSeconds(10)).until(() -> leader.role().equals("master"));
    assertThat(etcd.cluster().etcdctl("get", fence)).as("the fence has expired").isBlank();
    assertThat(status(leader, "fencedBy")).isEqualTo("");
  }

  @Test
  void aFenceOfAYoungerKeyHoldsNobodyBack() {
    fence(Long.MAX_VALUE / 2, 30);
    InProcessAgent leader = start("y-0");

    await().atMost(Duration.ofSeconds(10)).until(() -> leader.role().equals("master"));
    assertThat(status(leader, "fencedBy")).isEqualTo("");
  }
}
