package dev.halo.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The floor under each Halo scenario: the chain of steps no implementation on this rig can skip
 * (etcd writes and watch events, API writes and watch events, the proxy's endpoint update), and its
 * sum over the steps' p50 as {@link FloorBench} measured them, next to Halo's own figure.
 */
final class FloorChains {
  static final String ETCD_PUT = "etcdPut";
  static final String ETCD_RANGE = "etcdRange";
  static final String ETCD_REVOKE = "etcdRevoke";
  static final String ETCD_WATCH_EVENT = "etcdWatchEvent";
  static final String API_PATCH = "apiPatch";
  static final String API_WATCH_EVENT = "apiWatchEvent";
  static final String PROXY_UPDATE = "proxyUpdate";

  private FloorChains() {}

  /** Measured: a key's lease granted with {@code ttl} → the watch delivering the key's deletion. */
  static String leaseExpiry(int ttlSeconds) {
    return "leaseExpiryTtl" + ttlSeconds;
  }

  /**
   * Not measured: the lease's TTL itself, what any lease-based election waits after the holder's
   * last renewal. etcd ends a lease up to its 500 ms expiry check later ({@link #leaseExpiry}), and
   * a crash comes on average half a renewal interval after the last renewal; the two about cancel.
   */
  static String leaseTtl(int ttlSeconds) {
    return "leaseTtl" + ttlSeconds;
  }

  /** A step of a chain, {@code times} in a row, and what it stands for in the scenario. */
  record Term(String step, int times, String what) {}

  /**
   * A scenario's unavoidable steps, and the figure of failover.json ({@code series.ttl<N>.
   * <haloScenario>.<haloFigure>}) that Halo takes for the same way.
   */
  record Chain(String scenario, String haloScenario, String haloFigure, List<Term> terms) {}

  private static final Term DEMOTE_PROMOTE =
      new Term(API_PATCH, 2, "label the old master standby, then the new one master");
  private static final Term PROXY =
      new Term(
          PROXY_UPDATE,
          1,
          "the proxy sees the label and routes a new connection to the new master, which answers");

  /** The chains of every scenario at lease TTL {@code ttlSeconds}, in the report's order. */
  static List<Chain> chains(int ttlSeconds) {
    return List.of(
        new Chain(
            "crash",
            "crash",
            "faultToTraffic",
            List.of(
                new Term(
                    leaseTtl(ttlSeconds),
                    1,
                    "the lease runs out: its TTL after the last renewal, then etcd deletes the key"
                        + " and the operator's watch delivers it"),
                DEMOTE_PROMOTE,
                PROXY)),
        new Chain(
            "podFailure",
            "podFailure",
            "faultToTraffic",
            List.of(
                new Term(API_PATCH, 1, "the kubelet reports the agent container terminated"),
                new Term(API_WATCH_EVENT, 1, "the operator sees it"),
                new Term(ETCD_REVOKE, 1, "the operator revokes the dead master's lease"),
                DEMOTE_PROMOTE,
                PROXY)),
        new Chain(
            "podDelete",
            "podDelete",
            "faultToTraffic",
            List.of(
                new Term(API_PATCH, 1, "the DELETE of the pod"),
                new Term(API_WATCH_EVENT, 1, "the kubelet sees the pod terminating (SIGTERM)"),
                new Term(ETCD_REVOKE, 1, "the agent gives up its key: one etcd write"),
                new Term(ETCD_WATCH_EVENT, 1, "the operator sees the next leader"),
                DEMOTE_PROMOTE,
                PROXY)),
        new Chain(
            "switchover",
            "switchover",
            "faultToTraffic",
            List.of(
                new Term(API_PATCH, 1, "the halo.dev/switchover annotation written"),
                new Term(API_WATCH_EVENT, 1, "the operator sees it"),
                new Term(ETCD_PUT, 1, "the operator puts the step-down request"),
                new Term(ETCD_WATCH_EVENT, 1, "the master's agent sees it"),
                new Term(ETCD_REVOKE, 1, "the master gives up its key: one etcd write"),
                new Term(ETCD_WATCH_EVENT, 1, "the operator sees the next leader"),
                DEMOTE_PROMOTE,
                PROXY)),
        new Chain(
            "switchoverTo",
            "switchoverTo",
            "faultToServing",
            List.of(
                new Term(API_PATCH, 1, "the halo.dev/switchover-to annotation written"),
                new Term(API_WATCH_EVENT, 1, "the operator sees it"),
                new Term(
                    ETCD_PUT,
                    1,
                    "one transaction: the request naming the target, and the re-queue of the"
                        + " standby queued ahead of it"),
                new Term(ETCD_WATCH_EVENT, 1, "that standby's agent sees it"),
                new Term(ETCD_REVOKE, 1, "it gives up its key"),
                new Term(ETCD_WATCH_EVENT, 1, "the master's agent sees the target next in line"),
                new Term(ETCD_REVOKE, 1, "the master gives up its key"),
                new Term(ETCD_WATCH_EVENT, 1, "the operator sees the target lead"),
                DEMOTE_PROMOTE,
                PROXY)),
        new Chain(
            "labelConvergence",
            "crash",
            "labelConvergence",
            // Timed from the election change as the bench's own watch delivers it; the operator's
            // watch event arrives with it, so it adds nothing.
            List.of(DEMOTE_PROMOTE, PROXY)));
  }

  /** The chain's floor in ms: each step's p50 ({@code p50Ms} by step name) times its count. */
  static double floorMs(Chain chain, Map<String, Double> p50Ms) {
    double sum = 0;
    for (Term term : chain.terms()) {
      Double p50 = p50Ms.get(term.step());
      if (p50 == null) {
        throw new IllegalArgumentException(
            "chain "
                + chain.scenario()
                + " needs step "
                + term.step()
                + ", which was not measured");
      }
      sum += term.times() * p50;
    }
    return round(sum, 2);
  }

  /**
   * The chains of a TTL series as failover.json-style figures: each with its steps (count, p50; the
   * TTL as {@link #leaseTtl}), floor, and, when {@code series} (failover.json's {@code
   * series.ttl<N>}, or an empty map) has the scenario, Halo's p50 / p99 and Halo ÷ floor.
   */
  static Map<String, Object> figures(
      int ttlSeconds, Map<String, Double> p50Ms, Map<String, Object> series) {
    Map<String, Double> steps = new LinkedHashMap<>(p50Ms);
    steps.put(leaseTtl(ttlSeconds), ttlSeconds * 1000.0);
    Map<String, Object> byScenario = new LinkedHashMap<>();
    for (Chain chain : chains(ttlSeconds)) {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put(
          "steps",
          chain.terms().stream()
              .map(
                  t -> {
                    Map<String, Object> s = new LinkedHashMap<>();
                    s.put("step", t.step());
                    s.put("times", t.times());
                    s.put("p50Ms", steps.get(t.step()));
                    s.put("what", t.what());
                    return s;
                  })
              .toList());
      double floor = floorMs(chain, steps);
      c.put("floorMs", floor);
      Map<String, Object> halo =
          FailoverFigures.nested(series, chain.haloScenario(), chain.haloFigure());
      if (halo.get("p50Ms") instanceof Number p50 && halo.get("p99Ms") instanceof Number p99) {
        c.put("halo", chain.haloScenario() + "." + chain.haloFigure());
        c.put("haloP50Ms", p50.longValue());
        c.put("haloP99Ms", p99.longValue());
        if (floor > 0) {
          c.put("haloDividedByFloor", round(p50.doubleValue() / floor, 1));
        }
      }
      byScenario.put(chain.scenario(), c);
    }
    return byScenario;
  }

  static double round(double value, int decimals) {
    double scale = Math.pow(10, decimals);
    return Math.round(value * scale) / scale;
  }

  static String ms(double value) {
    return String.format(Locale.ROOT, value < 10 ? "%.2f" : "%.0f", value);
  }
}
