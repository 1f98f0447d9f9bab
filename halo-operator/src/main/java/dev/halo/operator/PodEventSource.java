package dev.halo.operator;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

/** The pod informer, which also notes when each pod is first seen going ({@link PodSigns}). */
final class PodEventSource extends InformerEventSource<Pod, HighAvailabilityGroup> {
  private final PodSigns signs;

  PodEventSource(
      InformerEventSourceConfiguration<Pod> configuration,
      EventSourceContext<HighAvailabilityGroup> context,
      PodSigns signs) {
    super(configuration, context);
    this.signs = signs;
  }

  @Override
  public void onAdd(Pod pod) {
    signs.seen(pod, false);
    super.onAdd(pod);
  }

  @Override
  public void onUpdate(Pod oldPod, Pod pod) {
    signs.seen(pod, false);
    super.onUpdate(oldPod, pod);
  }

  @Override
  public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
    signs.seen(pod, true);
    super.onDelete(pod, deletedFinalStateUnknown);
  }
}
