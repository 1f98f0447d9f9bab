package dev.halo.operator;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pods as the API server answered the operator's own writes of them, until the pod watch
 * delivers those versions: laid over the informer's cache, they show the operator its own labels at
 * once, so two paths that label the same group (the reconcile and {@link ElectionRelabels}) do not
 * patch again what the other just patched. A cached pod is replaced only by a written copy of the
 * same pod (same UID) at a later resource version, compared as numbers as every API server backed
 * by etcd gives them ({@link WatchFreshness#atLeast}); when versions are not numbers the cache
 * stands, as before.
 */
final class WrittenPods {
  private final Map<String, Pod> written = new ConcurrentHashMap<>();

  /** The API server answered a write of {@code pod} with it. */
  void wrote(Pod pod) {
    if (pod != null && pod.getMetadata().getResourceVersion() != null) {
      written.merge(key(pod), pod, (old, now) -> newer(now, old) ? now : old);
    }
  }

  /** {@code cached} with each pod the operator wrote since the cache last saw it replaced. */
  List<Pod> over(List<Pod> cached) {
    return cached.stream().map(this::over).toList();
  }

  /** Forgets every pod of {@code namespace} named by {@code names}. */
  void forget(String namespace, List<String> names) {
    names.forEach(n -> written.remove(namespace + "/" + n));
  }

  private Pod over(Pod cached) {
    String key = key(cached);
    Pod mine = written.get(key);
    if (mine == null) {
      return cached;
    }
    if (!Objects.equals(mine.getMetadata().getUid(), cached.getMetadata().getUid())
        || !newer(mine, cached)) {
      // Another pod of that name, or the cache has caught up: the cache stands from now on.
      written.remove(key, mine);
      return cached;
    }
    return mine;
  }

  // Whether a is a later version of the pod than b.
  private static boolean newer(Pod a, Pod b) {
    String va = a.getMetadata().getResourceVersion();
    String vb = b.getMetadata().getResourceVersion();
    return va != null
        && vb != null
        && !va.equals(vb)
        && WatchFreshness.atLeast(va, vb)
        && isNumber(va)
        && isNumber(vb);
  }

  private static boolean isNumber(String v) {
    try {
      Long.parseLong(v);
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static String key(Pod pod) {
    return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
  }
}
