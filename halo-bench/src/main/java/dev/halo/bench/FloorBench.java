package dev.halo.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.halo.operator.model.PodState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code make bench}: the physical floor next to Halo's figures. On the rig of {@link
 * FailoverBench} (3-member etcd, embedded API server, operator, agent processes, service proxy) it
 * times each step a failover cannot skip, n={@value #N} each ({@link EtcdSteps}, {@link ApiSteps},
 * {@link ProxySteps}), then sums each scenario's chain ({@link FloorChains}) over the steps' p50
 * and sets it beside Halo's figure of failover.json from the same {@code make bench} run, when
 * there is one. Writes target/bench/floor.json.
 */
public final class FloorBench {
  static final int N = 50;
  private static final String GROUP = "floor";
  private static final List<Integer> TTLS = List.of(5, 2);
  // Leases granted 20 ms apart cover the 500 ms of etcd's expiry check evenly.
  private static final long EXPIRY_SPACING_MS = 20;

  private FloorBench() {}

  public static void main(String[] args) {
    Mains.exitWith("bench: floor", FloorBench::run);
  }

  private static int run() throws Exception {
    long started = System.nanoTime();
    Map<String, StepTimes> steps;
    try (BenchRig rig = BenchRig.start(3)) {
      rig.createGroup(GROUP, TTLS.get(0));
      steps = measure(rig, awaitRunning(rig));
    }
    steps.forEach((name, t) -> System.out.println("bench: floor " + name + " " + t));
    Map<String, Object> doc = report(steps);
    doc.put("tookSeconds", (System.nanoTime() - started) / 1_000_000_000);
    System.out.println("wrote " + BenchReport.write("floor.json", doc));
    return 0;
  }

  /** Every step, n={@value #N}; {@code pods}: the group's master first. */
  private static Map<String, StepTimes> measure(BenchRig rig, List<String> pods) throws Exception {
    Map<String, StepTimes> steps = new LinkedHashMap<>();
    try (EtcdSteps etcd = new EtcdSteps(rig.etcd)) {
      steps.put(FloorChains.ETCD_PUT, StepTimes.ofMicros(etcd.puts(N)));
      steps.put(FloorChains.ETCD_RANGE, StepTimes.ofMicros(etcd.ranges(N)));
      steps.put(FloorChains.ETCD_REVOKE, StepTimes.ofMicros(etcd.revokes(N)));
      steps.put(FloorChains.ETCD_WATCH_EVENT, StepTimes.ofMicros(etcd.watchEvents(N)));
      // The leases run out in the background, while the API and the proxy are timed.
      ExecutorService granting = Executors.newFixedThreadPool(TTLS.size());
      Map<Integer, Future<List<CompletableFuture<Long>>>> expiries = new LinkedHashMap<>();
      for (int ttl : TTLS) {
        expiries.put(ttl, granting.submit(() -> etcd.startExpiries(ttl, N, EXPIRY_SPACING_MS)));
      }
      try (ApiSteps api =
          new ApiSteps(rig.api.newClient(), rig.api.newClient(), BenchRig.NAMESPACE)) {
        List<List<Long>> patches = api.patchesAndEvents(BenchRig.NAMESPACE, pods.get(0), N);
        steps.put(FloorChains.API_PATCH, StepTimes.ofMicros(patches.get(0)));
        steps.put(FloorChains.API_WATCH_EVENT, StepTimes.ofMicros(patches.get(1)));
      }
      List<Long> moves = ProxySteps.moves(rig, BenchRig.NAMESPACE, pods.get(1), pods.get(2), N);
      steps.put(FloorChains.PROXY_UPDATE, StepTimes.ofMicros(moves));
      for (var e : expiries.entrySet()) {
        List<Long> samples = EtcdSteps.collect(e.getValue().get(), e.getKey() + 10L);
        steps.put(FloorChains.leaseExpiry(e.getKey()), StepTimes.ofMicros(samples));
      }
      granting.shutdown();
    }
    return steps;
  }

  /** floor.json: the steps, and per TTL the chains beside this run's failover.json, if any. */
  private static Map<String, Object> report(Map<String, StepTimes> steps) throws IOException {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("setup", setup());
    Map<String, Object> stepFigures = new LinkedHashMap<>();
    Map<String, Double> p50 = new LinkedHashMap<>();
    steps.forEach(
        (name, t) -> {
          stepFigures.put(name, t.asMap());
          p50.put(name, t.p50Ms());
        });
    doc.put("steps", stepFigures);
    Path failover = BenchReport.dir().resolve("failover.json");
    Map<String, Object> halo =
        Files.exists(failover)
            ? new ObjectMapper().readValue(failover.toFile(), new TypeReference<>() {})
            : Map.of();
    doc.put(
        "haloFigures",
        halo.isEmpty()
            ? "none: no failover.json in " + BenchReport.dir() + " (run FailoverBench first)"
            : "failover.json of this run, measured "
                + FailoverFigures.nested(halo, "machine").get("measuredAt"));
    Map<String, Object> chains = new LinkedHashMap<>();
    for (int ttl : TTLS) {
      chains.put(
          "ttl" + ttl,
          FloorChains.figures(ttl, p50, FailoverFigures.nested(halo, "series", "ttl" + ttl)));
    }
    doc.put("chains", chains);
    return doc;
  }

  /** The group's three pods, the master first, once all are Ready and one is labelled master. */
  private static List<String> awaitRunning(BenchRig rig) {
    return BenchRig.awaitValue(
        "group " + GROUP + " Running (3 pods Ready, one labelled master)",
        Duration.ofSeconds(120),
        100,
        () -> {
          var pods = rig.pods(GROUP);
          List<String> masters = rig.labelledMasters(GROUP);
          if (pods.size() != 3 || !pods.stream().allMatch(PodState::ready) || masters.size() != 1) {
            return Optional.empty();
          }
          List<String> names = new ArrayList<>(masters);
          pods.stream()
              .map(p -> p.getMetadata().getName())
              .filter(name -> !masters.contains(name))
              .sorted()
              .forEach(names::add);
          return Optional.of(names);
        });
  }

  private static Map<String, Object> setup() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("n", N);
    m.put(
        "rig",
        "FailoverBench's: 3-member etcd, embedded API server, the operator, one group of 3 pods"
            + " (agent processes), the service proxy; the operator and agents idle meanwhile");
    m.put(
        "floorMs",
        "the sum over a scenario's chain of each step's p50 times its count; Halo ÷ floor is"
            + " Halo's p50 over it");
    m.put(
        "definitions",
        Map.of(
            FloorChains.ETCD_PUT,
            "one put, request → response",
            FloorChains.ETCD_RANGE,
            "one range read of one key, request → response",
            FloorChains.ETCD_REVOKE,
            "one lease revoke (its key with it), request → response",
            FloorChains.ETCD_WATCH_EVENT,
            "a put's response → another client's watch delivering it (negative: it came first)",
            "leaseExpiryTtl<N>",
            "a lease of N s granted (its response) → the watch delivering its key's deletion",
            FloorChains.API_PATCH,
            "one pod label JSON merge patch, request → response",
            FloorChains.API_WATCH_EVENT,
            "the patch's response → another client's pod informer delivering it",
            FloorChains.PROXY_UPDATE,
            "the label selected by a Service set on another pod (its old pod's set off"
                + " before) → the first new connection through the proxy that pod answers"));
    return m;
  }
}
