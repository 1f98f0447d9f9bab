package dev.halo.chaos;

import dev.halo.agent.ElectionClient;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.ElectionKeys;
import dev.halo.common.Labels;
import dev.halo.common.Threads;
import dev.halo.sandbox.AgentHandle;
import dev.halo.sandbox.LocalKubelet;
import dev.halo.sandbox.OrphanedPod;
import dev.halo.sandbox.ServiceProxy;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Samples every group (one thread each, a sample every 50 ms plus its own time), on its own API
 * client (never faulted): etcd's leader, the pods' labels and readiness, every running agent's
 * {@code /role} (orphans of forced deletions included), and the Service endpoints; the {@link
 * Judge} turns the samples into violations.
 */
final class Checker implements AutoCloseable {
  private final KubernetesClient client;
  private final ElectionClient etcd;
  private final LocalKubelet kubelet;
  private final ServiceProxy proxy;
  private final String namespace;
  private final Map<String, Integer> ttlByGroup;
  private final BooleanSupplier excused;
  private final long startNanos;
  private static final ElectionClient.Candidate NONE = new ElectionClient.Candidate("", "", 0, 0);
  private final Judge judge = new Judge();
  private final AgentExits exits = new AgentExits();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean running = true;

  Checker(
      KubernetesClient client,
      ElectionClient etcd,
      LocalKubelet kubelet,
      ServiceProxy proxy,
      String namespace,
      Map<String, Integer> ttlByGroup,
      BooleanSupplier excused,
      long startNanos) {
    this.client = client;
    this.etcd = etcd;
    this.kubelet = kubelet;
    this.proxy = proxy;
    this.namespace = namespace;
    this.ttlByGroup = ttlByGroup;
    this.excused = excused;
    this.startNanos = startNanos;
    for (Map.Entry<String, Integer> g : ttlByGroup.entrySet()) {
      Thread t =
          Threads.daemon("chaos-checker-" + g.getKey(), () -> loop(g.getKey(), g.getValue()));
      threads.add(t);
      t.start();
    }
  }

  Judge judge() {
    return judge;
  }

