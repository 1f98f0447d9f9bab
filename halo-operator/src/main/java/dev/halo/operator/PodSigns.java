package dev.halo.operator;

import dev.halo.operator.model.PodState;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When the pod watch first showed each pod going (terminating, failed, its agent terminated, or
 * deleted): the first sign of a fault the operator saw, to the millisecond, which the pod's own
 * timestamps (whole seconds) cannot give. A pod that is back to normal, or added anew under the
 * same name, is forgotten.
 */
final class PodSigns {
  private static final long KEEP_MILLIS = 10 * 60 * 1000;

  private final Map<String, Long> firstSeen = new ConcurrentHashMap<>();

  /** A pod as the watch delivered it ({@code deleted}: it is gone from the API). */
  void seen(Pod pod, boolean deleted) {
    String key = key(pod.getMetadata().getNamespace(), PodState.name(pod));
    if (!deleted && !PodState.gone(pod)) {
      firstSeen.remove(key);
      return;
    }
    long now = System.currentTimeMillis();
    firstSeen.values().removeIf(t -> now - t > KEEP_MILLIS);
    firstSeen.putIfAbsent(key, now);
  }

  OptionalLong of(String namespace, String pod) {
    Long t = firstSeen.get(key(namespace, pod));
    return t == null ? OptionalLong.empty() : OptionalLong.of(t);
  }

  private static String key(String namespace, String pod) {
    return namespace + "/" + pod;
  }
}
