package dev.halo.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.common.ElectionKeys;
import dev.halo.sandbox.AgentEnv;
import dev.halo.sandbox.AgentProcess;
import dev.halo.testing.EtcdExtension;
import dev.halo.testing.RoleSampler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Failover between real agent processes when the master dies, stops or freezes. */
class AgentFailoverIT {
  @RegisterExtension static final EtcdExtension etcd = EtcdExtension.members(1);

  private static final int TTL = 2;
  private static final AtomicInteger groups = new AtomicInteger();
  private final List<AgentProcess> agents = new ArrayList<>();

  @AfterEach
  void stopAgents() {
    agents.forEach(AgentProcess::close);
  }

  /** Starts three agents and waits until the first is master and the others queue behind it. */
  private List<AgentProcess> startGroup() {
    String election = ElectionKeys.electionName("failover", "g" + groups.incrementAndGet());
    for (int i = 0; i < 3; i++) {
      AgentProcess agent =
          AgentProcess.start(AgentEnv.of(etcd.cluster().endpoints(), election, "p-" + i).ttl(TTL));
      agents.add(agent);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> agent.status().map(s -> s.get("phase")).orElse("").equals("campaigning"));
    }
    assertThat(agents.get(0).role()).as(agents.get(0).output()).isEqualTo("master");
    return agents;
  }

  private static AgentProcess awaitNewMaster(List<AgentProcess> candidates, Duration within) {
    await()
        .pollInterval(Duration.ofMillis(10))
        .atMost(within)
        .until(() -> candidates.stream().anyMatch(a -> a.role().equals("master")));
    return candidates.stream().filter(a -> a.role().equals("master")).findFirst().orElseThrow();
  }

  @Test
  void standbyTakesOverWithinTtlWhenMasterIsKilled() {
    List<AgentProcess> group = startGroup();
    try (RoleSampler sampler = new RoleSampler(group)) {
      group.get(0).kill();
      long killed = System.nanoTime();
      AgentProcess next = awaitNewMaster(group.subList(1, 3), Duration.ofSeconds(TTL + 1));
      long tookMs = (System.nanoTime() - killed) / 1_000_000;

      assertThat(next.member()).isEqualTo("p-1");
      assertThat(tookMs).isLessThanOrEqualTo((TTL + 1) * 1000L);
      assertThat(sampler.violations()).as(sampler.describe()).isEmpty();
    }
  }

  @Test
  void standbyTakesOverWithinHalfASecondWhenMasterIsTerminated() {
    List<AgentProcess> group = startGroup();
    try (RoleSampler sampler = new RoleSampler(group)) {
      group.get(0).terminate(Duration.ZERO);
      long terminated = System.nanoTime();
      awaitNewMaster(group.subList(1, 3), Duration.ofMillis(500));

      assertThat(group.get(0).waitFor(Duration.ofSeconds(1)))
          .as("exit code within 1 s of SIGTERM\n" + group.get(0).output())
          .isZero();
      assertThat((System.nanoTime() - terminated) / 1_000_000).isLessThan(1500);
      assertThat(group.get(0).output()).contains("reason=shutdown");
      assertThat(sampler.violations()).as(sampler.describe()).isEmpty();
    }
  }

  @Test
  void pausedMasterNeverReportsMasterAfterItsDeadline() {
    List<AgentProcess> group = startGroup();
    AgentProcess old = group.get(0);
    String oldKey = (String) old.status().orElseThrow().get("key");
    try (RoleSampler sampler = new RoleSampler(group)) {
      old.pause();
      awaitNewMaster(group.subList(1, 3), Duration.ofSeconds(TTL + 2));
      // Stay frozen until etcd has expired the old lease, as after a very long GC pause.
      await().until(() -> etcd.cluster().etcdctl("get", oldKey).isBlank());
      old.resume();

      assertThat(old.role()).as("first answer after SIGCONT").isEqualTo("standby");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> old.status().map(s -> s.get("phase")).orElse("").equals("campaigning"));
      assertThat(old.role()).isEqualTo("standby");
      assertThat(old.output()).containsAnyOf("reason=deadline-passed", "reason=lease-lost");
      assertThat(sampler.violations()).as(sampler.describe()).isEmpty();
    }
  }
}
