package dev.halo.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.common.Labels;
import dev.halo.sandbox.Sandbox;
import dev.halo.sandbox.ServiceProxy;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code halo sandbox --example redis}, in this JVM: the Redis example's manifest as it is, its
 * pods run by the sandbox's kubelet as real {@code redis-server} and hook processes with real
 * agents on a real etcd. Redis follows the election: one master, in Redis's own {@code INFO
 * replication} and in the labels, the others replicating from it; through a failover, and never two
 * Redis masters reachable through the master Service.
 */
class SandboxRedisIT {
  private static final Duration CONVERGE = Duration.ofSeconds(60);
  private static Sandbox sandbox;

  /** Who the labels and Redis say the master is. */
  private record Agreement(String master, int masterPort) {}

  @BeforeAll
  static void start() {
    Awaitility.ignoreExceptionsByDefault();
    RedisNode.requirePrograms();
    sandbox =
        Sandbox.start(
            new Sandbox.Options(
                1, 0, 0, Optional.empty(), true, true, 1, Duration.ZERO, Sandbox.Example.REDIS));
  }

  @AfterAll
  static void stop() {
    if (sandbox != null) {
      sandbox.close();
    }
  }

  @Test
  void redisFollowsTheElectionThroughAFailoverAndTheServiceNeverReachesTwoRedisMasters()
      throws Exception {
    Agreement first =
        await().atMost(CONVERGE).until(SandboxRedisIT::agreement, Optional::isPresent).get();
    int service = servicePort();
    assertThat(RedisNode.cli(service, "set", "greeting", "hello")).isEqualTo("OK");
    for (int port : ports().values()) {
      await().atMost(CONVERGE).until(() -> RedisNode.cli(port, "get", "greeting").equals("hello"));
    }

    List<String> violations = new CopyOnWriteArrayList<>();
    AtomicBoolean sampling = new AtomicBoolean(true);
    AtomicInteger samples = new AtomicInteger();
    Thread sampler =
        new Thread(
            () -> {
              while (sampling.get()) {
                List<String> reachableMasters = new ArrayList<>();
                for (String pod : selectedByService()) {
                  Integer port = ports().get(pod);
                  if (port != null && "master".equals(RedisNode.replication(port).get("role"))) {
                    reachableMasters.add(pod);
                  }
                }
                samples.incrementAndGet();
                if (reachableMasters.size() > 1) {
                  violations.add(reachableMasters.toString());
                }
              }
            },
            "redis-sampler");
    sampler.start();
    try {
      sandbox.client().pods().inNamespace(Sandbox.NAMESPACE).withName(first.master()).delete();
      Agreement second =
          await()
              .atMost(CONVERGE)
              .until(
                  SandboxRedisIT::agreement,
                  a -> a.isPresent() && !a.get().master().equals(first.master()))
              .get();
      // The deleted master's pod comes back as a replica of the new master.
      await()
          .atMost(CONVERGE)
          .until(
              () ->
                  agreement().filter(second::equals).isPresent()
                      && ports().containsKey(first.master()));
      assertThat(RedisNode.cli(service, "get", "greeting")).isEqualTo("hello");
      assertThat(RedisNode.cli(service, "incr", "after-failover")).isEqualTo("1");
    } finally {
      sampling.set(false);
      sampler.join();
    }
    assertThat(samples.get()).isGreaterThan(10);
    assertThat(violations).as("two Redis masters behind the master Service").isEmpty();
  }

  /**
   * The master when the labels and Redis agree: one pod labelled master, its Redis the only master,
   * every other Redis a replica of its port with the link up.
   */
  private static Optional<Agreement> agreement() {
    List<String> labelled = new ArrayList<>();
    for (Pod pod : pods()) {
      if (Labels.ROLE_MASTER.equals(pod.getMetadata().getLabels().get(Labels.ROLE))) {
        labelled.add(pod.getMetadata().getName());
      }
    }
    Map<String, Integer> ports = ports();
    if (labelled.size() != 1 || ports.size() != 3 || !ports.containsKey(labelled.get(0))) {
      return Optional.empty();
    }
    String master = labelled.get(0);
    int masterPort = ports.get(master);
    for (Map.Entry<String, Integer> e : ports.entrySet()) {
      Map<String, String> info = RedisNode.replication(e.getValue());
      boolean ok =
          e.getKey().equals(master)
              ? "master".equals(info.get("role"))
              : "slave".equals(info.get("role"))
                  && Integer.toString(masterPort).equals(info.get("master_port"))
                  && "up".equals(info.get("master_link_status"));
      if (!ok) {
        return Optional.empty();
      }
    }
    return Optional.of(new Agreement(master, masterPort));
  }

  /** The pods the master Service sends to: labelled master, Ready, not being deleted. */
  private static List<String> selectedByService() {
    List<String> selected = new ArrayList<>();
    for (Pod pod : pods()) {
      boolean ready =
          pod.getStatus() != null
              && pod.getStatus().getConditions().stream()
                  .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
      if (ready
          && pod.getMetadata().getDeletionTimestamp() == null
          && Labels.ROLE_MASTER.equals(pod.getMetadata().getLabels().get(Labels.ROLE))) {
        selected.add(pod.getMetadata().getName());
      }
    }
    return selected;
  }

  private static List<Pod> pods() {
    return sandbox.client().pods().inNamespace(Sandbox.NAMESPACE).list().getItems();
  }

  /** Each pod's Redis port, as the kubelet maps it. */
  private static Map<String, Integer> ports() {
    return sandbox.kubelet().processPorts(6379);
  }

  private static int servicePort() {
    return sandbox.proxy().routes().stream()
        .filter(r -> r.service().equals("redis"))
        .mapToInt(ServiceProxy.Route::localPort)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no route for the Service redis"));
  }
}
