package dev.halo.bench;

import dev.halo.common.Threads;
import dev.halo.sandbox.AgentProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The peer: three {@link PeerCandidate} JVMs per lease (fabric8 LeaderElector + LeaseLock) on the
 * same embedded API server, lease duration = Halo's TTL, renew deadline 0.8 × and retry period 0.2
 * × the lease (5 s / 4 s / 1 s for TTL 5, the proportions of client-go's 15 / 10 / 2 defaults
 * rounded as users commonly set them). {@code crash} = kill -9 of the leader's JVM; {@code
 * graceful} = SIGTERM, which cancels the elector with releaseOnCancel. Measured: fault → another
 * candidate's onStartLeading (its "LEADING" line), compared with Halo's takeover (fault → the new
 * master's agent holds the role) for crash and for podDelete (graceful).
 */
final class PeerBench {
  private final BenchRig rig;

  /**
   * The candidates start like Halo's agents (C1 only, Serial GC, small code cache) with a heap for
   * the Kubernetes client, so both sides of the comparison run with the same JVM footprint on the
   * same cores.
   */
  static final List<String> JVM_OPTIONS =
      java.util.stream.Stream.concat(
              dev.halo.common.AgentDefaults.JVM_OPTIONS.stream()
                  .filter(o -> !o.startsWith("-Xmx") && !o.startsWith("-XX:MaxMetaspaceSize")),
              java.util.stream.Stream.of("-Xmx64m"))
          .toList();

  private final int groups;
  private final int rounds;
  private int nextLease;

  PeerBench(BenchRig rig, int groups, int rounds) {
    this.rig = rig;
    this.groups = groups;
    this.rounds = rounds;
  }

  Map<String, Object> run(List<Integer> ttls, Map<String, Map<String, Object>> halo)
      throws Exception {
    Map<String, Object> doc = new LinkedHashMap<>();
    Map<String, Object> setup = new LinkedHashMap<>();
    setup.put("peer", "fabric8 kubernetes-client LeaderElector + LeaseLock, one JVM per candidate");
    setup.put("candidates", 3);
    setup.put("jvmOptions", String.join(" ", JVM_OPTIONS));
    setup.put("renewDeadline", "0.8 x lease duration");
    setup.put("retryPeriod", "0.2 x lease duration (fabric8 jitters it by up to 1.2 x)");
    setup.put(
        "faultWhen",
        "the leader renewed the lease within the last retry period + 200 ms (renewAgeAtFaultMs"
            + " records it) and another candidate is up for 2 retry periods; the same leases"
            + " (each with 3 candidates) go through the crash rounds, then the graceful ones");
    setup.put("compared", "takeover: fault -> new leader acts (Halo: its agent holds the role)");
    doc.put("setup", setup);
    Map<String, Object> series = new LinkedHashMap<>();
    for (int ttl : ttls) {
      Map<String, Object> byScenario = new LinkedHashMap<>();
      Map<Boolean, Map<String, Object>> measured = measure(ttl);
      for (String scenario : List.of("crash", "graceful")) {
        Map<String, Object> peer = measured.get(scenario.equals("crash"));
        String haloScenario = scenario.equals("crash") ? "crash" : "podDelete";
        Map<String, Object> haloTakeover =
            FailoverFigures.nested(
                halo.getOrDefault("ttl" + ttl, Map.of()), haloScenario, "takeover");
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("leaseDurationMs", ttl * 1000);
        entry.put("renewDeadlineMs", ttl * 800);
        entry.put("retryPeriodMs", ttl * 200);
        entry.put("peer", peer);
        entry.put("halo", Map.of("scenario", haloScenario, "takeover", haloTakeover));
        Map<String, Object> ratios = new LinkedHashMap<>();
        Map<String, Object> peerStats = FailoverFigures.nested(peer, "takeover");
        for (String p : List.of("p50Ms", "p99Ms")) {
          if (haloTakeover.get(p) instanceof Number h && peerStats.get(p) instanceof Number q) {
            ratios.put(
                p, Math.round(h.doubleValue() / Math.max(1, q.doubleValue()) * 1000) / 1000.0);
          }
        }
        entry.put("haloDividedByPeer", ratios);
        byScenario.put(scenario, entry);
        System.out.printf("bench: peer %s TTL %d s done%n", scenario, ttl);
      }
      series.put("ttl" + ttl, byScenario);
    }
    doc.put("series", series);
    return doc;
  }

  /** Crash rounds, then graceful rounds, on the same leases; the figures by crash (true) or not. */
  private Map<Boolean, Map<String, Object>> measure(int ttl) throws Exception {
    Map<Boolean, Outcome> outcomes = Map.of(true, new Outcome(), false, new Outcome());
    ExecutorService workers = Executors.newFixedThreadPool(groups);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int g = 0; g < groups; g++) {
        String lease = "peer-" + ttl + "-" + (nextLease++);
        futures.add(workers.submit(() -> runLease(lease, ttl, outcomes)));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      workers.shutdownNow();
    }
    return Map.of(true, outcomes.get(true).asMap(), false, outcomes.get(false).asMap());
  }

  /** What the rounds of one case measured, over every lease. */
  private static final class Outcome {
    final List<Long> takeovers = new CopyOnWriteArrayList<>();
    final List<Long> renewAges = new CopyOnWriteArrayList<>();
    final AtomicInteger exits = new AtomicInteger();
    final List<String> failures = new CopyOnWriteArrayList<>();

    Map<String, Object> asMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("n", takeovers.size());
      if (!takeovers.isEmpty()) {
        m.put("takeover", Stats.of(takeovers).asMap());
      }
      m.put("samplesMs", takeovers);
      m.put("renewAgeAtFaultMs", renewAges);
      m.put("candidatesExitedAndReplaced", exits.get());
      m.put("failedRounds", failures);
      return m;
    }
  }

  private void runLease(String lease, int ttl, Map<Boolean, Outcome> outcomes) {
    List<Candidate> candidates = new ArrayList<>();
    try {
      // A replacement gets a name of its own, as a Deployment's new pod does: one that reused
      // the name of a killed leader would find itself the lease's holder.
      AtomicInteger nextIdentity = new AtomicInteger();
      Supplier<Candidate> newCandidate =
          () -> Candidate.start(rig, lease, lease + "-" + nextIdentity.getAndIncrement(), ttl);
      for (int i = 0; i < 3; i++) {
        candidates.add(newCandidate.get());
      }
      for (int r = 0; r < 2 * rounds; r++) {
        boolean crash = r < rounds;
        Outcome outcome = outcomes.get(crash);
        try {
          // A fault hits a settled election, as Halo's rounds do (BenchRig.readyForFault): the
          // leader renewing on time and another candidate up for two retry periods (it has asked
          // for the lease at least once, warm); the one replaced in the round before may still be
          // starting. Without that a round right after the candidates' JVMs started found a
          // leader whose renewals were seconds late (cold JVMs on a busy machine), and its
          // "takeover" was measured from a lease that had all but expired.
          long settledNanos = 2 * ttl * 200L * 1_000_000L;
          long freshMs = ttl * 200L + 200;
          Candidate leader =
              BenchRig.awaitValue(
                  lease + " to have one leader renewing on time",
                  Duration.ofSeconds(60),
                  25, // reads the Lease: a faster poll of five leases loads the API server
                  () -> {
                    // A fabric8 elector that loses its lease (a renewal past the deadline on a
                    // busy machine) ends, and so does its JVM, as a pod's process would; its
                    // Deployment would start it again, and so does the bench.
                    for (int i = 0; i < candidates.size(); i++) {
                      if (!candidates.get(i).process.isAlive()) {
                        outcome.exits.incrementAndGet();
                        candidates.set(i, newCandidate.get());
                      }
                    }
                    List<Candidate> leading =
                        candidates.stream().filter(Candidate::leading).toList();
                    if (leading.size() != 1
                        || candidates.stream()
                            .noneMatch(c -> !c.leading() && c.startedFor() > settledNanos)) {
                      return Optional.empty();
                    }
                    long age = renewAgeMs(lease);
                    return age >= 0 && age <= freshMs
                        ? Optional.of(leading.get(0))
                        : Optional.empty();
                  });
          long renewAge = renewAgeMs(lease);
          long t0 = System.nanoTime();
          if (crash) {
            leader.process.destroyForcibly();
          } else {
            leader.process.destroy();
          }
          long next =
              BenchRig.awaitValue(
                  "a new leader of " + lease,
                  Duration.ofSeconds(60),
                  1,
                  () ->
                      candidates.stream()
                          .filter(c -> c != leader && c.ledSince(t0) > 0)
                          .map(c -> c.ledSince(t0))
                          .findFirst());
          outcome.takeovers.add((next - t0) / 1_000_000);
          outcome.renewAges.add(renewAge);
          leader.process.waitFor();
          candidates.set(candidates.indexOf(leader), newCandidate.get());
        } catch (RuntimeException | InterruptedException e) {
          outcome.failures.add(lease + " round " + r + ": " + e.getMessage());
        }
      }
    } catch (UncheckedIOException e) {
      outcomes.get(true).failures.add(lease + ": " + e.getMessage());
    } finally {
      candidates.forEach(c -> c.process.destroyForcibly());
    }
  }

  /** How long ago the lease's holder last renewed it, by its renewTime (-1 when unreadable). */
  private long renewAgeMs(String lease) {
    var held = rig.client().leases().inNamespace(BenchRig.NAMESPACE).withName(lease).get();
    if (held == null || held.getSpec() == null || held.getSpec().getRenewTime() == null) {
      return -1;
    }
    return Duration.between(held.getSpec().getRenewTime(), ZonedDateTime.now(ZoneOffset.UTC))
        .toMillis();
  }

  /** One candidate JVM and what it printed, timestamped on arrival. */
  private static final class Candidate {
    final String identity;
    final Process process;
    private volatile boolean started;
    private volatile boolean leading;
    private volatile long ledAtNanos;
    private volatile long startedAtNanos;

    private Candidate(String identity, Process process) {
      this.identity = identity;
      this.process = process;
    }

    static Candidate start(BenchRig rig, String lease, String identity, int ttl) {
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(JVM_OPTIONS);
      command.add("-cp");
      command.add(
          AgentProcess.jar()
              + java.io.File.pathSeparator
              + Path.of("target", "test-classes").toAbsolutePath());
      command.add(PeerCandidate.class.getName());
      command.addAll(
          List.of(
              rig.api.url(),
              BenchRig.NAMESPACE,
              lease,
              identity,
              Long.toString(ttl * 1000L),
              Long.toString(ttl * 800L),
              Long.toString(ttl * 200L)));
      Process process;
      try {
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start candidate " + identity, e);
      }
      Candidate c = new Candidate(identity, process);
      Threads.daemon("peer-" + identity, c::read).start();
      return c;
    }

    private void read() {
      try (BufferedReader in =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          switch (line.strip()) {
            case "STARTED" -> {
              startedAtNanos = System.nanoTime();
              started = true;
            }
            case "LEADING" -> {
              ledAtNanos = System.nanoTime();
              leading = true;
            }
            case "STOPPED" -> leading = false;
            default -> {}
          }
        }
      } catch (IOException e) {
        // the process ended
      }
      leading = false;
    }

    /** How long ago it said STARTED, in nanoseconds (0 while it has not, or has exited). */
    long startedFor() {
      return started && process.isAlive() ? System.nanoTime() - startedAtNanos : 0;
    }

    boolean leading() {
      return leading && process.isAlive();
    }

    long ledSince(long t0) {
      long at = ledAtNanos;
      return leading && at >= t0 ? at : 0;
    }
  }
}
