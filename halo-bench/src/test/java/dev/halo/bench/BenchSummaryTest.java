package dev.halo.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchSummaryTest {
  @TempDir Path dir;

  @Test
  void writesTheTablesAndChartsOfTheFiguresItFindsAndNamesTheMissingOnes() throws Exception {
    Files.writeString(
        dir.resolve("failover.json"),
        """
        {"machine": {"cores": 2, "jvm": "OpenJDK 17", "os": "Linux", "memoryMiB": 1024,
                     "measuredAt": "2026-12-02T00:00:00Z"},
         "setup": {"groupsInParallel": 4, "roundsPerGroup": 5, "etcdMembers": 3,
                   "agents": "processes", "clientPeriodMs": 20},
         "series": {"ttl5": {"crash": {
            "n": 2,
            "faultToKeyLost": {"p50Ms": 4900, "p99Ms": 5100, "maxMs": 5100},
            "electionHandover": {"p50Ms": 40, "p99Ms": 60, "maxMs": 60},
            "takeover": {"p50Ms": 4950, "p99Ms": 5150, "maxMs": 5150},
            "labelConvergence": {"p50Ms": 80, "p99Ms": 110, "maxMs": 110},
            "faultToTraffic": {"p50Ms": 5000, "p99Ms": 5200, "maxMs": 5200},
            "clientGap": {"p50Ms": 45, "p99Ms": 70, "maxMs": 70},
            "failedRequests": {"total": 3, "perHandover": {"p50Ms": 1, "maxMs": 2}},
            "dualMasterObservations": 0, "failedRounds": [],
            "roleHistory": {"masterIntervals": 2, "smallestGapMs": 41.25, "violations": 0},
            "rounds": [{"takeoverMs": 4950, "faultToTrafficMs": 5000, "clientGapMs": 45},
                       {"takeoverMs": 5150, "faultToTrafficMs": 5200, "clientGapMs": 70}]}},
                    "oneAtATimeTtl5": {"switchover": {
            "n": 1,
            "faultToKeyLost": {"p50Ms": 30, "p99Ms": 30, "maxMs": 30},
            "electionHandover": {"p50Ms": 9, "p99Ms": 9, "maxMs": 9},
            "takeover": {"p50Ms": 39, "p99Ms": 39, "maxMs": 39},
            "labelConvergence": {"p50Ms": 21, "p99Ms": 21, "maxMs": 21},
            "faultToTraffic": {"p50Ms": 60, "p99Ms": 60, "maxMs": 60},
            "clientGap": {"p50Ms": 25, "p99Ms": 25, "maxMs": 25},
            "failedRequests": {"total": 0, "perHandover": {"p50Ms": 0, "maxMs": 0}},
            "dualMasterObservations": 0, "failedRounds": [],
            "rounds": [{"takeoverMs": 39, "faultToTrafficMs": 60, "clientGapMs": 25}]}}},
         "roleHistory": {"ttl5": {"groups": 2, "files": 6, "masterIntervals": 5, "handovers": 3,
            "smallestGapMs": 41.25, "smallestGapBetween": "ttl5-0-1 → ttl5-0-2",
            "violations": 0, "violationDetails": []}}}
        """);
    Files.writeString(
        dir.resolve("peer.json"),
        """
        {"series": {"ttl5": {"crash": {"leaseDurationMs": 5000, "renewDeadlineMs": 4000,
           "retryPeriodMs": 1000,
           "peer": {"takeover": {"p50Ms": 4800, "p99Ms": 5600}, "samplesMs": [4800, 5600]},
           "halo": {"takeover": {"p50Ms": 4950, "p99Ms": 5150}},
           "haloDividedByPeer": {"p50Ms": 1.031, "p99Ms": 0.92}}}}}
        """);

    Path report = new BenchSummary(dir).write();

    String md = Files.readString(report);
    assertThat(md)
        .contains("on 2 cores")
        .contains("| crash | 2 | 4900 / 5100 / 5100 | 40 / 60 / 60 | 80 / 110 / 110")
        .contains("| 0 | 2; 41.25 ms |")
        .contains(
            "Role histories: 5 master intervals checked (6 files, 2 groups), smallest gap between"
                + " consecutive masters 41.25 ms (ttl5-0-1 → ttl5-0-2), no violation.")
        .contains("| 5 s | crash | 5000 / 4000 / 1000 | 4950 / 5150 | 4800 / 5600 | 1.031 | 0.92 |")
        .contains("![failover, Lease TTL 5 s](failover-ttl5.png)")
        .contains("### One hand-over at a time, lease TTL 5 s")
        .contains("| switchover | 1 | 30 / 30 / 30 | 9 / 9 / 9 | 21 / 21 / 21")
        .contains(
            "![failover, One hand-over at a time, lease TTL 5 s](failover-oneAtATimeTtl5.png)")
        .contains("agent.json was not written in this run.")
        .contains("floor.json was not written in this run.")
        .contains("scale.json was not written in this run.");
    for (String png :
        new String[] {"failover-ttl5.png", "failover-oneAtATimeTtl5.png", "peer.png"}) {
      BufferedImage image = ImageIO.read(dir.resolve(png).toFile());
      assertThat(image).as(png).isNotNull();
      assertThat(image.getWidth()).isGreaterThan(500);
    }
  }

  @Test
  void putsTheAgentOnThisJavaAndInItsImageSideBySideWithTheTargets() throws Exception {
    Files.writeString(
        dir.resolve("agent.json"),
        """
        {"runtime": "Java 17.0.15, halo-agent.jar", "jvmOptions": ["-XX:+UseSerialGC", "-Xmx24m"],
         "footprint": {"startToCampaigning": {"p50Ms": 900, "p99Ms": 950, "maxMs": 950},
                       "masterRssMiB": 64, "rssMiB": [64, 65], "masterCpuPercentOfACore": 0.67},
         "classesLoadedByCampaigning": 3980,
         "withClassArchive": {"startToCampaigning": {"p50Ms": 500, "p99Ms": 540, "maxMs": 540}},
         "loadAverageAtStart": "1.00 1.10 1.20", "loadAverageAtEnd": "2.00 1.10 1.20"}
        """);
    Files.writeString(
        dir.resolve("agent-image.json"),
        """
        {"runtime": "the agent image (Java 25.0.3)", "jvmOptions": ["-XX:+UseSerialGC", "-Xmx24m"],
         "image": {"java": "Java 25.0.3",
                   "JDK_JAVA_OPTIONS": "-XX:AOTCache=/opt/halo/halo-agent.aot"},
         "footprint": {"startToCampaigning": {"p50Ms": 280, "p99Ms": 300, "maxMs": 300},
                       "masterRssMiB": 62, "rssMiB": [62, 62], "masterCpuPercentOfACore": 0.63},
         "classesLoadedByCampaigning": 4348,
         "loadAverageAtStart": "3.00 1.10 1.20", "loadAverageAtEnd": "4.00 1.10 1.20"}
        """);

    String md = Files.readString(new BenchSummary(dir).write());

    assertThat(md)
        .contains(
            "JVM options (the operator's for agents): `-XX:+UseSerialGC -Xmx24m`; the image adds"
                + " `JDK_JAVA_OPTIONS=-XX:AOTCache=/opt/halo/halo-agent.aot` (Java 25.0.3).")
        .contains(
            "| figure | target | Java 17.0.15, halo-agent.jar | the agent image (Java 25.0.3) |")
        .contains(
            "| process start → campaigning, p50 / p99 / max (ms) | p50 ≤ 300 | 900 / 950 / 950"
                + " | 280 / 300 / 300 |")
        .contains("| master's RSS 30 s after its election (MiB) | ≤ 56 | 64 | 62 |")
        .contains("| classes loaded by campaigning |  | 3980 | 4348 |")
        .contains("class archive, p50 / p99 / max (ms) |  | 500 / 540 / 540 | - |")
        .contains("| load average at start / end |  | 1.00 1.10 1.20 / 2.00 1.10 1.20 |");
  }

  @Test
  void writesTheScaleTableAndCurveAndShowsAFailedSize() throws Exception {
    Files.writeString(
        dir.resolve("scale.json"),
        """
        {"setup": {"etcdMembers": 1, "crash": "10% of the masters cut off"},
         "points": [
          {"groups": 100, "pods": 300, "coldStartAllLabelledMs": 12345,
           "steadyCpuPercentOfOneCore": 3.5, "rssMiB": 210, "heapUsedMiB": 80,
           "liveHeapAfterGcMiB": 40,
           "labelConvergenceAfterCrash": {"n": 10, "p50Ms": 90, "p99Ms": 300, "maxMs": 300},
           "crashToLabelledMs": {"n": 10, "p50Ms": 20100, "p99Ms": 20400, "maxMs": 20400},
           "dualMasterObservations": 0},
          {"groups": 300, "pods": 900, "coldStartAllLabelledMs": 30000,
           "coldStartAllRunningMs": 31000,
           "coldStartPerGroup": {"operatorCpuSeconds": 0.11, "operatorApiRequests": 14.76,
                                 "operatorApiRequestsByKind": {"POST pods": 3.0}},
           "oneOfN": {"group": "g0001", "rounds": 20,
                      "labelConvergence": {"n": 20, "p50Ms": 67, "p99Ms": 123, "maxMs": 123}},
           "steadyCpuPercentOfOneCore": 9.0, "rssMiB": 300, "heapUsedMiB": 120,
           "liveHeapAfterGcMiB": 60,
           "labelConvergenceAfterCrash": {"n": 30, "p50Ms": 100, "p99Ms": 700, "maxMs": 800},
           "crashToLabelledMs": {"n": 30, "p50Ms": 20200, "p99Ms": 20900, "maxMs": 21000},
           "dualMasterObservations": 0},
          {"groups": 1000, "pods": 3000, "error": "timed out | waiting",
           "labelledGroupsAtEnd": 7,
           "coldStartCpuSeconds": {"operator": 60.5, "mockApiServer": 11.9, "benchJvm": 165.8,
                                   "wallSeconds": 120.4},
           "coldStartCurve": [[0, 0, 0], [5, 2, 40]]}]}
        """);

    String md = Files.readString(new BenchSummary(dir).write());

    assertThat(md)
        .contains("- crash: 10% of the masters cut off")
        .contains(
            "| 100 | 300 | 12.3 s |  |  | 3.5 | 210 | 80 / 40 | 90 / 300 / 300 (n=10) | 20100 /"
                + " 20400 |  | 0 |")
        .contains(
            "| 300 | 900 | 30.0 s | 31.0 s | 0.11 / 14.76 | 9.0 | 300 | 120 / 60 | 100 / 700 / 800"
                + " (n=30) | 20200 / 20900 | 67 / 123 / 123 (n=20) | 0 |")
        .contains("| 1000 | 3000 | failed: timed out \\| waiting (7 labelled by then) |")
        .contains(
            "- 1000 groups, cold start CPU over 120.4 s: operator 60.5 s, mock API server 11.9 s,"
                + " bench JVM (agents, kubelet, API server) 165.8 s; [seconds, groups labelled,"
                + " agents campaigning, pods] every 5 s: [0,0,0] [5,2,40]")
        .contains("![scale](scale.png)");
    BufferedImage image = ImageIO.read(dir.resolve("scale.png").toFile());
    assertThat(image).isNotNull();
    assertThat(image.getWidth()).isGreaterThan(500);
  }

  @Test
  void safetyFindingsAreEveryHistoryViolationAndDualMasterObservationOfHalosBenches()
      throws Exception {
    Files.writeString(
        dir.resolve("failover.json"),
        """
        {"series": {"ttl5": {"crash": {"dualMasterObservations": 0,
                                       "roleHistory": {"violations": 0}},
                             "podDelete": {"dualMasterObservations": 2,
                                           "roleHistory": {"violations": 1}}}},
         "roleHistory": {"ttl5": {"violations": 1, "violationDetails": ["overlap"]}}}
        """);
    Files.writeString(
        dir.resolve("scale.json"),
        """
        {"points": [{"groups": 100, "dualMasterObservations": 0},
                    {"groups": 300, "dualMasterObservations": 3}]}
        """);
    // The peer's own dual masters are the peer's, not a defect of Halo's.
    Files.writeString(
        dir.resolve("peer.json"), "{\"series\": {\"ttl5\": {\"dualMasterObservations\": 4}}}");

    assertThat(new BenchSummary(dir).safetyFindings())
        .containsExactlyInAnyOrder(
            "failover.json/series/ttl5/podDelete/dualMasterObservations = 2",
            "failover.json/series/ttl5/podDelete/roleHistory/violations = 1",
            "failover.json/roleHistory/ttl5/violations = 1",
            "scale.json/points/1/dualMasterObservations = 3");
  }

  @Test
  void aCleanRunHasNoSafetyFindings() throws Exception {
    Files.writeString(
        dir.resolve("failover.json"),
        """
        {"series": {"ttl5": {"crash": {"dualMasterObservations": 0,
                                       "roleHistory": {"violations": 0}}}},
         "roleHistory": {"ttl5": {"violations": 0}}}
        """);

    assertThat(new BenchSummary(dir).safetyFindings()).isEmpty();
  }

  @Test
  void writesTheSiteLossAgainstItsBoundAndWhichSiteWonAfterALocalCrash() throws Exception {
    Files.writeString(
        dir.resolve("sites.json"),
        """
        {"setup": "two sites",
         "siteLoss": [{"rttMs": 20, "lossToLabelledMs": {"n": 4, "p50Ms": 7700, "maxMs": 8100},
                       "boundMs": 7020, "withinBound": 0}],
         "localCrash": {"rttMs": 20, "crashToLabelledMs": {"n": 4, "p50Ms": 100, "maxMs": 130},
                        "wonBySameSite": 3, "wonByOtherSite": 1}}
        """);

    String md = Files.readString(new BenchSummary(dir).write());

    assertThat(md)
        .contains("## Multi-site (sites.json)")
        .contains("| RTT 20 ms | 4 | 7700 / 8100 | 7020 ms | 0 of 4 |")
        .contains("on the same site 3 times, on the other site 1 times");
  }

  @Test
  void writesEachRedisFaultWithItsFailedAndLostWritesAndTheRollingUpdate() throws Exception {
    Files.writeString(
        dir.resolve("redis.json"),
        """
        {"setup": "redis in the sandbox", "repointBoundMs": 2500,
         "modes": [{"minReplicasToWrite": 1,
                    "rollingUpdate": {"tookMs": 9000, "failed": 12, "ackedWritesLost": 0},
                    "faults": [{"fault": "podDelete",
                                "faultToLabelledMs": {"n": 3, "p50Ms": 80, "maxMs": 120},
                                "failureWindowMs": {"n": 3, "p50Ms": 700, "maxMs": 900},
                                "failedWrites": {"n": 3, "p50Ms": 60, "maxMs": 85},
                                "ackedWritesLost": [0, 2, 0],
                                "labelledToReplicasFollowMs": {"n": 3, "maxMs": 1900},
                                "replicasWithinBound": 3,
                                "faultToOldMasterReplicaMs": {"n": 3, "maxMs": 7000}}]}]}
        """);

    String md = Files.readString(new BenchSummary(dir).write());

    assertThat(md)
        .contains("## Redis under Halo (redis.json)")
        .contains(
            "| 1 | podDelete | 3 | 80 / 120 | 700 / 900 | 60 / 85 | [0,2,0] | 1900 (3 of 3 within) | 7000 |")
        .contains(
            "Rolling update to min-replicas-to-write 1: 9000 ms, 12 writes failed, 0"
                + " acknowledged writes lost.");
  }
}
