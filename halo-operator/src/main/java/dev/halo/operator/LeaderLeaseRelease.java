package dev.halo.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives the operator's leader Lease back on a graceful stop, so that a standby replica takes over
 * at its next retry instead of after the lease duration. The Java Operator SDK cancels its elector
 * on stop without releasing (it builds it with {@code releaseOnCancel=false}); this uses fabric8's
 * own {@link LeaderElector#release()}, which empties the holder only if this replica still holds
 * the Lease. The call is bounded: an API server that is gone must not keep the process alive.
 */
final class LeaderLeaseRelease {
  private static final Logger log = LoggerFactory.getLogger(LeaderLeaseRelease.class);

  /** How long a stop waits for the API server to take the release. */
  static final Duration TIMEOUT = Duration.ofSeconds(3);

  private final KubernetesClient client;
  private final String name;
  private final String namespace;
  private final String identity;

  LeaderLeaseRelease(KubernetesClient client, String name, String namespace, String identity) {
    this.client = client;
    this.name = name;
    this.namespace = namespace;
    this.identity = identity;
  }

  /** Releases the Lease if this replica holds it; never waits longer than {@link #TIMEOUT}. */
  void release() {
    LeaderElector elector =
        new LeaderElector(
            client,
            new LeaderElectionConfigBuilder()
                .withName(name)
                .withLock(new LeaseLock(namespace, name, identity))
                .withLeaseDuration(Duration.ofSeconds(15))
                .withRenewDeadline(Duration.ofSeconds(10))
                .withRetryPeriod(Duration.ofSeconds(2))
                .withLeaderCallbacks(new LeaderCallbacks(() -> {}, () -> {}, leader -> {}))
                .build(),
            Runnable::run);
    CompletableFuture<Boolean> call = new CompletableFuture<>();
    Thread worker =
        new Thread(
            () -> {
              try {
                call.complete(elector.release());
              } catch (RuntimeException e) {
                call.completeExceptionally(e);
              }
            },
            "halo-lease-release");
    worker.setDaemon(true); // a hung call must not keep the JVM alive
    worker.start();
    try {
      if (call.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        log.atInfo()
            .addKeyValue("lease", namespace + "/" + name)
            .log("released the operator Lease; a standby replica takes over");
      }
    } catch (TimeoutException e) {
      worker.interrupt();
      log.atWarn()
          .addKeyValue("lease", namespace + "/" + name)
          .addKeyValue("timeoutMs", TIMEOUT.toMillis())
          .log(
              "could not release the operator Lease in time; a standby takes over once it expires");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException e) {
      log.atWarn()
          .addKeyValue("lease", namespace + "/" + name)
          .addKeyValue("error", e.getCause().toString())
          .log("could not release the operator Lease; a standby takes over once it expires");
    }
  }
}
