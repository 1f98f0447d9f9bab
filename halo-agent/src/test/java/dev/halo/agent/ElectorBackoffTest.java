package dev.halo.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.common.ElectionKeys;
import dev.halo.etcd.EtcdSecurity;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * docs/design.md invariant 8 for the agent: when etcd answers at once with an error or an end of
 * stream, the elector's loops wait longer and longer (capped, with jitter) instead of spinning.
 */
class ElectorBackoffTest {
  private static final String ELECTION = ElectionKeys.electionName("test", "backoff");
  private final BrokenEtcdClient etcd = new BrokenEtcdClient(ELECTION, "b-0");
  private Agent agent;

  private void startAgent() throws Exception {
    AgentConfig config =
        new AgentConfig(
            List.of(URI.create("http://127.0.0.1:1")),
            EtcdSecurity.none(),
            ELECTION,
            "b-0",
            5,
            "127.0.0.1",
            0,
            Optional.empty(),
            Duration.ofSeconds(1),
            3,
            Optional.empty(),
            Optional.empty(),
            "",
            "");
    agent = Agent.start(config, etcd);
  }

  @AfterEach
  void stopAgent() {
    if (agent != null) {
      agent.close();
    }
  }

  /** Milliseconds between consecutive calls. */
  private static List<Long> gapsMs(Queue<Long> calls) {
    List<Long> at = new ArrayList<>(calls);
    List<Long> gaps = new ArrayList<>();
    for (int i = 1; i < at.size(); i++) {
      gaps.add(TimeUnit.NANOSECONDS.toMillis(at.get(i) - at.get(i - 1)));
    }
    return gaps;
  }

  /** Equal jitter from 100 ms: the n-th delay in a row is at least 50 ms × 2^n. */
  private static void assertGrowing(Queue<Long> calls, int n) {
    List<Long> gaps = gapsMs(calls).subList(0, n);
    for (int i = 0; i < n; i++) {
      assertThat(gaps.get(i)).as("delay %d of %s", i, gaps).isGreaterThanOrEqualTo(50L << i);
    }
  }

  @Test
  void aWatchThatEndsAtOnceIsReCreatedOnceEachTimeWithGrowingDelays() throws Exception {
    startAgent();
    // Each re-watch opens two watches (prefix and step-down key). Spinning, or two chains per
    // broken watch, make hundreds in two seconds; backing off from 100 ms makes at most 7 pairs.
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(3))
        .until(() -> etcd.allWatches.size() <= 16);
    await().atMost(Duration.ofSeconds(10)).until(() -> etcd.prefixWatches.size() >= 5);
    assertGrowing(etcd.prefixWatches, 4);
    // One leader read per re-watch: every broken watch pair was acted on once.
    assertThat(etcd.leaderReads.size()).isLessThanOrEqualTo(etcd.prefixWatches.size() + 1);
    assertThat(agent.role()).isEqualTo(Role.MASTER);
  }

  @Test
  void theWatchBackoffStartsOverOnlyAfterAWatchDeliveredAnEvent() throws Exception {
    startAgent();
    await().atMost(Duration.ofSeconds(10)).until(() -> etcd.prefixWatches.size() >= 5);
    assertGrowing(etcd.prefixWatches, 4);

    etcd.watchesBreak = false;
    int healthy = etcd.prefixWatches.size() + 1;
    await().atMost(Duration.ofSeconds(5)).until(() -> etcd.prefixWatches.size() >= healthy);
    etcd.deliverChange();
    etcd.breakLatestWatch();
    // The ceiling had grown past 1.6 s; after a healthy watch the first delay (<= 100 ms) is back.
    await().atMost(Duration.ofMillis(600)).until(() -> etcd.prefixWatches.size() >= healthy + 1);
  }

  @Test
  void leaderReadsThatFailAtOnceAreRetriedWithGrowingDelays() throws Exception {
    etcd.leaderReadsFail = true;
    startAgent();
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(3))
        .until(() -> etcd.leaderReads.size() <= 8);
    await().atMost(Duration.ofSeconds(10)).until(() -> etcd.leaderReads.size() >= 5);
    assertGrowing(etcd.leaderReads, 4);
  }

  @Test
  void renewalsThatFailAtOnceKeepTheirCadence() throws Exception {
    startAgent();
    await().atMost(Duration.ofSeconds(5)).until(() -> agent.role() == Role.MASTER);
    etcd.renewalsFail = true;
    int before = etcd.renewals.size();
    // TTL 5: a master renews every 500 ms; after its deadline the re-attach retries back off.
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(3))
        .until(() -> etcd.renewals.size() - before <= 10);
  }
}