  /** One group's samples, back to back with a 50 ms pause (a sample takes 20-300 ms). */
  private void loop(String group, int ttl) {
    while (running) {
      try {
        judge.accept(sample(group, ttl));
      } catch (RuntimeException e) {
        // the checker's own API call failed: skip this sample
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private Judge.Sample sample(String group, int ttl) {
    boolean isExcused = excused.getAsBoolean();
    ElectionClient.LeaderView before = leaderView(group);
    boolean hagExists =
        client.resources(HighAvailabilityGroup.class).inNamespace(namespace).withName(group).get()
            != null;
    List<Pod> pods =
        client.pods().inNamespace(namespace).withLabel(Labels.GROUP, group).list().getItems();
    long atMs = (System.nanoTime() - startNanos) / 1_000_000; // when the labels were read
    exits.newExits(pods).forEach(e -> judge.agentExited(atMs, group, e));
    Set<String> running = kubelet.pods();
    List<String> labelled = new ArrayList<>();
    List<String> healthyStandbys = new ArrayList<>();
    List<String> roleMaster = new ArrayList<>();
    Set<Integer> asked = new HashSet<>(); // agents by port: an agent orphaned meanwhile once
    Map<String, String> masterLeases = new HashMap<>(); // who answered master, with its lease
    for (Pod p : pods) {
      String name = p.getMetadata().getName();
      boolean master = Labels.ROLE_MASTER.equals(p.getMetadata().getLabels().get(Labels.ROLE));
      if (master) {
        labelled.add(name);
      }
      if (!running.contains(name)) {
        continue;
      }
      Map<String, Object> status;
      try {
        AgentHandle agent = kubelet.agent(name);
        exits.follow(name, agent);
        asked.add(agent.port());
        status = agent.status().orElse(Map.of());
      } catch (IllegalStateException | NoSuchElementException e) {
        continue; // stopped or let go of meanwhile
      }
      if (Labels.ROLE_MASTER.equals(status.get("role"))) {
        roleMaster.add(name);
        masterLeases.put(name, String.valueOf(status.get("leaseId")));
      } else if (!master
          && "campaigning".equals(status.get("phase"))
          && ready(p)
          && p.getMetadata().getDeletionTimestamp() == null) {
        healthyStandbys.add(name); // in the election, Ready: it could be master
      }
    }
    for (OrphanedPod orphan : kubelet.orphans()) {
      if (orphan.name().startsWith(group + "-") && asked.add(orphan.agent().port())) {
        orphanRole(orphan, leaderOf(before))
            .ifPresent(
                r -> {
                  roleMaster.add(r.name());
                  masterLeases.put(r.name(), r.lease());
                });
      }
    }
    ElectionClient.LeaderView after = leaderView(group);
    List<String> fenced = fencedMasters(masterLeases, after);
    labelled.sort(null);
    roleMaster.sort(null);
    return new Judge.Sample(
        atMs,
        group,
        ttl,
        name(leaderOf(before)),
        name(leaderOf(after)),
        labelled,
        roleMaster,
        healthyStandbys,
        hagExists,
        isExcused || excused.getAsBoolean(),
        fenced);
  }

  /**
   * Those of the agents answering master whose own lease is fenced in {@code view}, read after
   * their answers: their key was removed while they might run, and the leader waits for them.
   */
  static List<String> fencedMasters(
      Map<String, String> masterLeases, ElectionClient.LeaderView view) {
    if (view == null) {
      return List.of();
    }
    Set<String> fencedLeases = new HashSet<>();
    view.fences().forEach(f -> fencedLeases.add(Long.toHexString(f.fencedLease())));
    List<String> out = new ArrayList<>();
    masterLeases.forEach(
        (name, lease) -> {
          if (fencedLeases.contains(lease)) {
            out.add(name);
          }
        });
    out.sort(null);
    return out;
  }

  /** An agent that answers master: the name it is judged under, and its lease (hex). */
  private record Master(String name, String lease) {}

  /**
   * A force-deleted pod's agent that still runs (an orphan) and answers master: under its pod's
   * name while its key is the leader key (it still is the leader), else under a name of its own,
   * since a new pod of the same name may run beside it.
   */
  private static Optional<Master> orphanRole(OrphanedPod orphan, ElectionClient.Candidate leader) {
    Map<String, Object> status = orphan.agent().status().orElse(Map.of());
    if (!Labels.ROLE_MASTER.equals(status.get("role"))) {
      return Optional.empty();
    }
    boolean leads = leader != null && leader.key().equals(status.get("key"));
    return Optional.of(
        new Master(
            leads ? orphan.name() : orphan.name() + " (orphan, pid " + orphan.pid() + ")",
            String.valueOf(status.get("leaseId"))));
  }

  /** etcd's view of the group's election, or null when etcd cannot be read in 1 s. */
  private ElectionClient.LeaderView leaderView(String group) {
    try {
      String election = ElectionKeys.electionName(namespace, group);
      return etcd.leader(ElectionKeys.prefix(election), ElectionKeys.fencePrefix(election))
          .get(1, TimeUnit.SECONDS);
    } catch (Exception e) {
      return null;
    }
  }

  /** The leader in {@code view} (NONE when none), or null when etcd could not be read. */
  private static ElectionClient.Candidate leaderOf(ElectionClient.LeaderView view) {
    return view == null ? null : view.leader().orElse(NONE);
  }

  /** The leader's pod name for the Judge: "" when none, null when unknown. */
  private static String name(ElectionClient.Candidate leader) {
    return leader == null ? null : leader.value();
  }

  List<String> endpoints(String group) {
    return proxy.endpoints(group);
  }

  private static boolean ready(Pod pod) {
    return pod.getStatus() != null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  @Override
  public void close() {
    running = false;
    for (Thread t : threads) {
      t.interrupt();
      try {
        t.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
