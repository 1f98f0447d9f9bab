package dev.halo.chaos;

import dev.halo.bench.Mains;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code make chaos SEED=n}: a seeded campaign of faults ({@link FaultKind}) against three groups
 * (two with lease TTL 2 s, one with TTL 5 s) on the sandbox's machinery: embedded API server,
 * 3-member etcd, the operator as its own process (restartable, pausable, its API requests named by
 * a user agent of their own so API faults can target them), the local kubelet running every agent
 * as an OS process and restarting dead agents after 1 s, and the service proxy. One fault at a
 * time, targets picked from the live state; the rollouts and scaling they start run on under the
 * next faults. A {@link Checker} samples throughout; at the end every group must be whole again
 * (its replicas Running with one agreed master), and every group's role histories must prove that
 * no two masters overlapped ({@link HistoryCheck}). Writes target/chaos/report.json,
 * target/chaos/summary.txt and a copy of the role histories in target/chaos/role-history/.
 */
public final class ChaosCampaign implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChaosCampaign.class);
  private static final Map<String, Integer> GROUPS = Map.of("c0", 2, "c1", 2, "c5", 5);
  private static final List<String> GROUP_NAMES = List.of("c0", "c1", "c5");
  private static final int MAX_TTL = 5;

  private final ChaosRig rig;
  private final ChaosGroups groups;
  private final Disturbances disturbances = new Disturbances();
  private final FaultInjector faults;
  private final ChaosReport report = new ChaosReport();

  private ChaosCampaign(Path out) throws Exception {
    rig = new ChaosRig(out);
    groups = new ChaosGroups(rig);
    faults = new FaultInjector(rig, groups, disturbances, GROUPS, MAX_TTL);
  }

  /** Runs {@code faults} faults from {@code seed}; returns the report (also written to disk). */
  public static Map<String, Object> run(
      long seed, int faults, long minPauseMs, long maxPauseMs, Path out) throws Exception {
    return run(seed, faults, minPauseMs, maxPauseMs, out, List.of(FaultKind.values()));
  }

  /** As above, with faults of the {@code allowed} kinds only. */
  static Map<String, Object> run(
      long seed, int faults, long minPauseMs, long maxPauseMs, Path out, List<FaultKind> allowed)
      throws Exception {
    try (ChaosCampaign campaign = new ChaosCampaign(out)) {
      return campaign.execute(
          FaultPlan.of(seed, faults, GROUP_NAMES.size(), minPauseMs, maxPauseMs, allowed), out);
    }
  }

  public static void main(String[] args) {
    Mains.exitWith("chaos", () -> campaign(args));
  }

  private static int campaign(String[] args) throws Exception {
    long seed = 1;
    int faults = 200;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--seed" -> seed = Long.parseLong(args[i + 1]);
        case "--faults" -> faults = Integer.parseInt(args[i + 1]);
        default ->
            throw new IllegalArgumentException(
                "unknown option " + args[i] + "; use --seed N --faults N");
      }
    }
    Map<String, Object> report = run(seed, faults, 200, 1200, Path.of("target", "chaos"));
    return ((List<?>) report.get("violations")).isEmpty() ? 0 : 1;
  }

  private Map<String, Object> execute(FaultPlan plan, Path out) throws Exception {
    long start = System.nanoTime();
    for (String g : GROUP_NAMES) {
      groups.create(g, GROUPS.get(g));
    }
    for (String g : GROUP_NAMES) {
      groups.awaitWhole(g, Duration.ofSeconds(90));
    }
    long campaignStart = System.nanoTime();
    try (Checker checker =
            new Checker(
                rig.checkerClient,
                rig.electionClient,
                rig.kubelet,
                rig.proxy,
                ChaosRig.NAMESPACE,
                GROUPS,
                disturbances::excused,
                campaignStart);
        OperatorLiveness liveness = new OperatorLiveness(rig, disturbances, campaignStart)) {
      for (FaultPlan.Fault f : plan.faults()) {
        Thread.sleep(f.pauseMs());
        String group = GROUP_NAMES.get(f.group());
        long at = System.nanoTime();
        String outcome;
        try {
          outcome = faults.inject(f, group);
        } catch (RuntimeException e) {
          outcome = "could not inject: " + e.getMessage();
          log.atWarn()
              .addKeyValue("fault", f.kind())
              .addKeyValue("error", e.toString())
              .log("chaos: fault failed");
        }
        report.fault(
            f,
            group,
            (at - campaignStart) / 1_000_000,
            (System.nanoTime() - at) / 1_000_000,
            outcome);
        log.atInfo()
            .addKeyValue("index", f.index())
            .addKeyValue("kind", f.kind())
            .addKeyValue("group", group)
            .addKeyValue("outcome", outcome)
            .log("chaos: fault done");
      }
      // Let everything settle and check that no group lost a pod or its master.
      for (String g : GROUP_NAMES) {
        if (groups.replicas(g) != 3) {
          groups.scale(g, 3);
        }
      }
      for (String g : GROUP_NAMES) {
        try {
          groups.awaitWhole(g, Duration.ofSeconds(120));
        } catch (RuntimeException e) {
          checker
              .judge()
              .add(
                  new Judge.Violation(
                      "GROUP_NOT_WHOLE",
                      g,
                      (System.nanoTime() - campaignStart) / 1_000_000,
                      0,
                      e.getMessage()));
        }
      }
      for (String missed : faults.unreadableNotReported()) {
        checker
            .judge()
            .add(
                new Judge.Violation(
                    "UNREADABLE_NOT_REPORTED",
                    missed.substring(0, missed.indexOf(':')),
                    (System.nanoTime() - campaignStart) / 1_000_000,
                    0,
                    "a group whose spec does not fit the model got no Valid=False within 15 s: "
                        + missed));
      }
      liveness.close();
      checker.close();
      Map<String, Object> histories =
          HistoryCheck.run(rig.kubelet, GROUP_NAMES, checker.judge(), campaignStart, out);
      return report.write(
          plan,
          checker.judge(),
          histories,
          GROUPS,
          disturbances,
          faults.orphans().stream().map(o -> o.asMap(campaignStart)).toList(),
          liveness.restarts(),
          start,
          out);
    }
  }

  @Override
  public void close() {
    rig.close();
  }
}
