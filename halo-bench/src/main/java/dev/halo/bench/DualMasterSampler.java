package dev.halo.bench;

import dev.halo.common.Labels;
import dev.halo.common.Threads;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Samples labels (informer, every 20 ms) and agents' /role (HTTP, every 200 ms) of groups. The
 * agents are asked one after the other, so a handover between two answers could make two agents say
 * {@code master} without any overlap; each /role round is therefore bracketed by two etcd leader
 * reads and judged only when etcd named the same leader before and after it: then any agent other
 * than that leader answering {@code master} is a real second master. Rounds with a leader change
 * inside are counted as inconclusive.
 */
final class DualMasterSampler implements AutoCloseable {
  /** /role every 200 ms: each answer costs an agent about a millisecond of CPU. */
  private static final int ROLE_EVERY_TICKS = 10;

  private final BenchRig rig;
  private final Set<String> groups = ConcurrentHashMap.newKeySet();
  private final Map<String, Queue<String>> observations = new ConcurrentHashMap<>();
  private final AtomicLong roleRounds = new AtomicLong();
  private final AtomicLong inconclusiveRoleRounds = new AtomicLong();
  private final AtomicLong samplerErrors = new AtomicLong();
  private volatile String lastSamplerError;
  private final Thread thread;
  private volatile boolean running = true;

  DualMasterSampler(BenchRig rig) {
    this.rig = rig;
    thread = Threads.daemon("bench-dual-master-sampler", this::loop);
    thread.start();
  }

  void watch(List<String> names) {
    names.forEach(n -> observations.put(n, new ConcurrentLinkedQueue<>()));
    groups.addAll(names);
  }

  void unwatch(List<String> names) {
    groups.removeAll(names);
  }

  /** The observations of these groups since the last drain; clears them. */
  List<String> drain(List<String> names) {
    List<String> out = new ArrayList<>();
    for (String n : names) {
      Queue<String> seen = observations.get(n);
      for (String o = seen == null ? null : seen.poll(); o != null; o = seen.poll()) {
        out.add(o);
      }
    }
    return out;
  }

  /** /role rounds judged so far, and those skipped because etcd's leader changed inside. */
  Map<String, Object> roleRounds() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("roleRounds", roleRounds.get());
    m.put("inconclusiveRoleRounds", inconclusiveRoleRounds.get());
    m.put("samplerErrors", samplerErrors.get());
    if (lastSamplerError != null) {
      m.put("lastSamplerError", lastSamplerError);
    }
    return m;
  }

  private void loop() {
    long tick = 0;
    while (running) {
      for (String g : groups) {
        try {
          List<String> labelled = rig.labelledMasters(g);
          if (labelled.size() > 1) {
            observations.get(g).add("labels " + labelled);
          }
          if (tick % ROLE_EVERY_TICKS == 0) {
            sampleRoles(g);
          }
        } catch (RuntimeException e) {
          // The sampler must outlive a failed sample (it once died here, and the rest of the
          // run went unchecked); failures are counted in roleSampling.
          samplerErrors.incrementAndGet();
          lastSamplerError = e.toString();
        }
      }
      tick++;
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void sampleRoles(String group) {
    String before = leader(group);
    List<String> byRole = new ArrayList<>();
    for (String pod : rig.kubelet.pods()) {
      if (pod.startsWith(group + "-")) {
        try {
          if (rig.kubelet.agent(pod).role().equals(Labels.ROLE_MASTER)) {
            byRole.add(pod);
          }
        } catch (IllegalStateException | NoSuchElementException e) {
          // its agent stopped, or its pod went, between the two calls
        }
      }
    }
    String after = leader(group);
    if (before == null || before.isEmpty() || !before.equals(after)) {
      inconclusiveRoleRounds.incrementAndGet();
      return;
    }
    roleRounds.incrementAndGet();
    List<String> others = byRole.stream().filter(p -> !p.equals(before)).toList();
    if (!others.isEmpty()) {
      observations
          .get(group)
          .add("/role master " + byRole + " while etcd's leader stayed " + before);
    }
  }

  private String leader(String group) {
    return EtcdLeader.of(rig.electionClient, BenchRig.NAMESPACE, group);
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
  }
}
