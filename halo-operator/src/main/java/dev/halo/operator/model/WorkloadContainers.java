package dev.halo.operator.model;

import dev.halo.common.DrainHook;
import dev.halo.common.Names;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Lifecycle;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.LifecycleHandlerBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Prepares the template's workload containers: role file mount and the drain-before-stop {@code
 * preStop} hook ({@link DrainHook}).
 */
final class WorkloadContainers {
  /** How long a workload keeps serving after its successor is labelled, for proxies to follow. */
  static final long SETTLE_MILLIS = 1000;

  /** The shortest wait for the successor a hook gets, however short the grace period. */
  static final long MIN_DRAIN_SECONDS = 1;

  private WorkloadContainers() {}

  /**
   * Mounts the role volume read-only and sets the drain hook: where the template has no {@code
   * preStop}, or a {@code sleep} one (which then runs after the hand-over, as {@code
   * thenSleepSeconds}). A template's {@code exec} or {@code httpGet} hook is kept as it is, and
   * runs beside the agent's own drain ({@link #keepsOwnHook}).
   */
  static void prepare(Container container, DrainTarget target) {
    mountRoleVolume(container);
    Lifecycle lifecycle = Optional.ofNullable(container.getLifecycle()).orElseGet(Lifecycle::new);
    LifecycleHandler own = lifecycle.getPreStop();
    if (own == null || ownSleepSeconds(own).isPresent()) {
      long thenSleep = own == null ? 0 : ownSleepSeconds(own).get();
      lifecycle.setPreStop(target.hook(thenSleep));
      container.setLifecycle(lifecycle);
      return;
    }
    // The template's own hook stays; it may drain first itself: curl -s "$HALO_DRAIN_URL".
    List<EnvVar> env = new ArrayList<>();
    Optional.ofNullable(container.getEnv()).ifPresent(env::addAll);
    env.removeIf(e -> DrainHook.URL_VARIABLE.equals(e.getName()));
    env.add(new EnvVar(DrainHook.URL_VARIABLE, target.url(), null));
    container.setEnv(env);
  }

  private static Optional<Long> ownSleepSeconds(LifecycleHandler handler) {
    if (handler.getSleep() == null
        || handler.getExec() != null
        || handler.getHttpGet() != null
        || handler.getTcpSocket() != null) {
      return Optional.empty();
    }
    return Optional.of(Math.max(0, handler.getSleep().getSeconds()));
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

  /**
   * Where a pod's drain hook goes: the agent's port, the pod's token, and the grace period the hook
   * must fit in (with {@link PodFactory#MIN_SHUTDOWN_SECONDS} left to stop).
   */
  record DrainTarget(int agentPort, String token, long graceSeconds) {
    /** The hook, waiting at most what the grace period leaves after {@code thenSleepSeconds}. */
    LifecycleHandler hook(long thenSleepSeconds) {
      return new LifecycleHandlerBuilder()
          .withNewHttpGet()
          .withPath(path(thenSleepSeconds))
          .withPort(new IntOrString(agentPort))
          .endHttpGet()
          .build();
    }

    /** The drain's URL from inside the pod, for a template's own hook to call first. */
    String url() {
      return "http://127.0.0.1:" + agentPort + path(0);
    }

    private String path(long thenSleepSeconds) {
      long settleSeconds = (SETTLE_MILLIS + 999) / 1000;
      long timeout =
          Math.max(
              MIN_DRAIN_SECONDS,
              graceSeconds - PodFactory.MIN_SHUTDOWN_SECONDS - settleSeconds - thenSleepSeconds);
      return DrainHook.path(token, timeout, SETTLE_MILLIS, thenSleepSeconds);
    }
  }
}
