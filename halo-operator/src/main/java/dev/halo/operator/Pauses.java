package dev.halo.operator;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.Annotations;
import dev.halo.operator.model.Pause;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a group's pause ({@link Pause}) and its end: a Normal Event {@value #PAUSED} or {@value
 * #RESUMED} once per transition, the metric {@code halo_operator_groups_paused}, and refuses with a
 * Warning Event {@value #SWITCHOVER_REFUSED} each switchover annotation put on a paused group,
 * removing it so that it does not act later by surprise.
 */
final class Pauses {
  private static final Logger log = LoggerFactory.getLogger(Pauses.class);

  static final String PAUSED = "Paused";
  static final String RESUMED = "Resumed";
  static final String SWITCHOVER_REFUSED = "SwitchoverRefused";

  /** The requests that would move the master, refused while paused. */
  private static final List<String> REFUSED =
      List.of(Annotations.SWITCHOVER, Annotations.SWITCHOVER_TO);

  private final EventRecorder events;
  private final ObjectWriter writer;
  private final OperatorMetrics metrics;

  Pauses(EventRecorder events, ObjectWriter writer, OperatorMetrics metrics) {
    this.events = events;
    this.writer = writer;
    this.metrics = metrics;
  }

  /** Records a transition the status does not show yet; returns whether the group is paused. */
  boolean observe(HighAvailabilityGroup hag) {
    boolean paused = Pause.paused(hag);
    metrics.paused(HighAvailabilityGroupReconciler.key(hag), paused);
    Pause.transition(hag)
        .ifPresent(
            t -> {
              String message =
                  t == Pause.Transition.PAUSED
                      ? "paused (spec.paused): no pod is created, deleted or replaced and no"
                          + " lease revoked until resumed; the election and role labels go on."
                          + " Resume: "
                          + Pause.resumeCommand(hag)
                      : "resumed: missing pods are created and outdated ones rolled from where"
                          + " the group is";
              events.normal(hag, t == Pause.Transition.PAUSED ? PAUSED : RESUMED, message);
              log.atInfo()
                  .addKeyValue("group", HighAvailabilityGroupReconciler.key(hag))
                  .addKeyValue("paused", paused)
                  .log(paused ? "group paused" : "group resumed");
            });
    return paused;
  }

  /** Refuses and removes the switchover annotations of a paused group. */
  void refuseRequests(HighAvailabilityGroup hag) {
    Map<String, String> annotations = hag.getMetadata().getAnnotations();
    for (String annotation : REFUSED) {
      String asked = annotations == null ? null : annotations.get(annotation);
      if (asked == null) {
        continue;
      }
      String what =
          "the switchover "
              + (annotation.equals(Annotations.SWITCHOVER) ? "from " : "to ")
              + asked.strip()
              + " ("
              + annotation
              + ")";
      events.warning(hag, SWITCHOVER_REFUSED, Pause.refusal(hag, what));
      writer.removeAnnotation(hag, annotation);
      log.atWarn()
          .addKeyValue("group", HighAvailabilityGroupReconciler.key(hag))
          .addKeyValue("annotation", annotation)
          .addKeyValue("value", asked)
          .log("switchover refused: the group is paused; annotation removed");
    }
  }
}
