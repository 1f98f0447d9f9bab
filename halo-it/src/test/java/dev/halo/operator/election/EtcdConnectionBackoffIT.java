package dev.halo.operator.election;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.common.ElectionKeys;
import dev.halo.testing.EtcdExtension;
import io.etcd.jetcd.Watch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * docs/design.md invariant 8 for the operator's etcd watch: reads answer (real etcd), but every
 * watch ends at once, as on a member that is losing the raft leader. The rebuild loop must back off
 * instead of reading and watching again at once, and start over once a watch delivered.
 */
class EtcdConnectionBackoffIT {
  @RegisterExtension static final EtcdExtension etcd = EtcdExtension.members(1);

  private static final String ELECTION = ElectionKeys.electionName("backoff", "g");
  private final ConcurrentLinkedQueue<Long> opened = new ConcurrentLinkedQueue<>();
  private final AtomicReference<Watch.Listener> latest = new AtomicReference<>();
  private volatile boolean watchesEndAtOnce = true;
  private EtcdConnection connection;

  @AfterEach
  void close() {
    if (connection != null) {
      connection.close();
    }
  }

  private void connect() {
    connection =
        new EtcdConnection(
            etcd.cluster().clientUrls(),
            Duration.ofSeconds(1),
            Duration.ofSeconds(1),
            election -> {},
            (client, key, option, listener) -> {
              opened.add(System.nanoTime());
              latest.set(listener);
              if (!watchesEndAtOnce) {
                return client.getWatchClient().watch(key, option, listener);
              }
              // As jetcd does on a dying member: an error per internal retry, then the end.
              listener.onError(new IllegalStateException("etcdserver: no leader"));
              listener.onError(new IllegalStateException("etcdserver: no leader"));
              listener.onCompleted();
              return new Ended();
            });
  }

  private List<Long> gapsMs() {
    List<Long> at = new ArrayList<>(opened);
    List<Long> gaps = new ArrayList<>();
    for (int i = 1; i < at.size(); i++) {
      gaps.add(TimeUnit.NANOSECONDS.toMillis(at.get(i) - at.get(i - 1)));
    }
    return gaps;
  }

  @Test
  void watchesThatEndAtOnceAreReopenedWithGrowingDelays() {
    connect();
    // Without backoff the loop reads and re-watches hundreds of times a second; from 250 ms,
    // doubling, at most 5 watches fit into two seconds.
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(3))
        .until(() -> connection.watchesCreated() <= 6);
    await().atMost(Duration.ofSeconds(10)).until(() -> opened.size() >= 4);
    List<Long> gaps = gapsMs();
    for (int i = 0; i < 3; i++) {
      assertThat(gaps.get(i)).as("delay %d of %s", i, gaps).isGreaterThanOrEqualTo(125L << i);
    }
  }

  @Test
  void theBackoffStartsOverOnceAWatchDelivered() {
    connect();
    await().atMost(Duration.ofSeconds(10)).until(() -> opened.size() >= 4);
    assertThat(gapsMs().get(2)).as("third delay, ceiling 1 s").isGreaterThanOrEqualTo(500L);
    watchesEndAtOnce = false;
    int healthy = opened.size() + 1;
    await().atMost(Duration.ofSeconds(5)).until(() -> opened.size() >= healthy);
    etcd.cluster().etcdctl("put", ElectionKeys.candidateKey(ELECTION, 7), "pod-7");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> connection.view(ELECTION).isCampaigning("pod-7"));

    latest.get().onError(new IllegalStateException("etcdserver: no leader"));
    // The ceiling had reached 2 s; after a watch delivered, the first delay (<= 250 ms) is back.
    await().atMost(Duration.ofMillis(800)).until(() -> opened.size() >= healthy + 1);
  }

  /** A watcher that has already ended. */
  private static final class Ended implements Watch.Watcher {
    @Override
    public void close() {}

    @Override
    public boolean isClosed() {
      return true;
    }

    @Override
    public void requestProgress() {}
  }
}
