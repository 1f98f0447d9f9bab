package dev.halo.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.common.ElectionKeys;
import dev.halo.sandbox.AgentEnv;
import dev.halo.sandbox.Http;
import dev.halo.sandbox.InProcessAgent;
import dev.halo.testing.EtcdExtension;
import dev.halo.testing.RoleSampler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Agents on a 3-member etcd while members or the whole cluster fail (TTL 5, the default). */
class EtcdFailuresIT {
  @RegisterExtension static final EtcdExtension etcd = EtcdExtension.members(3);

  private static final int TTL = 5;
  private static final AtomicInteger groups = new AtomicInteger();
  private final List<InProcessAgent> agents = new ArrayList<>();

  @BeforeEach
  void allMembersUp() {
    etcd.ensureAllRunning();
  }

  @AfterEach
  void stopAgents() {
    agents.forEach(InProcessAgent::close);
  }

  private List<InProcessAgent> startGroup() {
    String election = ElectionKeys.electionName("etcd", "g" + groups.incrementAndGet());
    for (int i = 0; i < 3; i++) {
      InProcessAgent agent =
          InProcessAgent.start(
              AgentEnv.of(etcd.cluster().endpoints(), election, "e-" + i).ttl(TTL));
      agents.add(agent);
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> agent.status().map(s -> s.get("phase")).orElse("").equals("campaigning"));
    }
    assertThat(agents.get(0).role()).isEqualTo("master");
    return agents;
  }

  @Test
  void killingTheRaftLeaderDoesNotChangeTheMaster() {
    List<InProcessAgent> group = startGroup();
    InProcessAgent master = group.get(0);
    try (RoleSampler sampler = new RoleSampler(group)) {
      int raftLeader = etcd.cluster().leaderIndex();
      etcd.cluster().kill(raftLeader);
      // Through the raft election and for a full TTL after it, the master stays master.
      await()
          .atMost(Duration.ofSeconds(15))
          .until(() -> etcd.cluster().leaderIndex() != raftLeader);
      long until = System.nanoTime() + Duration.ofSeconds(TTL).toNanos();
      while (System.nanoTime() < until) {
        assertThat(master.role()).isEqualTo("master");
        assertThat(group.subList(1, 3)).allMatch(a -> a.role().equals("standby"));
      }
      // Renewals can stall for 2-4 s around a raft election, and a renewal that timed out in it
      // ends its stream: the master gets through to etcd again soon after.
      await().atMost(Duration.ofSeconds(TTL)).until(() -> master.agent().status().etcdReachable());
      assertThat(master.role()).isEqualTo("master");
      assertThat(sampler.violations()).as(sampler.describe()).isEmpty();
    }
  }

  @Test
  void fullOutageDemotesBeforeTheDeadlineAndOneMasterReturns() {
    List<InProcessAgent> group = startGroup();
    InProcessAgent master = group.get(0);
    try (RoleSampler sampler = new RoleSampler(group)) {
      etcd.cluster().stopAll();
      long stopped = System.nanoTime();
      await().atMost(Duration.ofSeconds(TTL)).until(() -> master.role().equals("standby"));
      long demotedAfterMs = (System.nanoTime() - stopped) / 1_000_000;
      // The last renewal happened before the stop, so the deadline (renewal + TTL - 1 s) came
      // before stop + TTL - 1 s: no agent may claim master past it.
      assertThat(demotedAfterMs).isLessThan((TTL - 1) * 1000L);
      assertThat(group).allMatch(a -> a.role().equals("standby"));
      assertThat(master.agent().status().etcdReachable()).isFalse();

      etcd.cluster().restartAll();
      long restarted = System.nanoTime();
      await()
          .atMost(Duration.ofSeconds(TTL))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> group.stream().filter(a -> a.role().equals("master")).count() == 1);
      long backAfterMs = (System.nanoTime() - restarted) / 1_000_000;

      // Leases survive the restart: the agents re-attach them and the same queue comes back,
      // without a stale key blocking it for a TTL.
      assertThat(master.role()).isEqualTo("master");
      assertThat(backAfterMs).isLessThan(TTL * 1000L);
      assertThat(Http.get("http://127.0.0.1:" + master.port() + "/metrics", Duration.ofSeconds(1)))
          .hasValueSatisfying(m -> assertThat(m).contains("reason=\"etcd-unreachable\""));
      assertThat(sampler.violations()).as(sampler.describe()).isEmpty();
    }
  }
}
