package dev.halo.operator;

import dev.halo.common.Backoff;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The writes the API server refused (or failed, or left unanswered), per group and kind of write. A
 * refused kind is not tried again at every reconcile the group's other events bring: its next write
 * waits a capped exponential backoff with equal jitter, and the first write of that kind the server
 * accepts (or a reconcile that needs none) clears the refusal and its backoff. Pure bookkeeping:
 * the caller passes the time.
 */
final class WriteRefusals {

  /** The kinds of write the operator makes, each with its Warning reason and its backoff. */
  enum Write {
    POD_CREATE("CreateRefused", "PodsCreated", Duration.ofSeconds(1), Duration.ofMinutes(5)),
    // Labels route traffic: retried sooner, so a fixed policy lets failover through quickly.
    ROLE_LABELS(
        "RoleLabelRefused", "RoleLabelsApplied", Duration.ofMillis(500), Duration.ofSeconds(30)),
    SERVICE("ServiceRefused", "ServiceApplied", Duration.ofSeconds(1), Duration.ofMinutes(1)),
    ENDPOINT_SLICE(
        "EndpointSliceRefused",
        "EndpointSliceApplied",
        Duration.ofSeconds(1),
        Duration.ofMinutes(1)),
    DISRUPTION_BUDGET(
        "DisruptionBudgetRefused",
        "DisruptionBudgetApplied",
        Duration.ofSeconds(1),
        Duration.ofMinutes(5)),
    POD_DELETE("DeleteRefused", "PodDeleted", Duration.ofSeconds(1), Duration.ofMinutes(5)),
    ANNOTATION(
        "AnnotationRefused", "AnnotationRemoved", Duration.ofSeconds(1), Duration.ofMinutes(5)),
    STATUS("StatusRefused", "StatusWritten", Duration.ofSeconds(1), Duration.ofMinutes(1));

    /** The Warning Event's reason while refused, and the reason the condition names. */
    final String reason;

    /** The Normal Event's reason once the server accepts this kind again. */
    final String recovered;

    final Duration first;
    final Duration cap;

    Write(String reason, String recovered, Duration first, Duration cap) {
      this.reason = reason;
      this.recovered = recovered;
      this.first = first;
      this.cap = cap;
    }
  }

  /**
   * The last refusal of one kind of write.
   *
   * @param action what was asked, e.g. {@code label pod web-0 halo.dev/role=master}
   * @param retryAtMillis when the next write of this kind may go out
   * @param delayMillis the backoff delay this refusal got
   */
  record Refusal(
      Write write, String action, WriteFailure failure, long retryAtMillis, long delayMillis) {}

  private record Key(String group, Write write) {}

  private final Map<Key, Backoff> backoffs = new ConcurrentHashMap<>();
  private final Map<Key, Refusal> refusals = new ConcurrentHashMap<>();

  /** The group's standing refusal of {@code write}, if its last one was refused. */
  Optional<Refusal> of(String group, Write write) {
    return Optional.ofNullable(refusals.get(new Key(group, write)));
  }

  /** Every standing refusal of the group, in the order of {@link Write}. */
  List<Refusal> of(String group) {
    return refusals.entrySet().stream()
        .filter(e -> e.getKey().group().equals(group))
        .map(Map.Entry::getValue)
        .sorted(Comparator.comparing(Refusal::write))
        .toList();
  }

  /** Whether a write of this kind may go out now (none refused, or its backoff has passed). */
  boolean mayTry(String group, Write write, long nowMillis) {
    Refusal r = refusals.get(new Key(group, write));
    return r == null || nowMillis >= r.retryAtMillis();
  }

  /** Records a refusal; returns it with the delay before the next attempt. */
  Refusal refused(String group, Write write, String action, WriteFailure failure, long nowMillis) {
    Key key = new Key(group, write);
    long delay =
        backoffs
            .computeIfAbsent(key, k -> Backoff.equalJitter(write.first, write.cap))
            .nextDelayMillis();
    Refusal r = new Refusal(write, action, failure, nowMillis + delay, delay);
    refusals.put(key, r);
    return r;
  }

  /**
   * A write of this kind was accepted, or none is needed: forgets its refusal and its backoff.
   * Returns whether a refusal stood.
   */
  boolean accepted(String group, Write write) {
    Key key = new Key(group, write);
    backoffs.remove(key);
    return refusals.remove(key) != null;
  }

  /** When the group's earliest refused write may be tried again, if any is refused. */
  OptionalLong nextRetryAtMillis(String group) {
    return of(group).stream().mapToLong(Refusal::retryAtMillis).min();
  }

  void forget(String group) {
    backoffs.keySet().removeIf(k -> k.group().equals(group));
    refusals.keySet().removeIf(k -> k.group().equals(group));
  }
}
