package dev.halo.operator;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.operator.WriteRefusals.Refusal;
import dev.halo.operator.WriteRefusals.Write;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the operator's writes so that a refusal never fails the reconcile: a write the API server
 * refuses (403, 409, 422...), fails (5xx) or leaves unanswered (the client's timeout) is recorded
 * in {@link WriteRefusals}, told as a Warning Event with the server's message and what to do, and
 * logged; writes of that kind then wait their backoff, and the first one accepted again is told as
 * a Normal Event. The reconciler turns the standing refusals into conditions and reconciles again
 * when the earliest backoff ends, so the group recovers by itself once the cause is fixed.
 */
final class GuardedWrites {
  private static final Logger log = LoggerFactory.getLogger(GuardedWrites.class);

  /** Where the Events go ({@link EventRecorder}). */
  interface Events {
    void warning(HighAvailabilityGroup hag, String reason, String message);

    void normal(HighAvailabilityGroup hag, String reason, String message);

    /** Forgets what was recorded with {@code reason}, so the next problem is told again. */
    void forget(HighAvailabilityGroup hag, String reason);
  }

  private final WriteRefusals refusals = new WriteRefusals();
  private final Events events;
  private final LongSupplier clock;

  GuardedWrites(Events events, LongSupplier clockMillis) {
    this.events = events;
    this.clock = clockMillis;
  }

  /**
   * Sends {@code call} unless writes of {@code write} are backing off; returns whether the API
   * server accepted it.
   *
   * @param action what is asked, for people: {@code label pod web-0 halo.dev/role=master}
   */
  boolean send(HighAvailabilityGroup hag, Write write, String action, Runnable call) {
    String group = HighAvailabilityGroupReconciler.key(hag);
    long now = clock.getAsLong();
    if (!refusals.mayTry(group, write, now)) {
      log.atDebug()
          .addKeyValue("group", group)
          .addKeyValue("write", write)
          .addKeyValue("action", action)
          .log("write refused before; waiting for its backoff");
      return false;
    }
    try {
      call.run();
    } catch (KubernetesClientException e) {
      Refusal r = refusals.refused(group, write, action, WriteFailure.of(e), now);
      events.warning(hag, write.reason, message(r));
      log.atWarn()
          .addKeyValue("group", group)
          .addKeyValue("write", write)
          .addKeyValue("action", action)
          .addKeyValue("code", r.failure().code())
          .addKeyValue("reason", r.failure().reason())
          .addKeyValue("error", r.failure().message())
          .addKeyValue("fields", r.failure().fields())
          .addKeyValue("retryInMs", r.delayMillis())
          .log("the API server did not accept a write; retrying with backoff");
      return false;
    }
    accepted(hag, write);
    return true;
  }

  /** No write of {@code write} is needed now: a refusal of it is over. */
  void settled(HighAvailabilityGroup hag, Write write) {
    accepted(hag, write);
  }

  private void accepted(HighAvailabilityGroup hag, Write write) {
    String group = HighAvailabilityGroupReconciler.key(hag);
    if (refusals.accepted(group, write)) {
      events.forget(hag, write.reason);
      events.normal(hag, write.recovered, recoveredMessage(write));
      log.atInfo()
          .addKeyValue("group", group)
          .addKeyValue("write", write)
          .log("the API server accepts these writes again");
    }
  }

  /** Whether writes of {@code write} wait for their backoff now. */
  boolean backingOff(HighAvailabilityGroup hag, Write write) {
    return !refusals.mayTry(HighAvailabilityGroupReconciler.key(hag), write, clock.getAsLong());
  }

  /** The group's standing refusal of {@code write}, as its condition's message. */
  Optional<String> refusal(String group, Write write) {
    return refusals.of(group, write).map(GuardedWrites::message);
  }

  /** The group's standing refusals, in the order of {@link Write}. */
  List<Refusal> refusals(String group) {
    return refusals.of(group);
  }

  /** How long until the group's earliest refused write may be tried again, if any is refused. */
  Optional<Duration> untilNextRetry(String group) {
    long now = clock.getAsLong();
    return refusals.nextRetryAtMillis(group).stream()
        .mapToObj(at -> Duration.ofMillis(Math.max(1, at - now)))
        .findFirst();
  }

  void forget(String group) {
    refusals.forget(group);
  }

  /** The Warning's and the condition's message: what was refused, why, and what to do. */
  static String message(Refusal r) {
    WriteFailure f = r.failure();
    return (f.code() > 0
            ? "the API server refused to " + r.action()
            : "the API server did not answer the request to " + r.action())
        + " ("
        + f.describe()
        + "). "
        + advice(r.write(), f)
        + "; the operator retries by itself with backoff (at most every "
        + human(r.write().cap)
        + ")";
  }

  private static String advice(Write write, WriteFailure f) {
    String cause =
        write == Write.POD_CREATE && f.code() == 403
            ? "Fix the cause (the namespace's PodSecurity level, its ResourceQuota or LimitRange,"
                + " an admission webhook)"
            : f.advice();
    String meanwhile =
        switch (write) {
          case ROLE_LABELS ->
              "role labels are left as they are meanwhile (no promotion before every demotion)";
          case SERVICE -> "the Service keeps what it has meanwhile";
          case ENDPOINT_SLICE ->
              "the master Service keeps its selector or slice as they are meanwhile (never both"
                  + " for two masters)";
          case DISRUPTION_BUDGET -> "the group has no disruption budget meanwhile";
          case POD_DELETE -> "the pod stays and the rollout or scale-down waits meanwhile";
          case ANNOTATION -> "the switchover annotation stays meanwhile";
          case STATUS -> "the group's status is out of date meanwhile";
          case POD_CREATE -> "";
        };
    return meanwhile.isEmpty() ? cause : cause + "; " + meanwhile;
  }

  private static String recoveredMessage(Write write) {
    return switch (write) {
      case POD_CREATE -> "pods are created again: the earlier refusal is resolved";
      case ROLE_LABELS -> "role labels are applied again: the earlier refusal is resolved";
      case SERVICE -> "Services are written again: the earlier refusal is resolved";
      case ENDPOINT_SLICE ->
          "the remote master's EndpointSlice is written again: the earlier refusal is resolved";
      case DISRUPTION_BUDGET ->
          "the disruption budget is written again: the earlier refusal is resolved";
      case POD_DELETE -> "pods are deleted again: the earlier refusal is resolved";
      case ANNOTATION -> "the switchover annotation is removed: the earlier refusal is resolved";
      case STATUS -> "the status is written again: the earlier refusal is resolved";
    };
  }

  private static String human(Duration d) {
    return d.toSeconds() < 60 ? d.toSeconds() + " s" : d.toMinutes() + " min";
  }
}
