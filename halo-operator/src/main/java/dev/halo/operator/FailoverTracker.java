package dev.halo.operator;

import dev.halo.api.v1alpha1.FailoverRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers, per group, the last master the operator labelled and when and why it was lost, so the
 * next master's arrival can be reported as a failover with its cause and duration.
 */
final class FailoverTracker {
  private record Loss(String from, Instant at, String reason) {}

  private final Map<String, String> lastMaster = new ConcurrentHashMap<>();
  private final Map<String, Loss> losses = new ConcurrentHashMap<>();
  private final Map<String, String> handOvers = new ConcurrentHashMap<>();
  private final Map<String, Integer> counts = new ConcurrentHashMap<>();
  private final Map<String, FailoverRecord> lastRecords = new ConcurrentHashMap<>();

  /**
   * The number of failovers: the larger of what status says and what this operator counted, so a
   * reconcile that works from a cached copy older than our last status write loses nothing.
   */
  int count(String group, Integer recorded) {
    return Math.max(recorded == null ? 0 : recorded, counts.getOrDefault(group, 0));
  }

  /** The last failover this operator saw, else the one status records. */
  FailoverRecord last(String group, FailoverRecord recorded) {
    return lastRecords.getOrDefault(group, recorded);
  }

  /** The operator itself asked {@code pod} to hand over (scale down, rolling update). */
  void handingOver(String group, String pod) {
    handOvers.put(group, pod);
  }

  /** The master was lost: remember the first moment and cause (later calls keep the first). */
  void lost(String group, String recordedMaster, Instant at, String reason) {
    String from = lastMaster.getOrDefault(group, recordedMaster);
    if (from != null) {
      String why = from.equals(handOvers.get(group)) ? "switchover" : reason;
      losses.putIfAbsent(group, new Loss(from, at, why));
    }
  }

  /**
   * A master is labelled; returns the failover record when it replaces a different master. {@code
   * recordedMaster} is the status's master, used after an operator restart.
   */
  Optional<FailoverRecord> elected(
      String group,
      String recordedMaster,
      Integer recordedCount,
      String master,
      Instant at,
      String fallbackReason) {
    String previous = lastMaster.getOrDefault(group, recordedMaster);
    lastMaster.put(group, master);
    Loss loss = losses.remove(group);
    if (previous == null || previous.equals(master)) {
      return Optional.empty();
    }
    boolean planned = previous.equals(handOvers.remove(group));
    FailoverRecord r = new FailoverRecord();
    r.setFrom(previous);
    r.setTo(master);
    r.setReason(planned ? "switchover" : loss == null ? fallbackReason : loss.reason());
    r.setTime(at.toString());
    r.setDurationMillis(loss == null ? 0 : Duration.between(loss.at(), at).toMillis());
    counts.put(group, count(group, recordedCount) + 1);
    lastRecords.put(group, r);
    return Optional.of(r);
  }

  boolean isNew(String group, String recordedMaster, String master) {
    return !master.equals(lastMaster.getOrDefault(group, recordedMaster));
  }

  void forget(String group) {
    lastMaster.remove(group);
    losses.remove(group);
    handOvers.remove(group);
    counts.remove(group);
    lastRecords.remove(group);
  }
}
