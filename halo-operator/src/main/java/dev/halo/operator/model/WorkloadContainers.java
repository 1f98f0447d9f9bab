package dev.halo.operator.model;

import dev.halo.common.Names;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Lifecycle;
import io.fabric8.kubernetes.api.model.LifecycleHandlerBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Prepares the template's workload containers: role file mount and, where the server takes it, the
 * graceful preStop sleep.
 */
final class WorkloadContainers {
  /** How long a workload keeps serving after deletion starts; see {@link PodFactory}. */
  static final long PRE_STOP_SLEEP_SECONDS = 2;

  private WorkloadContainers() {}

  /**
   * Mounts the role volume read-only and, on a server that takes the {@code sleep} action, adds the
   * preStop sleep where none is set; an older server would refuse the whole pod (422).
   */
  static void prepare(Container container, ServerVersion server) {
    mountRoleVolume(container);
    if (server.acceptsSleepAction()) {
      addPreStopSleep(container);
    }
  }

  private static void mountRoleVolume(Container container) {
    List<VolumeMount> mounts = new ArrayList<>();
    Optional.ofNullable(container.getVolumeMounts()).ifPresent(mounts::addAll);
    mounts.add(
        new VolumeMountBuilder()
            .withName(Names.ROLE_VOLUME)
            .withMountPath(Names.ROLE_MOUNT_PATH)
            .withReadOnly(true)
            .build());
    container.setVolumeMounts(mounts);
  }

  private static void addPreStopSleep(Container container) {
    Lifecycle lifecycle = Optional.ofNullable(container.getLifecycle()).orElseGet(Lifecycle::new);
    if (lifecycle.getPreStop() == null) {
      lifecycle.setPreStop(
          new LifecycleHandlerBuilder()
              .withNewSleep()
              .withSeconds(PRE_STOP_SLEEP_SECONDS)
              .endSleep()
              .build());
    }
    container.setLifecycle(lifecycle);
  }
}
