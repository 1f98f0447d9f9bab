package dev.halo.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.halo.agent.ElectionClient.Lease;
import dev.halo.agent.ElectionClient.LeaseNotFoundException;
import dev.halo.testing.EtcdExtension;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Lease renewals of the jetcd client against real etcd: one stream, answers matched in order. */
class JetcdElectionClientIT {
  @RegisterExtension static final EtcdExtension etcd = EtcdExtension.members(1);

  private static JetcdElectionClient client() {
    return new JetcdElectionClient(
        etcd.cluster().clientUrls().stream().map(URI::create).toList(), Duration.ofSeconds(3));
  }

  @Test
  void renewalsKeepALeaseAliveAndReportItsTtl() throws Exception {
    try (JetcdElectionClient client = client()) {
      assertThat(client.renewsOnOneStream()).isTrue();
      Lease lease = client.grant(5).get(5, TimeUnit.SECONDS);
      for (int i = 0; i < 10; i++) {
        assertThat(client.keepAliveOnce(lease.id()).get(5, TimeUnit.SECONDS))
            .isEqualTo(new Lease(lease.id(), 5));
      }
    }
  }

  @Test
  void renewingARevokedLeaseFailsWithLeaseNotFound() throws Exception {
    try (JetcdElectionClient client = client()) {
      Lease lease = client.grant(5).get(5, TimeUnit.SECONDS);
      client.revoke(lease.id()).get(5, TimeUnit.SECONDS);
      assertThatThrownBy(() -> client.keepAliveOnce(lease.id()).get(5, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(LeaseNotFoundException.class);
      // The stream stays usable after a "not found" answer.
      Lease other = client.grant(5).get(5, TimeUnit.SECONDS);
      assertThat(client.keepAliveOnce(other.id()).get(5, TimeUnit.SECONDS).ttlSeconds())
          .isEqualTo(5);
    }
  }

  @Test
  void concurrentRenewalsOfLiveAndGoneLeasesEachGetTheirOwnAnswer() throws Exception {
    try (JetcdElectionClient client = client()) {
      List<Long> live = new ArrayList<>();
      List<Long> gone = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        long id = client.grant(7 + i % 3).get(5, TimeUnit.SECONDS).id();
        if (i % 2 == 0) {
          live.add(id);
        } else {
          client.revoke(id).get(5, TimeUnit.SECONDS);
          gone.add(id);
        }
      }
      List<CompletableFuture<Boolean>> results = new ArrayList<>();
      for (int round = 0; round < 5; round++) {
        for (int i = 0; i < live.size(); i++) {
          long liveId = live.get(i);
          long goneId = gone.get(i);
          results.add(
              CompletableFuture.supplyAsync(() -> client.keepAliveOnce(liveId))
                  .thenCompose(f -> f)
                  .thenApply(l -> l.id() == liveId && l.ttlSeconds() >= 7));
          results.add(
              CompletableFuture.supplyAsync(() -> client.keepAliveOnce(goneId))
                  .thenCompose(f -> f)
                  .handle((l, e) -> l == null && JetcdElectionClient.isLeaseNotFound(e)));
        }
      }
      for (CompletableFuture<Boolean> r : results) {
        assertThat(r.get(10, TimeUnit.SECONDS)).isTrue();
      }
    }
  }

  @Test
  void renewalsResumeOnANewStreamAfterEtcdCameBack() throws Exception {
    try (JetcdElectionClient client = client()) {
      Lease lease = client.grant(30).get(5, TimeUnit.SECONDS);
      client.keepAliveOnce(lease.id()).get(5, TimeUnit.SECONDS);
      etcd.cluster().stop(0);
      assertThatThrownBy(() -> client.keepAliveOnce(lease.id()).get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class);
      etcd.cluster().restart(0);
      await()
          .atMost(Duration.ofSeconds(30))
          .ignoreExceptions()
          .until(
              () -> client.keepAliveOnce(lease.id()).get(5, TimeUnit.SECONDS).id() == lease.id());
    } finally {
      etcd.ensureAllRunning();
    }
  }

  @Test
  void manyRenewalsTimingOutOnAStalledEtcdFailOneByOneAndTheNextStreamWorks() throws Exception {
    // Thousands of in-process agents share a stream in the scale bench: when etcd stalled, each
    // timed-out renewal used to end the stream from inside the failure of the one before, until
    // the thread's stack overflowed.
    try (JetcdElectionClient client =
        new JetcdElectionClient(
            etcd.cluster().clientUrls().stream().map(URI::create).toList(),
            Duration.ofMillis(500))) {
      Lease lease = client.grant(30).get(5, TimeUnit.SECONDS);
      client.keepAliveOnce(lease.id()).get(5, TimeUnit.SECONDS);
      signal("STOP");
      try {
        List<CompletableFuture<Lease>> stalled = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
          stalled.add(client.keepAliveOnce(lease.id()));
        }
        for (CompletableFuture<Lease> f : stalled) {
          assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS))
              .isInstanceOf(ExecutionException.class)
              .satisfies(
                  e -> assertThat(causes(e)).noneMatch(StackOverflowError.class::isInstance));
        }
      } finally {
        signal("CONT");
      }
      await()
          .atMost(Duration.ofSeconds(20))
          .ignoreExceptions()
          .until(
              () -> client.keepAliveOnce(lease.id()).get(2, TimeUnit.SECONDS).id() == lease.id());
    }
  }

  private static void signal(String name) throws Exception {
    Process kill =
        new ProcessBuilder("kill", "-" + name, Long.toString(etcd.cluster().pid(0)))
            .inheritIO()
            .start();
    assertThat(kill.waitFor()).isZero();
  }

  private static List<Throwable> causes(Throwable e) {
    List<Throwable> all = new ArrayList<>();
    for (Throwable t = e; t != null && !all.contains(t); t = t.getCause()) {
      all.add(t);
    }
    return all;
  }
}
