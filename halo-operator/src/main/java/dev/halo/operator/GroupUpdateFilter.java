package dev.halo.operator;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.Annotations;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import java.util.Map;
import java.util.Objects;

/**
 * Which updates of a group start a reconcile: a spec change (the generation moves), a new or
 * withdrawn switchover request ({@value Annotations#SWITCHOVER}, an annotation, which moves no
 * generation), site activation ({@value Annotations#ACTIVATE_SITE}) or cross-site switchover
 * ({@value Annotations#SWITCHOVER_TO}), deletion and finalizer changes, and a status that lost its
 * phase (cleared, or unreadable and so read as empty) so that it is written again. Not the
 * operator's own status writes: those would only reconcile again to the same result. It replaces
 * the SDK's generation-aware filtering, which would drop the annotation.
 */
public final class GroupUpdateFilter implements OnUpdateFilter<HighAvailabilityGroup> {
  @Override
  public boolean accept(HighAvailabilityGroup now, HighAvailabilityGroup before) {
    ObjectMeta n = now.getMetadata();
    ObjectMeta b = before.getMetadata();
    return !Objects.equals(n.getGeneration(), b.getGeneration())
        || !Objects.equals(switchoverRequest(n), switchoverRequest(b))
        || !Objects.equals(
            annotation(n, Annotations.ACTIVATE_SITE), annotation(b, Annotations.ACTIVATE_SITE))
        || !Objects.equals(
            annotation(n, Annotations.SWITCHOVER_TO), annotation(b, Annotations.SWITCHOVER_TO))
        || n.getDeletionTimestamp() != null
        || !Objects.equals(n.getFinalizers(), b.getFinalizers())
        || (phase(before) != null && phase(now) == null);
  }

  private static String phase(HighAvailabilityGroup hag) {
    return hag.getStatus() == null ? null : hag.getStatus().getPhase();
  }

  private static String annotation(ObjectMeta meta, String key) {
    Map<String, String> annotations = meta.getAnnotations();
    return annotations == null ? null : annotations.get(key);
  }

  /** The pod named by the group's {@value Annotations#SWITCHOVER} annotation, or null. */
  static String switchoverRequest(ObjectMeta meta) {
    Map<String, String> annotations = meta.getAnnotations();
    return annotations == null ? null : annotations.get(Annotations.SWITCHOVER);
  }
}
