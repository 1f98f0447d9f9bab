package dev.halo.bench;

import dev.halo.common.AgentDefaults;
import dev.halo.common.ElectionKeys;
import dev.halo.sandbox.AgentClassArchive;
import dev.halo.sandbox.AgentEnv;
import dev.halo.sandbox.AgentProcess;
import dev.halo.sandbox.EtcdCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Measures the elector agent as an OS process started as a pod starts it (the JVM options the
 * operator injects, one agent after the other, real etcd), against the targets of a sidecar that
 * runs in every pod: process start to campaigning, RSS 30 s after being elected, classes loaded by
 * campaigning, and the master's CPU meanwhile. By default on this JVM's Java with the agent's jar
 * (as the sandbox and the tests run it; also with the sandbox's class archive), writing
 * target/bench/agent.json; with {@code --image <bundle>} on the agent image of {@code make image}
 * as {@code umoci unpack} left it (its Java 25, JDK_JAVA_OPTIONS and AOT cache, under chroot),
 * writing agent-image.json. How fast an agent takes over is measured end to end, with the operator,
 * by {@link FailoverBench}. Run with {@code make bench} ({@code --quick}: fewer starts).
 */
public final class AgentBench {
  static final int TARGET_RSS_MIB = 56;
  static final long TARGET_START_MS = 300;
  private static final Duration AFTER_ELECTION = Duration.ofSeconds(30);
  private static final Duration POLL = Duration.ofMillis(2);

  private final EtcdCluster etcd;
  private final AgentProcess.Launcher launcher;
  private int groups;

  private AgentBench(EtcdCluster etcd, AgentProcess.Launcher launcher) {
    this.etcd = etcd;
    this.launcher = launcher;
  }

  public static void main(String[] args) {
    Mains.exitWith("bench: agent", () -> run(args));
  }

  private static int run(String[] args) throws Exception {
    List<String> options = List.of(args);
    boolean quick = options.contains("--quick");
    int image = options.indexOf("--image");
    Map<String, Object> figures = new LinkedHashMap<>();
    AgentProcess.Launcher launcher;
    String file;
    if (image >= 0) {
      AgentImage agentImage = AgentImage.read(Path.of(options.get(image + 1)));
      launcher = agentImage.launcher();
      file = "agent-image.json";
      figures.put("runtime", "the agent image (" + agentImage.describe().get("java") + ")");
      figures.put("image", agentImage.describe());
    } else {
      launcher = AgentProcess.Launcher.thisJava();
      file = "agent.json";
      figures.put(
          "runtime", "Java " + Runtime.version() + ", " + Path.of(launcher.jar()).getFileName());
    }
    figures.put("jvmOptions", AgentDefaults.JVM_OPTIONS);
    figures.put(
        "targets", Map.of("rssMiB", TARGET_RSS_MIB, "startToCampaigningMs", TARGET_START_MS));
    figures.put("loadAverageAtStart", loadAverage());
    try (EtcdCluster etcd = EtcdCluster.start(1)) {
      AgentBench bench = new AgentBench(etcd, launcher);
      int starts = quick ? 3 : 8;
      Map<String, Object> footprint = bench.footprint(starts);
      figures.put("footprint", footprint);
      figures.put("classesLoadedByCampaigning", bench.classesLoaded());
      if (image < 0 && AgentClassArchive.prepare(AgentProcess.agentJar(), etcd.endpoints())) {
        figures.put("withClassArchive", bench.startsWithArchive(starts));
      }
      figures.put("loadAverageAtEnd", loadAverage());
      figures.put("meetsTargets", meetsTargets(footprint));
      System.out.println("wrote " + BenchReport.write(file, figures));
      System.out.println(figures);
    }
    return 0;
  }

  /**
   * Starts {@code starts} agents of one group one after the other (no class archive but what the
   * runtime itself brings), timing each from process start until campaigning; the first is elected.
   * 30 s after its election: the RSS of each, and the master's CPU over those 30 s.
   */
  private Map<String, Object> footprint(int starts) {
    List<Long> startMs = new ArrayList<>();
    List<AgentProcess> agents = new ArrayList<>();
    String election = nextElection();
    try {
      for (int i = 0; i < starts; i++) {
        long t0 = System.nanoTime();
        AgentProcess agent = AgentProcess.start(launcher, env(election, "f-" + i), List.of());
        agents.add(agent);
        awaitStatus(agent, "phase", "campaigning");
        startMs.add(elapsedMs(t0));
        if (i == 0) {
          awaitStatus(agent, "role", "master");
        }
      }
      AgentProcess master = agents.get(0);
      long elected = System.nanoTime();
      long cpu0 = cpuTicks(master.pid());
      sleepUntil(elected + AFTER_ELECTION.toNanos());
      // Clock ticks are hundredths of a second: ticks per second is the percentage of a core.
      double cpuPercent = (cpuTicks(master.pid()) - cpu0) / secondsSince(elected);
      List<Long> rssMib = agents.stream().map(a -> a.rssKib() / 1024).toList();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("startToCampaigning", Stats.of(startMs).asMap());
      m.put("startToCampaigningSamplesMs", startMs);
      m.put("rssMiBAfterElectionSeconds", AFTER_ELECTION.toSeconds());
      m.put("masterRssMiB", rssMib.get(0));
      m.put("rssMiB", rssMib);
      m.put("masterCpuPercentOfACore", Math.round(cpuPercent * 100) / 100.0);
      return m;
    } finally {
      agents.forEach(AgentProcess::close);
    }
  }

  /** One more agent that logs each class it loads: how many by the time it campaigns. */
  private long classesLoaded() {
    try (AgentProcess agent =
        AgentProcess.start(
            launcher, env(nextElection(), "classes"), List.of("-Xlog:class+load:stdout"))) {
      awaitStatus(agent, "phase", "campaigning");
      return agent.output().lines().filter(l -> l.contains("[class,load]")).count();
    }
  }

  /** The same starts with the sandbox's class archive (JDK AppCDS), one at a time. */
  private Map<String, Object> startsWithArchive(int starts) {
    List<Long> startMs = new ArrayList<>();
    String election = nextElection();
    for (int i = 0; i < starts; i++) {
      long t0 = System.nanoTime();
      try (AgentProcess agent = AgentProcess.start(env(election, "a-" + i))) {
        awaitStatus(agent, "phase", "campaigning");
        startMs.add(elapsedMs(t0));
      }
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("startToCampaigning", Stats.of(startMs).asMap());
    m.put("startToCampaigningSamplesMs", startMs);
    return m;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> meetsTargets(Map<String, Object> footprint) {
    long p50 = (long) ((Map<String, Object>) footprint.get("startToCampaigning")).get("p50Ms");
    long rss = (long) footprint.get("masterRssMiB");
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("rss", rss <= TARGET_RSS_MIB);
    m.put("startToCampaigningP50", p50 <= TARGET_START_MS);
    return m;
  }

  private String nextElection() {
    return ElectionKeys.electionName("bench", "g" + ++groups);
  }

  private AgentEnv env(String election, String member) {
    return AgentEnv.of(etcd.endpoints(), election, member).ttl(5);
  }

  private static void awaitStatus(AgentProcess agent, String field, String value) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!agent.status().map(s -> s.get(field)).orElse("").equals(value)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            agent.member() + " not " + field + "=" + value + ":\n" + agent.output());
      }
      sleepUntil(System.nanoTime() + POLL.toNanos());
    }
  }

  /** User and system CPU of a process in clock ticks (100 a second), from /proc. */
  private static long cpuTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String loadAverage() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return fields[0] + " " + fields[1] + " " + fields[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static double secondsSince(long nanos) {
    return (System.nanoTime() - nanos) / 1e9;
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
