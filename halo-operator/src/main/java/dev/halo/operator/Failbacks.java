package dev.halo.operator;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.operator.election.Candidate;
import dev.halo.operator.model.Membership;
import dev.halo.operator.model.SiteFailback;
import dev.halo.operator.model.ZonePreference;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

/**
 * When a group's master is due to fail back, and to whom: to {@code spec.site.preferred} for a
 * group spread over sites ({@link SiteFailback}: once the master has led the window on this site),
 * to a more preferred zone for a group of one cluster ({@link ZonePreference}: once a standby there
 * has been Ready and campaigning for the window). Keeps what it saw over time (since when each
 * leader led, each standby campaigned, the last failback), and at most one failback per window.
 */
final class Failbacks {
  /** How long after a failback's hand-over its request is left to go with the master's lease. */
  static final long HAND_OVER_MS = 30_000;

  private final LongSupplier clockMillis;

  /** Group → the leader key and when this operator first saw it lead. */
  private final Map<String, Seen> leaders = new ConcurrentHashMap<>();

  /** Group → key → when this operator first saw it Ready and campaigning as a standby. */
  private final Map<String, Map<String, Long>> campaigning = new ConcurrentHashMap<>();

  /** Group → when its last failback handed over. */
  private final Map<String, Long> handedOver = new ConcurrentHashMap<>();

  /** Group → when its pending failback is due (the monotonic clock's millis). */
  private final Map<String, Long> dueAt = new ConcurrentHashMap<>();

  private record Seen(String key, long sinceMillis) {}

  Failbacks(LongSupplier clockMillis) {
    this.clockMillis = clockMillis;
  }

  /** The member to fail back to ({@code <site>/<pod>}, or a pod), if one is due now. */
  Optional<String> target(HighAvailabilityGroup hag, List<Pod> pods, Membership members) {
    String group = HighAvailabilityGroupReconciler.key(hag);
    long now = clockMillis.getAsLong();
    Long last = handedOver.get(group);
    long sinceLast = last == null ? Long.MAX_VALUE : now - last;
    if (members.site().isPresent()) {
      String leaderKey = members.leader().map(Candidate::key).orElse("");
      Seen seen =
          leaders.compute(
              group,
              (g, before) ->
                  before != null && before.key().equals(leaderKey)
                      ? before
                      : new Seen(leaderKey, now));
      long masterFor = now - seen.sinceMillis();
      due(group, now, SiteFailback.dueInMillis(hag, members, masterFor, sinceLast));
      return SiteFailback.target(hag, members, masterFor, sinceLast);
    }
    Map<String, Long> since = campaigning(hag, pods, members, now);
    ToLongFunction<Candidate> campaigningFor = c -> now - since.getOrDefault(c.key(), now);
    OptionalLong due =
        ZonePreference.failbackDueInMillis(hag.getSpec(), pods, members, campaigningFor, sinceLast);
    due(group, now, due);
    return ZonePreference.failbackTarget(hag.getSpec(), pods, members, campaigningFor, sinceLast);
  }

  private void due(String group, long now, OptionalLong dueIn) {
    if (dueIn.isPresent() && dueIn.getAsLong() > 0) {
      dueAt.put(group, now + dueIn.getAsLong());
    } else {
      dueAt.remove(group);
    }
  }

  /**
   * How long until a failback that waits for its window is due (to the preferred site, or zone), so
   * that the group is looked at again then rather than at its next periodic reconcile.
   */
  Optional<Duration> dueIn(HighAvailabilityGroup hag) {
    Long at = dueAt.get(HighAvailabilityGroupReconciler.key(hag));
    return at == null
        ? Optional.empty()
        : Optional.of(Duration.ofMillis(Math.max(0, at - clockMillis.getAsLong())));
  }

  /**
   * Since when each Ready standby campaigns, as this operator saw it: a key seen first now starts
   * now, a key no longer seen is forgotten (so a standby that stopped starts over).
   */
  private Map<String, Long> campaigning(
      HighAvailabilityGroup hag, List<Pod> pods, Membership members, long now) {
    String group = HighAvailabilityGroupReconciler.key(hag);
    Optional<Candidate> leader = members.leader();
    if (ZonePreference.failbackWindowMillis(hag.getSpec()).isEmpty() || leader.isEmpty()) {
      campaigning.remove(group);
      return Map.of();
    }
    Map<String, Long> before = campaigning.getOrDefault(group, Map.of());
    Map<String, Long> next = new HashMap<>();
    ZonePreference.readyStandbys(members, ZonePreference.byName(pods), leader.get())
        .forEach(c -> next.put(c.key(), before.getOrDefault(c.key(), now)));
    campaigning.put(group, next);
    return next;
  }

  /** The failback of {@code hag} handed over now. */
  void handedOver(HighAvailabilityGroup hag) {
    handedOver.put(HighAvailabilityGroupReconciler.key(hag), clockMillis.getAsLong());
  }

  /** Whether a failback of {@code hag} handed over just now (its request must stay). */
  boolean handingOver(HighAvailabilityGroup hag) {
    Long at = handedOver.get(HighAvailabilityGroupReconciler.key(hag));
    return at != null && clockMillis.getAsLong() - at < HAND_OVER_MS;
  }

  /** Forgets a deleted group. */
  void forget(HighAvailabilityGroup hag) {
    String group = HighAvailabilityGroupReconciler.key(hag);
    leaders.remove(group);
    campaigning.remove(group);
    handedOver.remove(group);
    dueAt.remove(group);
  }
}
