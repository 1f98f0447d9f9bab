package dev.halo.bench;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.Annotations;
import dev.halo.common.ElectionKeys;
import dev.halo.sandbox.FailoverScenario;
import dev.halo.sandbox.SteadyClient;
import dev.halo.sandbox.history.HistoryFile;
import dev.halo.sandbox.history.RoleHistoryChecker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * {@code make bench}: failover through the whole product on the sandbox's machinery (embedded API
 * server, 3-member etcd, the operator, one OS process per agent, the service proxy), for lease TTL
 * 5 s and 2 s and every way a master can go; then the same crash and graceful cases with the peer
 * (fabric8 LeaderElector + LeaseLock, {@link PeerBench}). Writes target/bench/failover.json and
 * target/bench/peer.json.
 *
 * <p>Each scenario runs {@code groups} groups side by side, {@code rounds} handovers each. A round:
 * wait until the group is ready for a fault (one master that labels, Service endpoints and etcd
 * agree on, a steady client getting replies from it, and another member Ready and campaigning; the
 * member replaced in the round before may still be starting), inject the fault at t0 (for a
 * switchover: the {@code halo.dev/switchover} annotation naming the master; for switchoverTo: the
 * {@code halo.dev/switchover-to} annotation naming the member queued last), then take from the etcd
 * watch the moment the old master lost the key and the new one led, from the new master's role file
 * the moment its agent held the role, from the pod informer and the service proxy the moment labels
 * and endpoints named it alone, and from the client (one request every 20 ms through the proxy) the
 * last reply of the old master and the first of the new one.
 *
 * <p>Two kinds of evidence that no group had two masters: {@link DualMasterSampler} samples labels
 * and {@code /role} throughout, and at the end of each TTL series every group's role histories
 * (each agent's transitions with monotonic timestamps) go through the role history checker, which
 * finds an overlap however short; failover.json gives the master intervals checked and the smallest
 * gap between consecutive masters, per scenario and per series.
 */
public final class FailoverBench {
  /** The ways a master goes. */
  enum Scenario {
    crash,
    podDelete,
    podFailure,
    unhealthy,
    switchover,
    /** {@code halo.dev/switchover-to} naming the member queued last: it must become master. */
    switchoverTo
  }

  /** One handover; times in ms, -1 when not applicable. */
  record Round(
      String scenario,
      int ttlSeconds,
      String group,
      String from,
      String to,
      long requestToStepDownMs,
      long faultToKeyLostMs,
      long electionHandoverMs,
      long takeoverMs,
      long labelConvergenceMs,
      long faultToTrafficMs,
      long clientGapMs,
      int failedRequests,
      long faultToServingMs) {}

  /** The hand-overs nothing forces: the ones measured once more one at a time. */
  static final Set<Scenario> PLANNED =
      EnumSet.of(Scenario.switchover, Scenario.podDelete, Scenario.switchoverTo);

  /** The series of one hand-over at a time in the whole rig, followed by its TTL. */
  static final String ONE_AT_A_TIME_SERIES = "oneAtATimeTtl";

  private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration HANDOVER_TIMEOUT = Duration.ofSeconds(60);
  private static final long CLIENT_PERIOD_MS = 20;
  private static final int STEADY_REPLIES = 5;

  private final BenchRig rig;
  private final int groups;
  private final int rounds;
  private final DualMasterSampler dual;
  private final Map<String, Object> histories = new LinkedHashMap<>();
  private int nextGroup;

  private FailoverBench(BenchRig rig, int groups, int rounds) {
    this.rig = rig;
    this.groups = groups;
    this.rounds = rounds;
    this.dual = new DualMasterSampler(rig);
  }

  public static void main(String[] args) {
    Mains.exitWith("bench: failover", () -> run(args));
  }

  private static int run(String[] args) throws Exception {
    List<String> argv = List.of(args);
    boolean quick = argv.contains("--quick");
    int groups = quick ? 2 : 5;
    int rounds = quick ? 2 : 4;
    List<Scenario> scenarios =
        argv.contains("--scenario")
            ? List.of(Scenario.valueOf(argv.get(argv.indexOf("--scenario") + 1)))
            : List.of(Scenario.values());
    List<Integer> ttls =
        argv.contains("--ttl")
            ? List.of(Integer.parseInt(argv.get(argv.indexOf("--ttl") + 1)))
            : List.of(5, 2);
    // The planned hand-overs once more, one at a time in the whole rig: what one hand-over costs
    // when nothing else of the bench competes for the CPU. Only them with --one-at-a-time.
    boolean onlyOneAtATime = argv.contains("--one-at-a-time");
    List<Scenario> oneAtATime =
        quick || argv.contains("--peer-only")
            ? List.of()
            : scenarios.stream().filter(PLANNED::contains).toList();
    long started = System.nanoTime();
    Map<String, Object> failover = new LinkedHashMap<>();
    Map<String, Map<String, Object>> haloByTtl = new LinkedHashMap<>();
    try (BenchRig rig = BenchRig.start(3)) {
      FailoverBench bench = new FailoverBench(rig, groups, rounds);
      failover.put("setup", setup(groups, rounds));
      Map<String, Object> series = new LinkedHashMap<>();
      for (int ttl : argv.contains("--peer-only") || onlyOneAtATime ? List.<Integer>of() : ttls) {
        Map<String, Object> byScenario = bench.run(scenarios, ttl, "ttl" + ttl, false);
        series.put("ttl" + ttl, byScenario);
        haloByTtl.put("ttl" + ttl, byScenario);
      }
      if (!oneAtATime.isEmpty()) {
        int ttl = ttls.get(0);
        String name = ONE_AT_A_TIME_SERIES + ttl;
        series.put(name, bench.run(oneAtATime, ttl, name, true));
      }
      failover.put("series", series);
      failover.put("tookSeconds", (System.nanoTime() - started) / 1_000_000_000);
      failover.put("roleSampling", bench.dual.roleRounds());
      failover.put("roleHistory", bench.histories);
      bench.dual.close();
      if (!argv.contains("--peer-only")) {
        System.out.println("wrote " + BenchReport.write("failover.json", failover));
      }
      if (!argv.contains("--no-peer")) {
        Map<String, Object> peer = new PeerBench(rig, groups, rounds).run(ttls, haloByTtl);
        System.out.println("wrote " + BenchReport.write("peer.json", peer));
      }
    }
    return 0;
  }

  private static Map<String, Object> setup(int groups, int rounds) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("etcdMembers", 3);
    m.put(
        "agents",
        "one OS process per pod (java -jar halo-agent.jar agent, the operator's JVM options)");
    m.put("groupsInParallel", groups);
    m.put("roundsPerGroup", rounds);
    m.put("groupsPerTtl", "the same groups go through every scenario in turn");
    m.put("replicas", 3);
    m.put("health", "HTTP /health every 500 ms, failureThreshold 3");
    m.put("clientPeriodMs", CLIENT_PERIOD_MS);
    m.put(
        "definitions",
        Map.of(
            "faultToKeyLostMs",
                "fault injected (switchover: the halo.dev/switchover annotation written) -> etcd"
                    + " watch shows the old master's key gone",
            "requestToStepDownMs",
                "switchover only: the annotation written -> the operator's step-down request seen"
                    + " in etcd",
            "electionHandoverMs", "old master lost the key -> new master's agent holds the role",
            "takeoverMs", "fault -> new master's agent holds the role",
            "labelConvergenceMs",
                "election change -> pod labels and Service endpoints name only the new master",
            "faultToTrafficMs", "fault -> labels and endpoints right",
            "clientGapMs", "last client reply from the old master -> first from the new one",
            "faultToServingMs",
                "fault (switchoverTo: the halo.dev/switchover-to annotation written) -> the first"
                    + " client reply through the Service from the new master",
            "failedRequests", "client requests that failed in that gap"));
    return m;
  }

  /**
   * Creates {@code groups} groups with lease TTL {@code ttl} and runs every scenario on all of them
   * in parallel, one scenario after the other; returns the figures by scenario.
   */
  private Map<String, Object> run(
      List<Scenario> scenarios, int ttl, String seriesName, boolean oneAtATime) throws Exception {
    // Each round takes a turn: with one permit, one hand-over at a time in the whole rig.
    Semaphore turns = new Semaphore(oneAtATime ? 1 : groups, true);
    List<String> names = new ArrayList<>();
    for (int i = 0; i < groups; i++) {
      String name = "ttl" + ttl + "-" + (nextGroup++);
      rig.createGroup(name, ttl);
      names.add(name);
    }
    Map<String, Object> byScenario = new LinkedHashMap<>();
    Map<String, long[]> windows = new LinkedHashMap<>();
    dual.watch(names);
    ExecutorService workers = Executors.newFixedThreadPool(groups);
    try {
      for (Scenario scenario : scenarios) {
        long started = System.nanoTime();
        List<Round> done = new CopyOnWriteArrayList<>();
        List<String> failures = new CopyOnWriteArrayList<>();
        List<Future<?>> futures = new ArrayList<>();
        for (String name : names) {
          futures.add(workers.submit(() -> runGroup(scenario, ttl, name, turns, done, failures)));
        }
        for (Future<?> f : futures) {
          f.get();
        }
        Map<String, Object> figures = FailoverFigures.of(done, failures, dual.drain(names));
        windows.put(scenario.name(), new long[] {started, System.nanoTime()});
        figures.put("tookSeconds", (System.nanoTime() - started) / 1_000_000_000);
        byScenario.put(scenario.name(), figures);
        System.out.printf(
            "bench: %s TTL %d s done in %d s%n", scenario, ttl, figures.get("tookSeconds"));
      }
    } finally {
      workers.shutdownNow();
      dual.unwatch(names);
      names.forEach(rig::deleteGroup);
      BenchRig.await(
          "the groups' pods to go",
          Duration.ofSeconds(60),
          100,
          () -> names.stream().allMatch(n -> rig.pods(n).isEmpty()));
    }
    checkHistories(seriesName, names, byScenario, windows);
    return byScenario;
  }

  /**
   * Checks the role histories of the series' groups (all their agents have stopped by now): the
   * series' figures go to {@link #histories}, each scenario's (the masters that started while it
   * ran) to its figures.
   */
  private void checkHistories(
      String seriesName,
      List<String> names,
      Map<String, Object> byScenario,
      Map<String, long[]> windows)
      throws IOException {
    Map<String, List<HistoryFile>> files = new LinkedHashMap<>();
    names.forEach(n -> files.put(n, rig.kubelet.roleHistories(n)));
    List<RoleHistoryChecker.Verdict> verdicts = HistoryFigures.check(files);
    Map<String, Object> series = HistoryFigures.of(verdicts);
    histories.put(seriesName, series);
    windows.forEach(
        (scenario, w) -> {
          @SuppressWarnings("unchecked")
          Map<String, Object> figures = (Map<String, Object>) byScenario.get(scenario);
          figures.put(
              "roleHistory", HistoryFigures.of(HistoryFigures.within(verdicts, w[0], w[1])));
        });
    System.out.printf("bench: %s %s%n", seriesName, HistoryFigures.summary(series));
    if (((Number) series.get("violations")).intValue() > 0) {
      HistoryFigures.copy(
          files.values().stream().flatMap(List::stream).toList(),
          BenchReport.dir().resolve("role-history-" + seriesName));
    }
  }

  private void runGroup(
      Scenario scenario,
      int ttl,
      String group,
      Semaphore turns,
      List<Round> done,
      List<String> failures) {
    ElectionTimeline timeline;
    try {
      timeline =
          new ElectionTimeline(
              rig.electionClient, ElectionKeys.electionName(BenchRig.NAMESPACE, group));
    } catch (Exception e) {
      failures.add(group + ": cannot watch the election: " + e);
      return;
    }
    try (timeline) {
      BenchRig.await(
          "the proxy to route " + group,
          SETTLE_TIMEOUT,
          50,
          () -> rig.proxy.routes().stream().anyMatch(r -> r.service().equals(group)));
      try (SteadyClient client = SteadyClient.start(rig.proxyPort(group), CLIENT_PERIOD_MS)) {
        for (int r = 0; r < rounds; r++) {
          try {
            turns.acquire();
            try {
              done.add(round(scenario, ttl, group, timeline, client));
            } finally {
              turns.release();
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failures.add(group + " round " + r + ": interrupted");
            return;
          } catch (RuntimeException e) {
            failures.add(group + " round " + r + ": " + e.getMessage());
            System.err.printf("bench: %s round %d failed: %s%n", group, r, e.getMessage());
          }
        }
      }
    }
  }

  private Round round(
      Scenario scenario, int ttl, String group, ElectionTimeline timeline, SteadyClient client) {
    String old =
        BenchRig.awaitValue(
            group + " ready for a fault",
            SETTLE_TIMEOUT,
            20,
            () -> {
              String leader = timeline.leader();
              return rig.readyForFault(group, leader) ? Optional.of(leader) : Optional.empty();
            });
    // A switchover to a chosen member goes to the one queued last, so that every other standby
    // must queue again first.
    String target =
        scenario == Scenario.switchoverTo
            ? BenchRig.awaitValue(
                group + "'s last-queued member Ready and campaigning",
                SETTLE_TIMEOUT,
                50,
                () -> rig.lastQueuedReady(group, old))
            : "";
    awaitReplies(client, old);
    long fault = System.nanoTime();
    inject(scenario, group, scenario == Scenario.switchoverTo ? target : old);
    long t0 = fault;
    // A planned switchover: how soon the operator asked the master to step down (switchoverTo: the
    // first request, which re-queues a standby ahead of the target).
    long stepDownAsked =
        scenario == Scenario.switchover || scenario == Scenario.switchoverTo
            ? BenchRig.awaitValue(
                "the operator's step-down request to " + old,
                HANDOVER_TIMEOUT,
                2,
                () -> Optional.ofNullable(timeline.firstStepDownRequest(fault)))
            : -1;
    ElectionTimeline.Change lost =
        BenchRig.awaitValue(
            old + " to lose the key",
            HANDOVER_TIMEOUT,
            2,
            () -> Optional.ofNullable(timeline.firstChangeAwayFrom(old, t0)));
    ElectionTimeline.Change led =
        BenchRig.awaitValue(
            "a new leader of " + group,
            HANDOVER_TIMEOUT,
            2,
            () -> Optional.ofNullable(timeline.firstNewLeader(old, t0)));
    String next = led.leader();
    if (scenario == Scenario.switchoverTo && !next.equals(target)) {
      throw new IllegalStateException(
          "switchover-to " + target + " elected " + next + " instead; " + old + " was master");
    }
    // Both looked at in one loop: the labels may well come before the agent's role file.
    long[] heldAndLabelled = new long[2];
    BenchRig.await(
        next + "'s agent to hold the role, and labels and endpoints of " + group + " to name it",
        HANDOVER_TIMEOUT,
        2,
        () -> {
          long now = System.nanoTime();
          if (heldAndLabelled[0] == 0 && roleFileSays(next, "master")) {
            heldAndLabelled[0] = now;
          }
          if (heldAndLabelled[1] == 0
              && rig.labelledMasters(group).equals(List.of(next))
              && rig.proxy.endpoints(group).equals(List.of(next))) {
            heldAndLabelled[1] = now;
          }
          return heldAndLabelled[0] != 0 && heldAndLabelled[1] != 0;
        });
    long held = heldAndLabelled[0];
    long labelled = heldAndLabelled[1];
    BenchRig.await(
        "client replies from " + next,
        HANDOVER_TIMEOUT,
        5,
        () -> client.lastPod().filter(next::equals).isPresent());
    awaitReplies(client, next);
    FailoverScenario.Handover seen =
        FailoverScenario.measure(scenario.name(), client.replies(), fault, old);
    long serving =
        client.replies().stream()
            .filter(r -> r.atNanos() >= fault && r.pod().filter(next::equals).isPresent())
            .mapToLong(SteadyClient.Reply::atNanos)
            .findFirst()
            .orElse(fault);
    recover(scenario, group, old);
    return new Round(
        scenario.name(),
        ttl,
        group,
        old,
        next,
        stepDownAsked < 0 ? -1 : ms(stepDownAsked - fault),
        ms(lost.atNanos() - t0),
        ms(held - lost.atNanos()),
        ms(held - t0),
        ms(labelled - lost.atNanos()),
        ms(labelled - t0),
        seen.gapMs(),
        seen.failedRequests(),
        ms(serving - fault));
  }

  private void inject(Scenario scenario, String group, String master) {
    switch (scenario) {
      case crash -> rig.kubelet.crashAgentSilently(master);
      case podFailure -> rig.kubelet.crashAgent(master);
      case podDelete ->
          rig.client().pods().inNamespace(BenchRig.NAMESPACE).withName(master).delete();
      case unhealthy -> rig.kubelet.setWorkloadHealthy(master, false);
      case switchover -> annotate(group, Annotations.SWITCHOVER, master);
      case switchoverTo -> annotate(group, Annotations.SWITCHOVER_TO, master);
    }
  }

  /** Writes an annotation on the group, retrying when the operator's status write got first. */
  private void annotate(String group, String key, String value) {
    BenchRig.await(
        "the " + key + " annotation of " + group,
        Duration.ofSeconds(10),
        50,
        () -> {
          rig.client()
              .resources(HighAvailabilityGroup.class)
              .inNamespace(BenchRig.NAMESPACE)
              .withName(group)
              .edit(
                  g -> {
                    if (g.getMetadata().getAnnotations() == null) {
                      g.getMetadata().setAnnotations(new java.util.HashMap<>());
                    }
                    g.getMetadata().getAnnotations().put(key, value);
                    return g;
                  });
          return true;
        });
  }

  private void recover(Scenario scenario, String group, String old) {
    switch (scenario) {
      case crash, podFailure -> rig.kubelet.restartAgent(old);
      case unhealthy -> rig.kubelet.setWorkloadHealthy(old, true);
      case podDelete -> {} // the operator recreates the pod
      case switchover -> awaitRemoved(group, Annotations.SWITCHOVER);
      case switchoverTo -> awaitRemoved(group, Annotations.SWITCHOVER_TO);
    }
  }

  /** The old master stays as a standby; the operator takes the request away once done. */
  private void awaitRemoved(String group, String key) {
    BenchRig.await(
        "the " + key + " annotation of " + group + " to be removed",
        SETTLE_TIMEOUT,
        50,
        () -> {
          var annotations =
              rig.client()
                  .resources(HighAvailabilityGroup.class)
                  .inNamespace(BenchRig.NAMESPACE)
                  .withName(group)
                  .get()
                  .getMetadata()
                  .getAnnotations();
          return annotations == null || !annotations.containsKey(key);
        });
  }

  private boolean roleFileSays(String pod, String role) {
    try {
      Path file = rig.kubelet.roleFile(pod);
      return Files.exists(file) && Files.readString(file).strip().equals(role);
    } catch (java.io.IOException e) {
      return false;
    }
  }

  private static void awaitReplies(SteadyClient client, String pod) {
    int before = client.count();
    BenchRig.await(
        STEADY_REPLIES + " replies from " + pod,
        HANDOVER_TIMEOUT,
        10,
        () -> client.repliesFromSince(pod, before) >= STEADY_REPLIES);
  }

  private static long ms(long nanos) {
    return Math.max(0, nanos / 1_000_000);
  }
}
