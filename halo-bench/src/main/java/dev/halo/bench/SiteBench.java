package dev.halo.bench;

import dev.halo.common.ElectionKeys;
import dev.halo.common.MemberIdentity;
import dev.halo.sandbox.Sandbox;
import dev.halo.sandbox.SandboxSite;
import dev.halo.sandbox.SiteNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Multi-site failover: {@code halo sandbox --sites 2} in this JVM (two sites with their operator
 * and kubelet, a witness with only etcd, one etcd member per site behind proxies), the example
 * group on both sites (TTL 5 s, 2 pods per site).
 *
 * <ul>
 *   <li>{@code siteLoss}: the site that holds the master and etcd's raft leader (moved there first
 *       with {@code etcdctl move-leader}) is cut off from the others at t0, as the others see a
 *       lost site; the time until the other site labels a master, at each RTT, against the bound
 *       TTL + 2 × etcd's election timeout + RTT. Healed after each round.
 *   <li>{@code localCrash}: kill -9 of the master's agent (the kubelet reports the container
 *       terminated, so its own site's operator revokes its lease), once the operators have put a
 *       standby of the master's site next in line; the time until a master is labelled and on which
 *       site (the master's own, by same-site preference).
 * </ul>
 *
 * Writes target/bench/sites.json.
 */
public final class SiteBench {
  private static final String GROUP = Sandbox.SITE_GROUP;
  private static final String ELECTION = ElectionKeys.prefix(ElectionKeys.siteElectionName(GROUP));
  private static final Duration ROUND_TIMEOUT = Duration.ofSeconds(60);
  private static final long TTL_MS = 5000;
  private static final List<Duration> RTTS =
      List.of(Duration.ZERO, Duration.ofMillis(20), Duration.ofMillis(100));
  private static final Duration CRASH_RTT = Duration.ofMillis(20);

  private final Sandbox sandbox;
  private final SiteNetwork network;

  private SiteBench(Sandbox sandbox) {
    this.sandbox = sandbox;
    this.network = sandbox.network();
  }

  /** Where the master is: its site and pod. */
  private record Master(SandboxSite site, String pod) {}

  public static void main(String[] args) {
    Mains.exitWith("bench: sites", () -> run(args));
  }

  private static int run(String[] args) throws Exception {
    int n = List.of(args).contains("--quick") ? 2 : 4;
    Map<String, Object> doc = new LinkedHashMap<>();
    // etcd is started for RTT 0 and keeps its timing; the RTTs measured all tune to the same.
    int electionTimeoutMs = 1000;
    doc.put(
        "setup",
        "halo sandbox --sites 2 --insecure-etcd in the bench JVM: sites paris and lyon (API"
            + " server, operator, kubelet, 2 agent processes each), witness nice (etcd only);"
            + " etcd heartbeat 100 ms, election timeout "
            + electionTimeoutMs
            + " ms; group TTL "
            + TTL_MS
            + " ms; RTT set on the proxies between sites");
    long start = System.nanoTime();
    try (Sandbox sandbox =
        Sandbox.start(
            new Sandbox.Options(3, 0, 0, Optional.empty(), true, true, 2, Duration.ZERO))) {
      SiteBench bench = new SiteBench(sandbox);
      List<Map<String, Object>> losses = new ArrayList<>();
      for (Duration rtt : RTTS) {
        bench.network.rtt(rtt);
        losses.add(bench.siteLoss(rtt, n, electionTimeoutMs));
      }
      doc.put("siteLoss", losses);
      bench.network.rtt(CRASH_RTT);
      doc.put("localCrash", bench.localCrash(n));
    }
    doc.put("tookSeconds", (System.nanoTime() - start) / 1_000_000_000);
    System.out.println("wrote " + BenchReport.write("sites.json", doc));
    return 0;
  }

  private Map<String, Object> siteLoss(Duration rtt, int n, int electionTimeoutMs) {
    List<Long> millis = new ArrayList<>();
    List<String> lost = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Master master = awaitSteady();
      sandbox.etcd().moveLeader(network.index(master.site().name()));
      SandboxSite other = otherThan(master.site());
      long t0 = System.nanoTime();
      network.cut(master.site().name());
      BenchRig.await(
          "a master on " + other.name(), ROUND_TIMEOUT, 10, () -> other.masters().size() == 1);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      millis.add(ms);
      lost.add(master.site().name());
      System.out.printf(
          "bench: sites siteLoss rtt=%d ms lost %s (master %s, raft leader) -> %s labelled after %d ms%n",
          rtt.toMillis(), master.site().name(), master.pod(), other.name(), ms);
      network.heal(master.site().name());
    }
    long bound = TTL_MS + 2L * electionTimeoutMs + rtt.toMillis();
    Map<String, Object> point = new LinkedHashMap<>();
    point.put("rttMs", rtt.toMillis());
    point.put("lossToLabelledMs", Stats.of(millis).asMap());
    point.put("boundMs", bound);
    point.put("withinBound", millis.stream().filter(ms -> ms <= bound).count());
    point.put("sitesLost", lost);
    return point;
  }

  private Map<String, Object> localCrash(int n) {
    List<Long> millis = new ArrayList<>();
    int sameSite = 0;
    for (int i = 0; i < n; i++) {
      Master steady = awaitSteady();
      // The operators keep a standby of the master's site first in line (StandbyRequeues, at
      // most a round per 10 s): the crash comes once they have.
      Master master =
          BenchRig.awaitValue(
              "a standby of the master's site next in line",
              ROUND_TIMEOUT,
              100,
              () ->
                  onlyMaster()
                      .filter(m -> m.equals(steady) && candidates() == 4)
                      .filter(m -> nextInLineSite().filter(m.site().name()::equals).isPresent()));
      long t0 = System.nanoTime();
      master.site().kubelet().crashAgent(master.pod());
      Master next =
          BenchRig.awaitValue(
              "a new master", ROUND_TIMEOUT, 10, () -> onlyMaster().filter(m -> !m.equals(master)));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      millis.add(ms);
      boolean same = next.site() == master.site();
      sameSite += same ? 1 : 0;
      System.out.printf(
          "bench: sites localCrash %s/%s -> %s/%s labelled after %d ms%n",
          master.site().name(), master.pod(), next.site().name(), next.pod(), ms);
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("rttMs", CRASH_RTT.toMillis());
    doc.put("crashToLabelledMs", Stats.of(millis).asMap());
    doc.put("wonBySameSite", sameSite);
    doc.put("wonByOtherSite", n - sameSite);
    return doc;
  }

  /**
   * Waits until one pod of both sites is labelled master, its site's agents and the other's all
   * campaign again (4 candidate keys), and no site is cut off.
   */
  private Master awaitSteady() {
    return BenchRig.awaitValue(
        "one master and 4 candidates",
        ROUND_TIMEOUT,
        100,
        () -> onlyMaster().filter(m -> candidates() == 4));
  }

  private Optional<Master> onlyMaster() {
    List<Master> masters = new ArrayList<>();
    for (SandboxSite site : sandbox.sites()) {
      site.masters().forEach(pod -> masters.add(new Master(site, pod)));
    }
    return masters.size() == 1 ? Optional.of(masters.get(0)) : Optional.empty();
  }

  private long candidates() {
    return BenchRig.candidateKeys(sandbox.etcd(), ELECTION);
  }

  /** The site of the second candidate by create revision: the next master if the first goes. */
  private Optional<String> nextInLineSite() {
    List<String> keys =
        sandbox
            .etcd()
            .etcdctl(
                "get", ELECTION, "--prefix", "--keys-only", "--sort-by=CREATE", "--order=ASCEND")
            .lines()
            .filter(l -> !l.isBlank())
            .toList();
    if (keys.size() < 2) {
      return Optional.empty();
    }
    String identity =
        sandbox
            .etcd()
            .etcdctl(
                "get",
                ElectionKeys.memberKey(
                    ElectionKeys.siteElectionName(GROUP), ElectionKeys.leaseOf(keys.get(1))),
                "--print-value-only")
            .strip();
    return MemberIdentity.decode(identity).map(MemberIdentity::site);
  }

  private SandboxSite otherThan(SandboxSite site) {
    return sandbox.sites().stream().filter(s -> s != site).findFirst().orElseThrow();
  }
}
