package dev.halo.operator;

import dev.halo.api.v1alpha1.FailoverRecord;
import dev.halo.api.v1alpha1.HighAvailabilityGroupStatus;
import dev.halo.api.v1alpha1.RemoteMaster;
import dev.halo.operator.model.FailoverCause;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers, per group, the last master the operator labelled, the failover count and the last
 * failover records; why and how long a failover took is {@link FailoverCause}'s call. A master is
 * named by its pod, or, when it is on another site of a group spread over sites, {@code
 * <site>/<pod>} ({@link #onSite}): pod names may repeat between sites, a site and pod may not.
 */
final class FailoverTracker {
  private final Map<String, String> lastMaster = new ConcurrentHashMap<>();
  private final Map<String, Integer> counts = new ConcurrentHashMap<>();
  private final Map<String, FailoverRecord> lastRecords = new ConcurrentHashMap<>();
  private final Map<String, List<FailoverRecord>> recent = new ConcurrentHashMap<>();

  /** The name of a master on another site, e.g. {@code lyon/orders-lyon-1}. */
  static String onSite(String site, String pod) {
    return site + "/" + pod;
  }

  /** Whether {@code master} names a master on another site (a pod name has no slash). */
  static boolean remote(String master) {
    return master.contains("/");
  }

  /**
   * Whether a failover from {@code from} to {@code to} is this site's to record: one end is this
   * site's pod. A master moving between two other sites is recorded by those sites.
   */
  static boolean concernsThisSite(String from, String to) {
    return !remote(from) || !remote(to);
  }

  /**
   * The master the status records: this site's pod, else the remote master as {@code <site>/<pod>};
   * null when it records none.
   */
  static String recordedMaster(HighAvailabilityGroupStatus status) {
    if (status == null) {
      return null;
    }
    if (status.getMaster() != null) {
      return status.getMaster();
    }
    RemoteMaster r = status.getRemoteMaster();
    return r == null || r.getPod() == null || r.getSite() == null
        ? null
        : onSite(r.getSite(), r.getPod());
  }

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

  /**
   * The failover history to publish, newest first, at most {@link FailoverRecord#HISTORY_SIZE}:
   * what this operator recorded, then what status records (written by it or by an operator before a
   * restart), each record once.
   */
  List<FailoverRecord> history(String group, List<FailoverRecord> recorded) {
    List<FailoverRecord> merged = new ArrayList<>(recent.getOrDefault(group, List.of()));
    for (FailoverRecord r : recorded == null ? List.<FailoverRecord>of() : recorded) {
      if (merged.stream().noneMatch(m -> same(m, r))) {
        merged.add(r);
      }
    }
    return List.copyOf(merged.subList(0, Math.min(FailoverRecord.HISTORY_SIZE, merged.size())));
  }

  private static boolean same(FailoverRecord a, FailoverRecord b) {
    return Objects.equals(a.getTime(), b.getTime())
        && Objects.equals(a.getFrom(), b.getFrom())
        && Objects.equals(a.getTo(), b.getTo());
  }

  boolean isNew(String group, String recordedMaster, String master) {
    return !master.equals(lastMaster.getOrDefault(group, recordedMaster));
  }

  /**
   * {@code master} is labelled; returns the master it replaced, if any: the one this operator
   * labelled last, else (after a restart) the status's {@code recordedMaster}.
   */
  Optional<String> labelled(String group, String recordedMaster, String master) {
    String previous = lastMaster.getOrDefault(group, recordedMaster);
    lastMaster.put(group, master);
    return previous == null || previous.equals(master) ? Optional.empty() : Optional.of(previous);
  }

  /** Counts and keeps the failover from {@code from} to {@code to}, labelled at {@code at}. */
  FailoverRecord failedOver(
      String group,
      Integer recordedCount,
      String from,
      String to,
      FailoverCause.Verdict verdict,
      Instant at) {
    FailoverRecord r = new FailoverRecord();
    r.setFrom(from);
    r.setTo(to);
    r.setReason(verdict.reason());
    r.setTime(at.toString());
    r.setDurationMillis(
        verdict.durationMillis().isPresent() ? verdict.durationMillis().getAsLong() : null);
    counts.put(group, count(group, recordedCount) + 1);
    lastRecords.put(group, r);
    recent.compute(
        group,
        (g, old) -> {
          List<FailoverRecord> list = new ArrayList<>();
          list.add(r);
          list.addAll(old == null ? List.of() : old);
          return List.copyOf(list.subList(0, Math.min(FailoverRecord.HISTORY_SIZE, list.size())));
        });
    return r;
  }

  void forget(String group) {
    lastMaster.remove(group);
    counts.remove(group);
    lastRecords.remove(group);
    recent.remove(group);
  }
}
