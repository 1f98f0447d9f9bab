package dev.halo.operator.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.util.ArrayList;
import java.util.List;

/** Kubernetes-style conditions: lastTransitionTime moves only when the status flips. */
public final class Conditions {
  public static final String READY = "Ready";
  public static final String MASTER_ELECTED = "MasterElected";
  public static final String ETCD_REACHABLE = "EtcdReachable";
  public static final String VALID = "Valid";

  /**
   * False (reason {@code CreateRefused}, the API server's message) while the API server refuses to
   * create the group's pods; True once creates succeed.
   */
  public static final String PODS_CREATED = "PodsCreated";

  /**
   * False while the API server refuses another write of the group's objects: a role label patch, a
   * Service, a remote master's EndpointSlice, the disruption budget, a pod delete or the switchover
   * annotation's removal. Its reason names the first kind refused ({@code RoleLabelRefused}, {@code
   * ServiceRefused}, {@code EndpointSliceRefused}, {@code DisruptionBudgetRefused}, {@code
   * DeleteRefused}, {@code AnnotationRefused}), its message each refusal with the server's message
   * and the fields it named. True ({@code Applied}) otherwise.
   */
  public static final String OBJECTS_APPLIED = "ObjectsApplied";

  /** True while the election holds keys that are no pod's of this group (see Membership). */
  public static final String FOREIGN_CANDIDATES = "ForeignCandidates";

  /**
   * A group with {@code spec.site} only: False (reason {@code TTLTooShort}) while its lease TTL is
   * too short to keep a healthy master through an etcd leader election, with the TTL that would be;
   * the group runs on either way.
   */
  public static final String LEASE_TTL_SAFE = "LeaseTTLSafe";

  /**
   * A multi-site group in {@code spec.site.failover: Manual}: whether this site's pods campaign
   * (True: it holds the master, or was let in) or are held out (False, reason {@code HeldOut}).
   */
  public static final String SITE_ACTIVE = "SiteActive";

  /**
   * With {@code spec.paused} only: True (reason {@code SpecPaused}), saying what the operator holds
   * and how to resume ({@link dev.halo.operator.model.Pause}).
   */
  public static final String PAUSED = dev.halo.operator.model.Pause.CONDITION;

  private Conditions() {}

  /**
   * A condition's desired state before timestamps are settled.
   *
   * @param status {@code True}, {@code False} or {@code Unknown} (no verdict)
   */
  public record Desired(String type, String status, String reason, String message) {
    public Desired(String type, boolean status, String reason, String message) {
      this(type, status ? "True" : "False", reason, message);
    }

    /** A condition the operator cannot judge now: status {@code Unknown}. */
    public static Desired unknown(String type, String reason, String message) {
      return new Desired(type, "Unknown", reason, message);
    }
  }

  /**
   * Builds the condition list, keeping each previous lastTransitionTime when status is unchanged.
   */
  public static List<Condition> merge(
      List<Condition> previous, List<Desired> desired, long generation, String now) {
    List<Condition> out = new ArrayList<>();
    for (Desired d : desired) {
      String status = d.status();
      String since =
          previous == null
              ? now
              : previous.stream()
                  .filter(c -> d.type().equals(c.getType()) && status.equals(c.getStatus()))
                  .map(Condition::getLastTransitionTime)
                  .findFirst()
                  .orElse(now);
      out.add(
          new ConditionBuilder()
              .withType(d.type())
              .withStatus(status)
              .withReason(d.reason())
              .withMessage(d.message())
              .withObservedGeneration(generation)
              .withLastTransitionTime(since)
              .build());
    }
    return out;
  }
}
