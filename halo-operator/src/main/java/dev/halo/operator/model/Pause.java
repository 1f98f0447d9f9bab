package dev.halo.operator.model;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.HighAvailabilityGroupStatus;
import dev.halo.common.Names;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * A paused group ({@code spec.paused: true}): the operator creates, deletes and replaces no pod,
 * revokes or fences no lease, and does no planned switchover or failback, while the agents keep
 * electing and the role labels and the Service keep following the election. Every path that changes
 * pods or moves the master on the operator's own initiative asks {@link #paused} first, and refuses
 * with {@link #refusal} what a person asked for meanwhile.
 */
public final class Pause {
  /** The condition's type, and its reason while paused. */
  public static final String CONDITION = "Paused";

  public static final String REASON = "SpecPaused";

  /** What a paused group holds, as the condition and the Events say it. */
  static final String HELD =
      "the operator creates, deletes and replaces no pod (no rollout, no scaling, no replacement"
          + " of failed pods), revokes or fences no lease and does no switchover or failback;"
          + " agents keep electing, role labels and the Service follow the election";

  private Pause() {}

  /** Whether the group is paused: {@code spec.paused} is true. */
  public static boolean paused(HighAvailabilityGroup hag) {
    return hag.getSpec() != null && Boolean.TRUE.equals(hag.getSpec().getPaused());
  }

  /** The command that resumes the group. */
  public static String resumeCommand(HighAvailabilityGroup hag) {
    return "kubectl patch hag "
        + hag.getMetadata().getName()
        + namespaceFlag(hag)
        + " --type merge -p '{\"spec\":{\"paused\":false}}'";
  }

  /** The Paused condition's message: what is held, what waits, and how to resume. */
  public static String describe(HighAvailabilityGroup hag, List<Pod> pods) {
    List<String> missing = missing(hag, pods);
    return "spec.paused is true: "
        + HELD
        + (missing.isEmpty() ? "" : "; not created while paused: " + String.join(", ", missing))
        + ". Resume: "
        + resumeCommand(hag);
  }

  /**
   * The message of a request refused because the group is paused, e.g. {@code what} = "the
   * switchover to web-1 (halo.dev/switchover-to)".
   */
  public static String refusal(HighAvailabilityGroup hag, String what) {
    return what
        + " is refused and its annotation removed: the group is paused (spec.paused), so the"
        + " operator moves no master on its own. Resume first ("
        + resumeCommand(hag)
        + "), then ask again";
  }

  /** A change of pause the status does not show yet: the Event to record, once. */
  public enum Transition {
    PAUSED,
    RESUMED
  }

  /**
   * The transition between the pause the last recorded status shows (its {@value #CONDITION}
   * condition) and the spec's, if they differ; a new group created paused is a transition too.
   */
  public static Optional<Transition> transition(HighAvailabilityGroup hag) {
    boolean shown =
        Optional.ofNullable(hag.getStatus())
            .map(HighAvailabilityGroupStatus::getConditions)
            .stream()
            .flatMap(List::stream)
            .anyMatch(c -> CONDITION.equals(c.getType()) && "True".equals(c.getStatus()));
    boolean paused = paused(hag);
    if (paused == shown) {
      return Optional.empty();
    }
    return Optional.of(paused ? Transition.PAUSED : Transition.RESUMED);
  }

  /** The pods of {@code 0..spec.replicas-1} that do not exist. */
  static List<String> missing(HighAvailabilityGroup hag, List<Pod> pods) {
    String group = hag.getMetadata().getName();
    Integer replicas = hag.getSpec() == null ? null : hag.getSpec().getReplicas();
    return IntStream.range(0, replicas == null ? 0 : replicas)
        .filter(i -> pods.stream().noneMatch(p -> PodState.index(group, p) == i))
        .mapToObj(i -> Names.pod(group, i))
        .toList();
  }

  private static String namespaceFlag(HighAvailabilityGroup hag) {
    String ns = hag.getMetadata().getNamespace();
    return ns == null || ns.isEmpty() ? "" : " -n " + ns;
  }
}
