package dev.halo.bench;

import dev.halo.common.AgentDefaults;
import dev.halo.common.ElectionKeys;
import dev.halo.sandbox.AgentEnv;
import dev.halo.sandbox.AgentProcess;
import dev.halo.sandbox.EtcdCluster;
import dev.halo.testing.RoleSampler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Measures the elector agent as an OS process with the JVM options the operator injects: time from
 * process start to campaigning, RSS 30 s after election, and the time until a standby reports
 * master after the master is killed (kill -9, TTL 5 and 2) or terminated (SIGTERM). Writes
 * target/bench/agent.json. Run with {@code make bench} ({@code --quick} for 5 rounds).
 */
public final class AgentBench {
  private static final Duration POLL = Duration.ofMillis(2);

  private final EtcdCluster etcd;
  private final int rounds;
  private int groups;

  private AgentBench(EtcdCluster etcd, int rounds) {
    this.etcd = etcd;
    this.rounds = rounds;
  }

  public static void main(String[] args) throws Exception {
    boolean quick = List.of(args).contains("--quick");
    try (EtcdCluster etcd = EtcdCluster.start(1)) {
      AgentBench bench = new AgentBench(etcd, quick ? 5 : 20);
      Map<String, Object> figures = new LinkedHashMap<>();
      figures.put("jvmOptions", AgentDefaults.JVM_OPTIONS);
      figures.put(
          "footprint", bench.footprint(quick ? Duration.ofSeconds(10) : Duration.ofSeconds(30)));
      Map<String, Object> failover = new LinkedHashMap<>();
      failover.put("kill9Ttl5", bench.handovers(5, false));
      failover.put("kill9Ttl2", bench.handovers(2, false));
      failover.put("sigtermTtl5", bench.handovers(5, true));
      figures.put("failover", failover);
      System.out.println("wrote " + BenchReport.write("agent.json", figures));
      System.out.println(figures);
    }
  }

  /** Starts three agents one by one, timing each until campaigning; RSS after {@code settle}. */
  private Map<String, Object> footprint(Duration settle) {
    List<Long> startMs = new ArrayList<>();
    List<AgentProcess> agents = new ArrayList<>();
    String election = nextElection();
    try {
      for (int i = 0; i < 3; i++) {
        long t0 = System.nanoTime();
        AgentProcess agent = AgentProcess.startAsInAPod(env(election, "f-" + i, 5));
        agents.add(agent);
        awaitPhase(agent, "campaigning", Duration.ofSeconds(30));
        startMs.add(elapsedMs(t0));
      }
      sleepUntil(System.nanoTime() + settle.toNanos());
      List<Long> rssMib = agents.stream().map(a -> a.rssKib() / 1024).toList();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("startToCampaigning", Stats.of(startMs).asMap());
      m.put("rssMiBAfterSeconds", settle.toSeconds());
      m.put("rssMiB", rssMib);
      m.put("masterRssMiB", rssMib.get(0));
      return m;
    } finally {
      agents.forEach(AgentProcess::close);
    }
  }

  /** Kills or terminates the master {@code rounds} times, replacing it each time. */
  private Map<String, Object> handovers(int ttl, boolean graceful) {
    String election = nextElection();
    List<AgentProcess> group = new ArrayList<>();
    List<Long> millis = new ArrayList<>();
    int next = 0;
    try {
      for (; next < 3; next++) {
        group.add(AgentProcess.startAsInAPod(env(election, "h-" + next, ttl)));
      }
      for (AgentProcess a : group) {
        awaitPhase(a, "campaigning", Duration.ofSeconds(30));
      }
      long dualMaster = 0;
      for (int round = 0; round < rounds; round++) {
        AgentProcess master = awaitMaster(group, Duration.ofSeconds(30));
        List<AgentProcess> others = new ArrayList<>(group);
        others.remove(master);
        try (RoleSampler sampler = new RoleSampler(group)) {
          long t0 = System.nanoTime();
          if (graceful) {
            master.terminate(Duration.ZERO);
          } else {
            master.kill();
          }
          awaitMaster(others, Duration.ofSeconds(ttl + 10));
          millis.add(elapsedMs(t0));
          dualMaster += sampler.violations().size();
        }
        master.close();
        group.remove(master);
        AgentProcess replacement = AgentProcess.startAsInAPod(env(election, "h-" + next++, ttl));
        group.add(replacement);
        awaitPhase(replacement, "campaigning", Duration.ofSeconds(30));
      }
      Map<String, Object> m = new LinkedHashMap<>(Stats.of(millis).asMap());
      m.put("ttlSeconds", ttl);
      m.put("dualMasterObservations", dualMaster);
      m.put("samplesMs", millis);
      return m;
    } finally {
      group.forEach(AgentProcess::close);
    }
  }

  private String nextElection() {
    return ElectionKeys.electionName("bench", "g" + ++groups);
  }

  private AgentEnv env(String election, String member, int ttl) {
    return AgentEnv.of(etcd.endpoints(), election, member).ttl(ttl);
  }

  private static void awaitPhase(AgentProcess agent, String phase, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!agent.status().map(s -> s.get("phase")).orElse("").equals(phase)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(agent.member() + " not " + phase + ":\n" + agent.output());
      }
      sleepUntil(System.nanoTime() + POLL.toNanos());
    }
  }

  private static AgentProcess awaitMaster(List<AgentProcess> agents, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<AgentProcess> master =
          agents.stream().filter(a -> a.role().equals("master")).findFirst();
      if (master.isPresent()) {
        return master.get();
      }
      sleepUntil(System.nanoTime() + POLL.toNanos());
    }
    throw new IllegalStateException(
        "no master among " + agents.stream().map(AgentProcess::member).toList());
  }

  private static long elapsedMs(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }

  private static void sleepUntil(long nanos) {
    long left;
    while ((left = nanos - System.nanoTime()) > 0) {
      try {
        Thread.sleep(Math.max(1, left / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
