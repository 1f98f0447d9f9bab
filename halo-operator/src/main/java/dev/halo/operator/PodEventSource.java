package dev.halo.operator;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

/**
 * The pod informer, which also notes when each pod is first seen going ({@link PodSigns}) and which
 * versions of each pod it delivered ({@link WatchFreshness}).
 */
final class PodEventSource extends InformerEventSource<Pod, HighAvailabilityGroup> {
  private final PodSigns signs;
  private final WatchFreshness watch;

  PodEventSource(
      InformerEventSourceConfiguration<Pod> configuration,
      EventSourceContext<HighAvailabilityGroup> context,
      PodSigns signs,
      WatchFreshness watch) {
    super(configuration, context);
    this.signs = signs;
    this.watch = watch;
  }

  @Override
  public void onAdd(Pod pod) {
    signs.seen(pod, false);
    delivered(pod, false);
    super.onAdd(pod);
  }

  @Override
  public void onUpdate(Pod oldPod, Pod pod) {
    signs.seen(pod, false);
    delivered(pod, false);
    super.onUpdate(oldPod, pod);
  }

  @Override
  public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
    signs.seen(pod, true);
    delivered(pod, true);
    super.onDelete(pod, deletedFinalStateUnknown);
  }

  private void delivered(Pod pod, boolean deleted) {
    watch.delivered(
        WatchFreshness.POD,
        pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName(),
        pod.getMetadata().getResourceVersion(),
        deleted);
  }
}
