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
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Agents as OS processes, started as the sandbox starts them (the production JVM options: a 24 MiB
 * heap that ends the process on OutOfMemoryError), while etcd members are killed with SIGKILL, the
 * raft leader and a follower in turn. The in-process agents of {@link EtcdFailuresIT} share the
 * test JVM's large heap and hid a re-watch storm that killed these.
 */
class EtcdMemberKillsIT {
  @RegisterExtension static final EtcdExtension etcd = EtcdExtension.members(3);

  private static final int TTL = 5;
  private static final String WATCH_ENDED = "election watch ended";

  /** Re-watching backs off from 100 ms: a handful of these lines a second, never hundreds. */
  private static final int MAX_WATCH_ENDS_PER_SECOND = 20;

  private final List<AgentProcess> agents = new ArrayList<>();

  @AfterEach
  void stopAgents() {
    agents.forEach(AgentProcess::close);
    etcd.ensureAllRunning();
  }

  @Test
  void killingRaftLeaderAndFollowerRepeatedlyKillsNoAgentAndKeepsTheMaster() throws Exception {
    String election = ElectionKeys.electionName("kills", "g");
    for (int i = 0; i < 3; i++) {
      AgentProcess agent =
          AgentProcess.start(AgentEnv.of(etcd.cluster().endpoints(), election, "k-" + i).ttl(TTL));
      agents.add(agent);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> agent.status().map(s -> s.get("phase")).orElse("").equals("campaigning"));
    }
    AgentProcess master = agents.get(0);
    assertThat(master.role()).isEqualTo("master");

    AtomicInteger demotions = new AtomicInteger();
    try (RoleSampler sampler = new RoleSampler(agents);
        AutoCloseable watcher = watchRole(master, demotions)) {
      for (int round = 0; round < 4; round++) {
        int raftLeader = etcd.cluster().leaderIndex();
        int victim = round % 2 == 0 ? raftLeader : (raftLeader + 1) % 3;
        etcd.cluster().kill(victim);
        // Waits out the raft election when the leader went; the member stays down meanwhile.
        etcd.cluster().leaderIndex();
        await()
            .atMost(Duration.ofSeconds(TTL))
            .until(
                () -> master.status().map(s -> s.get("etcdReachable")).orElse(false).equals(true));
        etcd.cluster().restart(victim);
        assertThat(agents).as(this::outputs).allMatch(AgentProcess::isAlive);
      }
      assertThat(sampler.violations()).as(sampler.describe()).isEmpty();
    }
    assertThat(agents).as(this::outputs).allMatch(AgentProcess::isAlive);
    // A demotion here means the master could not confirm its lease before its deadline; the agents'
    // logs say whether keepalives stalled past it or the lease was lost.
    assertThat(demotions.get())
        .as(() -> "samples where the master said standby" + outputs())
        .isZero();
    assertThat(master.role()).isEqualTo("master");
    for (AgentProcess agent : agents) {
      System.out.printf(
          "%s: %d '%s' lines, at most %d in one second%n",
          agent.member(),
          agent.output().lines().filter(l -> l.contains(WATCH_ENDED)).count(),
          WATCH_ENDED,
          maxPerSecond(agent.output(), WATCH_ENDED));
      assertThat(maxPerSecond(agent.output(), WATCH_ENDED))
          .as("most '%s' lines in one second, %s", WATCH_ENDED, agent.member())
          .isLessThanOrEqualTo(MAX_WATCH_ENDS_PER_SECOND);
    }
  }

  /** Samples the master's /role every 50 ms and counts the answers "standby". */
  private static AutoCloseable watchRole(AgentProcess master, AtomicInteger demotions) {
    Thread t =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                if (master.role().equals("standby")) {
                  demotions.incrementAndGet();
                }
                try {
                  Thread.sleep(50);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "master-role-watch");
    t.setDaemon(true);
    t.start();
    return () -> {
      t.interrupt();
      t.join(5000);
    };
  }

  /** The most log lines containing {@code text} that carry the same second in their timestamp. */
  static int maxPerSecond(String output, String text) {
    Map<String, Integer> bySecond =
        output
            .lines()
            .filter(l -> l.contains(text) && l.length() >= 19)
            .collect(Collectors.toMap(l -> l.substring(0, 19), l -> 1, Integer::sum, TreeMap::new));
    return bySecond.values().stream().mapToInt(Integer::intValue).max().orElse(0);
  }

  private String outputs() {
    StringBuilder s = new StringBuilder();
    for (AgentProcess a : agents) {
      List<String> lines = a.output().lines().toList();
      s.append("\n--- ")
          .append(a.member())
          .append(a.isAlive() ? " (running)" : " (exited)")
          .append(", last 40 lines:\n")
          .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())));
    }
    return s.toString();
  }
}
