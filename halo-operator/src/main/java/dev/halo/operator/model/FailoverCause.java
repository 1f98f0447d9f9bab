package dev.halo.operator.model;

import dev.halo.common.MemberIdentity;
import dev.halo.common.Names;
import dev.halo.operator.election.KeyDeparture;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.LongStream;

/**
 * Why the master changed and how long it took, from what the operator saw: how the old master's key
 * left etcd (its watch), the old master's pod, and what the operator itself did to that key's
 * lease. The decision table is in docs/operator.md ("Failover records"); the first row that matches
 * wins.
 */
public final class FailoverCause {
  public static final String UNKNOWN = "unknown";
  public static final String SWITCHOVER = "switchover";
  public static final String POD_DELETED = "podDeleted";
  public static final String POD_FAILED = "podFailed";
  public static final String UNHEALTHY = "unhealthy";
  public static final String RESIGNED = "resigned";
  public static final String REVOKED = "revoked";
  public static final String LEASE_EXPIRED = "leaseExpired";

  /** The operator removed the old master's key under a fence: the new master waited for it. */
  public static final String FENCED = "fenced";

  // Pod timestamps have whole seconds: taken at their last millisecond, never overstating.
  private static final long SECOND_ROUNDING = 999;

  private FailoverCause() {}

  /**
   * What the operator knows about the old master's going.
   *
   * @param departure its leading key leaving, as the election watch saw it; empty when the watch
   *     did not see it (the operator started later, or etcd was unreachable meanwhile)
   * @param pod the old master's pod; empty when it is gone from the API
   * @param action what the operator itself did to that key's lease, if anything
   * @param podSignSeenAtMillis when the pod watch first showed the pod going (terminating, failed,
   *     agent terminated, deleted)
   * @param electedAtMillis when the new master's key became leader, as the watch saw it, or when
   *     the fence it waited for went, whichever came later
   */
  public record Evidence(
      Optional<KeyDeparture> departure,
      Optional<Pod> pod,
      Optional<LeaseAction> action,
      OptionalLong podSignSeenAtMillis,
      OptionalLong electedAtMillis) {}

  /** The reason, and the duration when both its start and its end are known. */
  public record Verdict(String reason, OptionalLong durationMillis) {}

  public static Verdict of(Evidence e) {
    if (e.departure().isEmpty()) {
      return new Verdict(UNKNOWN, OptionalLong.empty());
    }
    KeyDeparture d = e.departure().get();
    String reason = reason(d, e.pod(), e.action());
    boolean podSigns =
        reason.equals(POD_DELETED) || reason.equals(POD_FAILED) || reason.equals(FENCED);
    LongStream starts =
        LongStream.concat(
            LongStream.of(d.seenAtMillis()),
            LongStream.concat(
                e.action().stream().mapToLong(LeaseAction::atMillis),
                podSigns ? podSigns(e) : LongStream.empty()));
    long start = starts.min().getAsLong();
    OptionalLong duration =
        e.electedAtMillis().isPresent()
            ? OptionalLong.of(Math.max(0, e.electedAtMillis().getAsLong() - start))
            : OptionalLong.empty();
    return new Verdict(reason, duration);
  }

  /**
   * Why a master on another site went, and how long its going took, from its key's departure as
   * this site's watch saw it: its pod and its site's lease actions are not visible here. A key that
   * went with its lease and a fence of the group that went after it (so the new master waited for
   * that fence) was removed under a fence by its own site's operator.
   *
   * @param departure the remote master's leading key leaving; empty when the watch did not see it
   * @param fenceGoneAtMillis when this site's watch last saw one of the group's fences go
   * @param electedAtMillis as in {@link Evidence}
   */
  public static Verdict ofRemote(
      Optional<KeyDeparture> departure,
      OptionalLong fenceGoneAtMillis,
      OptionalLong electedAtMillis) {
    if (departure.isEmpty()) {
      return new Verdict(UNKNOWN, OptionalLong.empty());
    }
    KeyDeparture d = departure.get();
    String reason;
    if (d.how() == KeyDeparture.How.MARKED) {
      reason = markedReason(d.left());
    } else if (d.how() == KeyDeparture.How.DELETED) {
      reason = RESIGNED;
    } else if (fenceGoneAtMillis.isPresent() && fenceGoneAtMillis.getAsLong() >= d.seenAtMillis()) {
      reason = FENCED;
    } else {
      reason = LEASE_EXPIRED;
    }
    OptionalLong duration =
        electedAtMillis.isPresent()
            ? OptionalLong.of(Math.max(0, electedAtMillis.getAsLong() - d.seenAtMillis()))
            : OptionalLong.empty();
    return new Verdict(reason, duration);
  }

  private static String markedReason(String left) {
    if (left.equals(MemberIdentity.STEPPED_DOWN)) {
      return SWITCHOVER;
    }
    return left.equals(MemberIdentity.UNHEALTHY) ? UNHEALTHY : RESIGNED;
  }

  private static String reason(KeyDeparture d, Optional<Pod> pod, Optional<LeaseAction> action) {
    String left = d.how() == KeyDeparture.How.MARKED ? d.left() : "";
    if (action.filter(LeaseAction::handOver).isPresent()) {
      return SWITCHOVER;
    }
    if (action.filter(a -> a.kind() == LeaseAction.Kind.FENCE).isPresent()
        && d.how() != KeyDeparture.How.MARKED) {
      return FENCED;
    }
    if (pod.isEmpty() || PodState.terminating(pod.get())) {
      return POD_DELETED;
    }
    if (PodState.failed(pod.get()) || PodState.agentTerminated(pod.get())) {
      return POD_FAILED;
    }
    // A step-down of a pod still running: a hand-over whose request this operator did not record
    // (another replica or an earlier start sent it). A terminating pod's agent asked to step down
    // is a pod deletion, above.
    if (!left.isEmpty()) {
      return markedReason(left);
    }
    if (action.filter(a -> a.kind() == LeaseAction.Kind.REVOKE).isPresent()) {
      return REVOKED;
    }
    return d.how() == KeyDeparture.How.DELETED ? RESIGNED : LEASE_EXPIRED;
  }

  /**
   * The pod watch's first sight of the pod going, and the agent container's termination time. The
   * deletionTimestamp is not used: it is the end of the grace period, not the request.
   */
  private static LongStream podSigns(Evidence e) {
    LongStream terminated =
        e.pod().flatMap(FailoverCause::agentStatus).stream()
            .map(s -> s.getState() == null ? null : s.getState().getTerminated())
            .filter(Objects::nonNull)
            .map(ContainerStateTerminated::getFinishedAt)
            .filter(Objects::nonNull)
            .flatMapToLong(FailoverCause::millis);
    return LongStream.concat(e.podSignSeenAtMillis().stream(), terminated);
  }

  private static Optional<ContainerStatus> agentStatus(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return Optional.empty();
    }
    return pod.getStatus().getContainerStatuses().stream()
        .filter(s -> Names.AGENT_CONTAINER.equals(s.getName()))
        .findFirst();
  }

  private static LongStream millis(String timestamp) {
    try {
      return LongStream.of(Instant.parse(timestamp).toEpochMilli() + SECOND_ROUNDING);
    } catch (DateTimeParseException e) {
      return LongStream.empty();
    }
  }
}
