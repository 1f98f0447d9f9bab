package dev.halo.operator.model;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Optional;

/**
 * A master pod deleted with a grace period too short to drain ({@link dev.halo.common.DrainHook}):
 * its preStop hook is cut off, so its workload stops while the hand-over is still under way, as
 * without the hook (e.g. {@code kubectl delete pod --grace-period=1}).
 */
public final class DrainCutShort {
  /** The Warning's reason. */
  public static final String REASON = "DrainCutShort";

  /** Below this a hand-over and the settle time do not fit before SIGTERM. */
  public static final long MIN_GRACE_SECONDS = 2;

  private DrainCutShort() {}

  /** What the Warning says, when a terminating master among {@code pods} was given too little. */
  public static Optional<String> warning(List<Pod> pods) {
    return pods.stream()
        .filter(p -> PodState.terminating(p) && PodState.labelledMaster(p))
        .filter(
            p ->
                p.getMetadata().getDeletionGracePeriodSeconds() != null
                    && p.getMetadata().getDeletionGracePeriodSeconds() < MIN_GRACE_SECONDS)
        .findFirst()
        .map(
            p ->
                "master "
                    + PodState.name(p)
                    + " was deleted with a grace period of "
                    + p.getMetadata().getDeletionGracePeriodSeconds()
                    + " s: its workload stops before the hand-over is done, and clients see the"
                    + " gap. Delete pods without --grace-period (or with at least the template's"
                    + " terminationGracePeriodSeconds) to drain them first");
  }
}
