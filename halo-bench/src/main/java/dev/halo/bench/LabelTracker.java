package dev.halo.bench;

import dev.halo.common.Labels;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Follows every pod's role label from informer events: who is labelled master per group, when each
 * pod last became or stopped being master, and how often a group had two at once.
 */
final class LabelTracker implements ResourceEventHandler<Pod> {
  private final Map<String, Set<String>> mastersByGroup = new ConcurrentHashMap<>();
  private final Map<String, Long> becameMaster = new ConcurrentHashMap<>();
  private final Map<String, Long> leftMaster = new ConcurrentHashMap<>();
  private final AtomicLong dual = new AtomicLong();
  private final Set<String> pods = new HashSet<>();

  @Override
  public void onAdd(Pod pod) {
    seen(pod, false);
  }

  @Override
  public void onUpdate(Pod oldPod, Pod pod) {
    seen(pod, false);
  }

  @Override
  public void onDelete(Pod pod, boolean finalStateUnknown) {
    seen(pod, true);
  }

  private synchronized void seen(Pod pod, boolean deleted) {
    Map<String, String> l = pod.getMetadata().getLabels();
    String group = l == null ? null : l.get(Labels.GROUP);
    if (group == null) {
      return;
    }
    String name = pod.getMetadata().getName();
    if (deleted) {
      pods.remove(name);
    } else {
      pods.add(name);
    }
    boolean master = !deleted && Labels.ROLE_MASTER.equals(l.get(Labels.ROLE));
    Set<String> masters = mastersByGroup.computeIfAbsent(group, g -> ConcurrentHashMap.newKeySet());
    long now = System.nanoTime();
    if (master && masters.add(name)) {
      becameMaster.put(name, now);
    } else if (!master && masters.remove(name)) {
      leftMaster.put(name, now);
    }
    if (masters.size() > 1) {
      dual.incrementAndGet();
    }
  }

  /** Pods that exist now (created by the operator, not deleted). */
  synchronized int pods() {
    return pods.size();
  }

  /** Groups whose pods have been seen. */
  synchronized int groups() {
    return mastersByGroup.size();
  }

  synchronized long groupsWithOneMaster() {
    return mastersByGroup.values().stream().filter(s -> s.size() == 1).count();
  }

  synchronized List<String> masters(String group) {
    return mastersByGroup.getOrDefault(group, Set.of()).stream().sorted().toList();
  }

  /** When {@code pod} last became labelled master (0: never). */
  long becameMasterAt(String pod) {
    return becameMaster.getOrDefault(pod, 0L);
  }

  /** When {@code pod} last stopped being labelled master (0: never). */
  long leftMasterAt(String pod) {
    return leftMaster.getOrDefault(pod, 0L);
  }

  long dualMasterObservations() {
    return dual.get();
  }
}
