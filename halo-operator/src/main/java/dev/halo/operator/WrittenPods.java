package dev.halo.operator;

import dev.halo.common.Labels;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The role labels the operator wrote, as the API server answered them: laid over a pod cache that
 * has not delivered that answer yet, they show the operator its own labels at once, so two paths
 * that label the same group (the reconcile and {@link ElectionRelabels}) do not patch again what
 * the other just patched. A cached pod gets the written label only when it is the same pod (same
 * UID) at an earlier resource version, compared as numbers as every API server backed by etcd gives
 * them; when versions are not numbers the cache stands, as before. Each pod's last write is kept
 * (its UID, version and label: a few bytes) until the pod is deleted or replaced, since a caller
 * may still hold a snapshot of the cache older than that write after the cache itself caught up.
 */
final class WrittenPods {
  private record Written(String uid, long resourceVersion, String role) {}

  private final Map<String, Written> written = new ConcurrentHashMap<>();

  /** The API server answered a write of {@code pod} with it. */
  void wrote(Pod pod) {
    OptionalLong version = version(pod);
    if (pod == null || version.isEmpty()) {
      return;
    }
    Written now =
        new Written(pod.getMetadata().getUid(), version.getAsLong(), labels(pod).get(Labels.ROLE));
    written.merge(
        key(pod),
        now,
        (old, n) ->
            old.uid().equals(n.uid()) && old.resourceVersion() > n.resourceVersion() ? old : n);
  }

  /** {@code cached} with the role label each pod got from a write the cache is older than. */
  List<Pod> over(List<Pod> cached) {
    return cached.stream().map(this::over).toList();
  }

  /** Forgets every pod of {@code namespace} named by {@code names}. */
  void forget(String namespace, List<String> names) {
    names.forEach(n -> written.remove(namespace + "/" + n));
  }

  private Pod over(Pod cached) {
    String key = key(cached);
    Written mine = written.get(key);
    if (mine == null) {
      return cached;
    }
    if (!Objects.equals(mine.uid(), cached.getMetadata().getUid())) {
      written.remove(key, mine); // another pod of that name now
      return cached;
    }
    OptionalLong version = version(cached);
    String role = labels(cached).get(Labels.ROLE);
    if (version.isEmpty()
        || version.getAsLong() >= mine.resourceVersion()
        || Objects.equals(role, mine.role())) {
      return cached;
    }
    PodBuilder fresher = new PodBuilder(cached);
    if (mine.role() == null) {
      fresher.editMetadata().removeFromLabels(Labels.ROLE).endMetadata();
    } else {
      fresher.editMetadata().addToLabels(Labels.ROLE, mine.role()).endMetadata();
    }
    return fresher.build();
  }

  private static Map<String, String> labels(Pod pod) {
    Map<String, String> labels = pod.getMetadata().getLabels();
    return labels == null ? Map.of() : labels;
  }

  /**
   * An object's resource version as a number, to order copies of it by; empty when it has none or
   * it is no number (then there is no order to go by).
   */
  static OptionalLong version(HasMetadata object) {
    if (object == null || object.getMetadata().getResourceVersion() == null) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(object.getMetadata().getResourceVersion()));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  private static String key(Pod pod) {
    return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
  }
}
