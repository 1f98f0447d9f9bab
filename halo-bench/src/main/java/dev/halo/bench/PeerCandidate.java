package dev.halo.bench;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The peer Halo is measured against, as a Java user would write it: fabric8's {@code LeaderElector}
 * with a {@code LeaseLock}, one JVM per candidate. Prints {@code LEADING} when it starts leading
 * and {@code STOPPED} when it stops; SIGTERM cancels the elector, which releases the lease ({@code
 * releaseOnCancel}).
 *
 * <p>Arguments: API server URL, namespace, lease name, identity, lease duration, renew deadline and
 * retry period in milliseconds.
 */
public final class PeerCandidate {
  private PeerCandidate() {}

  public static void main(String[] args) throws Exception {
    String url = args[0];
    String namespace = args[1];
    String lease = args[2];
    String identity = args[3];
    Duration leaseDuration = Duration.ofMillis(Long.parseLong(args[4]));
    Duration renewDeadline = Duration.ofMillis(Long.parseLong(args[5]));
    Duration retryPeriod = Duration.ofMillis(Long.parseLong(args[6]));
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(url + "/")
            .withNamespace(namespace)
            .withHttp2Disable(true)
            .withRequestTimeout(2000)
            .build();
    KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
    CountDownLatch stopped = new CountDownLatch(1);
    CompletableFuture<?> election =
        client
            .leaderElector()
            .withConfig(
                new LeaderElectionConfigBuilder()
                    .withName(lease)
                    .withLock(new LeaseLock(namespace, lease, identity))
                    .withLeaseDuration(leaseDuration)
                    .withRenewDeadline(renewDeadline)
                    .withRetryPeriod(retryPeriod)
                    .withReleaseOnCancel(true)
                    .withLeaderCallbacks(
                        new LeaderCallbacks(
                            () -> say("LEADING"),
                            () -> {
                              say("STOPPED");
                              stopped.countDown();
                            },
                            leader -> {}))
                    .build())
            .build()
            .start();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  election.cancel(true);
                  try {
                    stopped.await(3, TimeUnit.SECONDS); // the release, bounded
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                }));
    say("STARTED");
    try {
      election.join();
    } catch (RuntimeException e) {
      // cancelled by the shutdown hook
    }
  }

  private static void say(String what) {
    System.out.println(what);
    System.out.flush();
  }
}
