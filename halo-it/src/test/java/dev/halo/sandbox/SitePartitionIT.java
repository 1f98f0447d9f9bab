package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.common.ElectionKeys;
import dev.halo.sandbox.history.HistoryFile;
import dev.halo.sandbox.history.MasterInterval;
import dev.halo.sandbox.history.RoleHistoryChecker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A site partitioned from the other two, proven from the agents' role histories: with {@code
 * --sites 2 --site-rtt-ms 20}, the master's site is cut off from the other site and the witness.
 * Every agent writes when it promotes and demotes on the machine's monotonic clock, so the master
 * intervals of both sites' agents can be laid side by side: the cut site's master must have demoted
 * (its lease could not be renewed without etcd's majority) before the other site's member promoted,
 * with a gap between them and no overlap anywhere.
 */
class SitePartitionIT {
  private static final Logger log = LoggerFactory.getLogger(SitePartitionIT.class);
  private static final Duration CONVERGE = Duration.ofSeconds(90);
  private static final Duration RTT = Duration.ofMillis(20);
  private static final String GROUP = Sandbox.SITE_GROUP;
  private static final String ELECTION = ElectionKeys.prefix(ElectionKeys.siteElectionName(GROUP));
  private static Sandbox sandbox;

  @BeforeAll
  static void start() {
    Awaitility.ignoreExceptionsByDefault();
    sandbox = Sandbox.start(new Sandbox.Options(3, 0, 0, Optional.empty(), true, true, 2, RTT));
  }

  @AfterAll
  static void stop() {
    if (sandbox != null) {
      sandbox.close();
    }
  }

  @Test
  void theCutOffSitesMasterDemotesBeforeTheOtherSitesMemberPromotes() {
    // First with etcd's raft leader on the witness, then on the master's own site: a leader cut
    // off keeps renewing leases until it steps down, and the new leader extends every lease.
    List<Round> rounds = List.of(cutOff(false), cutOff(true));

    Map<String, String> siteOfSource = new HashMap<>();
    List<HistoryFile> files = new ArrayList<>();
    for (SandboxSite site : sandbox.sites()) {
      for (HistoryFile file : site.kubelet().roleHistories(GROUP)) {
        siteOfSource.put(file.path().getFileName().toString(), site.name());
        files.add(file);
      }
    }
    RoleHistoryChecker.Verdict verdict = RoleHistoryChecker.check(GROUP, files, System.nanoTime());
    assertThat(verdict.violations()).isEmpty();

    for (Round round : rounds) {
      // The last interval of the cut site that started before the cut, and the first of the
      // other site that started after it: the master that lost its site, and the one that took
      // over.
      MasterInterval lost =
          verdict.intervals().stream()
              .filter(i -> siteOfSource.get(i.source()).equals(round.cut()))
              .filter(i -> i.startNanos() < round.cutAt())
              .reduce((x, y) -> y)
              .orElseThrow();
      MasterInterval took =
          verdict.intervals().stream()
              .filter(i -> siteOfSource.get(i.source()).equals(round.other()))
              .filter(i -> i.startNanos() > round.cutAt())
              .findFirst()
              .orElseThrow();
      assertThat(lost.member()).isEqualTo(round.oldMaster());
      assertThat(took.member()).isEqualTo(round.newMaster());
      assertThat(lost.endNanos())
          .as("the cut site's master demoted at")
          .isGreaterThan(round.cutAt());
      long gap = took.startNanos() - lost.endNanos();
      assertThat(gap).as("gap between the demotion and the promotion").isPositive();
      log.atInfo()
          .addKeyValue("cutSite", round.cut())
          .addKeyValue("raftLeaderOnCutSite", round.leaderOnCutSite())
          .addKeyValue("demotedAfterCut", RoleHistoryChecker.ms(lost.endNanos() - round.cutAt()))
          .addKeyValue("promotedAfterCut", RoleHistoryChecker.ms(took.startNanos() - round.cutAt()))
          .addKeyValue("gap", RoleHistoryChecker.ms(gap))
          .addKeyValue("demotion", lost.ended())
          .log("site partition: the cut site's master demoted before the other site's promoted");
    }
  }

  /** One site cut off and healed: which, when, and the masters before and after. */
  private record Round(
      String cut,
      String other,
      boolean leaderOnCutSite,
      long cutAt,
      String oldMaster,
      String newMaster) {}

  /**
   * Waits until one master is labelled and all 4 agents campaign, puts etcd's raft leader on the
   * master's site or on the witness, cuts the master's site off until the other site has a master
   * and the cut site's agents have demoted, then heals it.
   */
  private static Round cutOff(boolean leaderOnCutSite) {
    SandboxSite cut =
        await().atMost(CONVERGE).until(SitePartitionIT::siteOfTheOnlyMaster, s -> s != null);
    await().atMost(CONVERGE).until(() -> candidates() == 4);
    SandboxSite other = sandbox.sites().stream().filter(s -> s != cut).findFirst().orElseThrow();
    String oldMaster = cut.masters().get(0);
    await().atMost(CONVERGE).until(() -> "master".equals(cut.kubelet().agent(oldMaster).role()));
    SiteNetwork network = sandbox.network();
    sandbox
        .etcd()
        .moveLeader(leaderOnCutSite ? network.index(cut.name()) : network.sites().size() - 1);

    long cutAt = System.nanoTime();
    network.cut(cut.name());
    await().atMost(CONVERGE).until(() -> other.masters().size() == 1);
    String newMaster = other.masters().get(0);
    await().atMost(CONVERGE).until(() -> "master".equals(other.kubelet().agent(newMaster).role()));
    await().atMost(CONVERGE).until(() -> !"master".equals(cut.kubelet().agent(oldMaster).role()));
    network.heal(cut.name());
    await().atMost(CONVERGE).until(() -> cut.masters().isEmpty() && other.masters().size() == 1);
    return new Round(cut.name(), other.name(), leaderOnCutSite, cutAt, oldMaster, newMaster);
  }

  private static long candidates() {
    return sandbox
        .etcd()
        .etcdctl("get", ELECTION, "--prefix", "--keys-only")
        .lines()
        .filter(l -> !l.isBlank())
        .count();
  }

  /** The site whose pod is the only one of both sites labelled master, else null. */
  private static SandboxSite siteOfTheOnlyMaster() {
    List<SandboxSite> withMaster =
        sandbox.sites().stream().filter(s -> !s.masters().isEmpty()).toList();
    return withMaster.size() == 1 && withMaster.get(0).masters().size() == 1
        ? withMaster.get(0)
        : null;
  }
}
