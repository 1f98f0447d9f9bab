package dev.halo.sandbox;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.ElectionKeys;
import dev.halo.common.Labels;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code halo sandbox --scenario failover}: waits for the example group's master, runs a steady
 * client through the service proxy, crashes the master's agent (kill -9), then deletes the new
 * master's pod, and prints how long each handover took as the client saw it (last reply from the
 * old master to the first reply from the new one) and how many requests failed.
 */
public final class FailoverScenario {
  /** One handover as the client saw it. */
  public record Handover(String fault, String from, String to, long gapMs, int failedRequests) {}

  private static final String GROUP = "web";
  private static final Duration MASTER_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration HANDOVER_TIMEOUT = Duration.ofSeconds(60);
  private static final long CLIENT_PERIOD_MS = 20;
  private static final int STEADY_REPLIES = 10;

  private final Sandbox sandbox;
  private final PrintStream out;

  public FailoverScenario(Sandbox sandbox, PrintStream out) {
    this.sandbox = sandbox;
    this.out = out;
  }

  /** Runs the tour; returns the handovers, or throws when one did not happen in time. */
  public List<Handover> run() {
    String first = awaitAgreedMaster();
    int port =
        sandbox.proxy().routes().stream()
            .filter(r -> r.service().equals(GROUP))
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("the service proxy has no Service web"))
            .localPort();
    out.printf("master is %s (labelled, and etcd's leader); client -> 127.0.0.1:%d%n", first, port);
    List<Handover> handovers = new ArrayList<>();
    try (SteadyClient client = SteadyClient.start(port, CLIENT_PERIOD_MS)) {
      awaitSteady(client, first);
      long crashAt = System.nanoTime();
      out.printf("kill -9 the agent of %s%n", first);
      sandbox.kubelet().crashAgent(first);
      String second = awaitNewServer(client, first);
      awaitSteady(client, second);
      handovers.add(measure("kill -9 master agent", client.replies(), crashAt, first));
      long deleteAt = System.nanoTime();
      out.printf("kubectl delete pod %s%n", second);
      sandbox.client().pods().inNamespace(Sandbox.NAMESPACE).withName(second).delete();
      String third = awaitNewServer(client, second);
      awaitSteady(client, third);
      handovers.add(measure("delete master pod", client.replies(), deleteAt, second));
    }
    print(handovers);
    return handovers;
  }

  /** The master once the label, etcd's leader and the proxy agree on it. */
  private String awaitAgreedMaster() {
    return await(
        "a master of group web that the label, etcd and the service proxy agree on",
        MASTER_TIMEOUT,
        () -> {
          HighAvailabilityGroup hag =
              sandbox
                  .client()
                  .resources(HighAvailabilityGroup.class)
                  .inNamespace(Sandbox.NAMESPACE)
                  .withName(GROUP)
                  .get();
          if (hag == null) {
            throw new IllegalArgumentException(
                "there is no group web: the failover scenario needs the example (drop --no-example)");
          }
          List<String> labelled =
              sandbox
                  .client()
                  .pods()
                  .inNamespace(Sandbox.NAMESPACE)
                  .withLabel(Labels.GROUP, GROUP)
                  .withLabel(Labels.ROLE, Labels.ROLE_MASTER)
                  .list()
                  .getItems()
                  .stream()
                  .map(Pod::getMetadata)
                  .map(m -> m.getName())
                  .toList();
          String leader = etcdLeader(sandbox.etcd(), GROUP);
          boolean agreed =
              labelled.size() == 1
                  && labelled.get(0).equals(leader)
                  && sandbox.proxy().endpoints(GROUP).equals(labelled);
          return agreed ? Optional.of(leader) : Optional.empty();
        });
  }

  /**
   * The pod etcd's election names leader (the seed equivalence of docs/design.md), or "" when none.
   */
  static String etcdLeader(EtcdCluster etcd, String group) {
    return etcd.etcdctl(
            "get",
            ElectionKeys.electionName(Sandbox.NAMESPACE, group),
            "--prefix",
            "--sort-by=CREATE",
            "--order=ASCEND",
            "--limit=1",
            "--print-value-only")
        .strip();
  }

  private void awaitSteady(SteadyClient client, String pod) {
    int before = client.count();
    await(
        STEADY_REPLIES + " replies from " + pod,
        HANDOVER_TIMEOUT,
        () ->
            client.repliesFromSince(pod, before) >= STEADY_REPLIES
                ? Optional.of(pod)
                : Optional.empty());
  }

  private String awaitNewServer(SteadyClient client, String old) {
    return await(
        "a reply from a pod other than " + old,
        HANDOVER_TIMEOUT,
        () -> client.lastPod().filter(p -> !p.equals(old)));
  }

  /**
   * The handover after a fault at {@code faultNanos}: from the last reply of {@code from} to the
   * first reply of another pod after the fault, with the failed requests in between.
   */
  public static Handover measure(
      String fault, List<SteadyClient.Reply> replies, long faultNanos, String from) {
    int firstNew = -1;
    for (int i = 0; i < replies.size(); i++) {
      SteadyClient.Reply r = replies.get(i);
      if (r.atNanos() >= faultNanos && r.ok() && !r.pod().get().equals(from)) {
        firstNew = i;
        break;
      }
    }
    if (firstNew < 0) {
      throw new IllegalStateException("no pod other than " + from + " answered after the fault");
    }
    int lastOld = -1;
    for (int i = firstNew - 1; i >= 0; i--) {
      if (replies.get(i).pod().filter(from::equals).isPresent()) {
        lastOld = i;
        break;
      }
    }
    if (lastOld < 0) {
      throw new IllegalStateException(from + " never answered before the fault");
    }
    int failed = 0;
    for (int i = lastOld + 1; i < firstNew; i++) {
      if (!replies.get(i).ok()) {
        failed++;
      }
    }
    long gapMs = (replies.get(firstNew).atNanos() - replies.get(lastOld).atNanos()) / 1_000_000;
    return new Handover(fault, from, replies.get(firstNew).pod().get(), gapMs, failed);
  }

  private void print(List<Handover> handovers) {
    out.println();
    out.printf(
        "%-22s %-8s %-8s %-18s %s%n",
        "FAULT", "FROM", "TO", "CLIENT-VISIBLE GAP", "FAILED REQUESTS");
    for (Handover h : handovers) {
      out.printf(
          "%-22s %-8s %-8s %-18s %d%n",
          h.fault(), h.from(), h.to(), h.gapMs() + " ms", h.failedRequests());
    }
    out.printf(
        "(one request every %d ms through the service proxy, a new connection each)%n",
        CLIENT_PERIOD_MS);
  }

  private static <T> T await(String what, Duration timeout, Supplier<Optional<T>> check) {
    long deadline = System.nanoTime() + timeout.toNanos();
    RuntimeException last = null;
    while (System.nanoTime() < deadline) {
      try {
        Optional<T> value = check.get();
        if (value.isPresent()) {
          return value.get();
        }
      } catch (IllegalArgumentException e) {
        throw e; // nothing to wait for
      } catch (RuntimeException e) {
        last = e; // the API or etcd may be briefly busy; keep polling
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + what, e);
      }
    }
    throw new IllegalStateException(
        "timed out after "
            + timeout.toSeconds()
            + " s waiting for "
            + what
            + (last == null ? "" : " (last error: " + last.getMessage() + ")"));
  }
}
