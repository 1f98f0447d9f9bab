package dev.halo.bench;

import dev.halo.common.AgentDefaults;
import dev.halo.common.ElectionKeys;
import dev.halo.sandbox.AgentClassArchive;
import dev.halo.sandbox.AgentEnv;
import dev.halo.sandbox.AgentProcess;
import dev.halo.sandbox.EtcdCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Measures the elector agent as an OS process with the JVM options the operator injects: time from
 * process start to campaigning (as in a pod, and with the sandbox's class archive), and RSS after
 * the agents have been up a while. Writes target/bench/agent.json. How fast an agent takes over is
 * measured end to end, with the operator, by {@link FailoverBench}. Run with {@code make bench}
 * ({@code --quick} for fewer samples and a shorter settle).
 */
public final class AgentBench {
  private static final Duration POLL = Duration.ofMillis(2);

  private final EtcdCluster etcd;
  private int groups;

  private AgentBench(EtcdCluster etcd) {
    this.etcd = etcd;
  }

  public static void main(String[] args) {
    Mains.exitWith("bench: agent", () -> run(args));
  }

  private static int run(String[] args) throws Exception {
    boolean quick = List.of(args).contains("--quick");
    try (EtcdCluster etcd = EtcdCluster.start(1)) {
      AgentBench bench = new AgentBench(etcd);
      int starts = quick ? 3 : 8;
      Map<String, Object> figures = new LinkedHashMap<>();
      figures.put("jvmOptions", AgentDefaults.JVM_OPTIONS);
      figures.put(
          "footprint",
          bench.footprint(starts, quick ? Duration.ofSeconds(10) : Duration.ofSeconds(20)));
      if (AgentClassArchive.prepare(AgentProcess.agentJar(), etcd.endpoints())) {
        figures.put("withClassArchive", bench.startsWithArchive(starts));
      }
      System.out.println("wrote " + BenchReport.write("agent.json", figures));
      System.out.println(figures);
    }
    return 0;
  }

  /**
   * Starts {@code starts} agents of one group one after the other as in a pod (no class archive),
   * timing each from process start until campaigning; RSS of each after {@code settle}.
   */
  private Map<String, Object> footprint(int starts, Duration settle) {
    List<Long> startMs = new ArrayList<>();
    List<AgentProcess> agents = new ArrayList<>();
    String election = nextElection();
    try {
      for (int i = 0; i < starts; i++) {
        long t0 = System.nanoTime();
        AgentProcess agent = AgentProcess.startAsInAPod(env(election, "f-" + i));
        agents.add(agent);
        awaitPhase(agent, "campaigning", Duration.ofSeconds(30));
        startMs.add(elapsedMs(t0));
      }
      sleepUntil(System.nanoTime() + settle.toNanos());
      List<Long> rssMib = agents.stream().map(a -> a.rssKib() / 1024).toList();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("startToCampaigning", Stats.of(startMs).asMap());
      m.put("startToCampaigningSamplesMs", startMs);
      m.put("rssMiBAfterSeconds", settle.toSeconds());
      m.put("rssMiB", rssMib);
      m.put("masterRssMiB", rssMib.get(0));
      return m;
    } finally {
      agents.forEach(AgentProcess::close);
    }
  }

  /** The same starts with the sandbox's class archive (JDK AppCDS), one at a time. */
  private Map<String, Object> startsWithArchive(int starts) {
    List<Long> startMs = new ArrayList<>();
    String election = nextElection();
    for (int i = 0; i < starts; i++) {
      long t0 = System.nanoTime();
      try (AgentProcess agent = AgentProcess.start(env(election, "a-" + i))) {
        awaitPhase(agent, "campaigning", Duration.ofSeconds(30));
        startMs.add(elapsedMs(t0));
      }
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("startToCampaigning", Stats.of(startMs).asMap());
    m.put("startToCampaigningSamplesMs", startMs);
    return m;
  }

  private String nextElection() {
    return ElectionKeys.electionName("bench", "g" + ++groups);
  }

  private AgentEnv env(String election, String member) {
    return AgentEnv.of(etcd.endpoints(), election, member).ttl(5);
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
