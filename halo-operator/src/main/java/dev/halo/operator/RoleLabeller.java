package dev.halo.operator;

import dev.halo.api.v1alpha1.FailoverRecord;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.operator.model.Membership;
import dev.halo.operator.model.PodState;
import dev.halo.operator.model.RoleAssignment;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Labels a group's pods with the roles the election gives them (every demotion before the
 * promotion) and announces a new master: the MasterElected event and, when it replaced another, the
 * Failover event, metric and record.
 */
final class RoleLabeller {
  private static final Logger log = LoggerFactory.getLogger(RoleLabeller.class);

  /**
   * The group's pods as the role labels left them.
   *
   * @param master the pod labelled master, if any
   * @param elected the pod the election makes master, if any: the same unless a label patch was
   *     refused
   */
  record Labelled(List<Pod> pods, Optional<String> master, Optional<String> elected) {
    Labelled {
      pods = List.copyOf(pods);
    }

    /** Labels that follow the election. */
    Labelled(List<Pod> pods, Optional<String> master) {
      this(pods, master, master);
    }
  }

  private final ObjectWriter writer;
  private final EventRecorder events;
  private final FailoverTracker failovers;
  private final OperatorMetrics metrics;

  RoleLabeller(
      ObjectWriter writer,
      EventRecorder events,
      FailoverTracker failovers,
      OperatorMetrics metrics) {
    this.writer = writer;
    this.events = events;
    this.failovers = failovers;
    this.metrics = metrics;
  }

  /**
   * Labels the roles that {@code members} calls for; {@code pods} is left as it is. While the API
   * server refuses a label patch, the master returned is the pod still labelled master (if any),
   * and the elected one is not announced yet.
   */
  Labelled assign(HighAvailabilityGroup hag, List<Pod> pods, Membership members) {
    RoleAssignment plan = RoleAssignment.plan(pods, members);
    String recorded = hag.getStatus() == null ? null : hag.getStatus().getMaster();
    String from = labelledMaster(pods).orElse(recorded);
    String reason = lossReason(from, pods);
    if (plan.master().isEmpty()) {
      failovers.lost(key(hag), from, Instant.now(), reason);
    }
    ObjectWriter.Labelling applied = writer.applyRoles(hag, pods, plan);
    if (!applied.complete()) {
      // The labels fell short of the plan: the master is still whom they route to, and the
      // elected one is announced once its label is applied.
      return new Labelled(applied.pods(), labelledMaster(applied.pods()), plan.master());
    }
    plan.master().ifPresent(m -> announce(hag, recorded, m, Instant.now(), reason));
    return new Labelled(applied.pods(), plan.master());
  }

  /** The pod labelled master, if any (labels as they are, no election consulted). */
  static Optional<String> labelledMaster(List<Pod> pods) {
    return pods.stream().filter(PodState::labelledMaster).map(PodState::name).findFirst();
  }

  private static String lossReason(String from, List<Pod> pods) {
    Optional<Pod> pod = pods.stream().filter(p -> PodState.name(p).equals(from)).findFirst();
    if (pod.isEmpty()) {
      return "podDeleted";
    }
    if (PodState.gone(pod.get())) {
      return PodState.goneReason(pod.get());
    }
    return PodState.ready(pod.get()) ? "resigned" : "unhealthy";
  }

  private void announce(
      HighAvailabilityGroup hag, String recorded, String master, Instant at, String reason) {
    String group = key(hag);
    if (!failovers.isNew(group, recorded, master)) {
      return;
    }
    events.normal(hag, "MasterElected", master + " is master");
    log.atInfo().addKeyValue("group", group).addKeyValue("master", master).log("master labelled");
    Integer count = hag.getStatus() == null ? null : hag.getStatus().getFailovers();
    Optional<FailoverRecord> failover =
        failovers.elected(group, recorded, count, master, at, reason);
    failover.ifPresent(f -> reportFailover(hag, f));
  }

  private void reportFailover(HighAvailabilityGroup hag, FailoverRecord f) {
    metrics.failover(f.getReason(), f.getDurationMillis());
    events.normal(
        hag,
        "Failover",
        f.getFrom()
            + " -> "
            + f.getTo()
            + " ("
            + f.getReason()
            + ") in "
            + f.getDurationMillis()
            + " ms");
    log.atInfo()
        .addKeyValue("group", key(hag))
        .addKeyValue("from", f.getFrom())
        .addKeyValue("to", f.getTo())
        .addKeyValue("reason", f.getReason())
        .addKeyValue("durationMs", f.getDurationMillis())
        .log("failover");
  }

  private static String key(HighAvailabilityGroup hag) {
    return HighAvailabilityGroupReconciler.key(hag);
  }
}
