package dev.halo.operator;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.SiteSpec;
import dev.halo.operator.election.ElectionService;
import dev.halo.operator.election.SwitchoverRequest;
import dev.halo.operator.model.AgentEnvVars;
import dev.halo.operator.model.EtcdEndpoints;
import dev.halo.operator.model.GroupElection;
import dev.halo.operator.model.Membership;
import dev.halo.operator.model.OperatorDefaults;
import dev.halo.operator.model.SiteQueue;
import dev.halo.operator.model.SiteSwitchover;
import dev.halo.operator.model.ZonePreference;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts this site's standbys back in the queue behind the standbys of the site that should take over
 * first ({@link SiteQueue}), a group of one cluster's behind Ready standbys of a more preferred
 * zone ({@link ZonePreference}), and anyone's ahead of the member a switchover goes to ({@link
 * SiteSwitchover}): each is asked to step down, which for a standby means resigning and campaigning
 * anew, at the back. Bounded: a lease is asked at most once per lease TTL (plus a slack), a group
 * re-queues at most one round per {@link #ROUND_GAP_MS}, never the master (the request is put only
 * while the leader seen still leads), and only while etcd answers (the caller calls it only then).
 */
final class StandbyRequeues {
  private static final Logger log = LoggerFactory.getLogger(StandbyRequeues.class);

  /** Normal event: standbys of this site queue again behind those of a site that comes first. */
  static final String REQUEUED = "StandbyRequeued";

  /**
   * The shortest time between two rounds of a group: the order settles in one round when the sites
   * agree on {@code spec.site.preferred}; when they do not, this keeps their disagreement to a slow
   * churn of standbys instead of a storm.
   */
  static final long ROUND_GAP_MS = 10_000;

  private static final long ASK_AGAIN_SLACK_MS = 2_000;

  private final ElectionService elections;
  private final OperatorDefaults defaults;
  private final Notices events;
  private final LongSupplier clockMillis;

  /** Lease → when it was asked. */
  private final Map<Long, Long> asked = new ConcurrentHashMap<>();

  /** Group → when its last round started. */
  private final Map<String, Long> rounds = new ConcurrentHashMap<>();

  StandbyRequeues(
      ElectionService elections,
      OperatorDefaults defaults,
      Notices events,
      LongSupplier clockMillis) {
    this.elections = elections;
    this.defaults = defaults;
    this.events = events;
    this.clockMillis = clockMillis;
  }

  /** Asks what the plan says; returns whether a standby is still out of order (look again soon). */
  boolean act(HighAvailabilityGroup hag, List<Pod> pods, Membership members) {
    return act(hag, pods, members, Optional.empty());
  }

  /**
   * As above, with {@code published}: a switchover request this operator has just written, which
   * the election's view may not show yet (the view's request, when it has one, comes first).
   */
  boolean act(
      HighAvailabilityGroup hag,
      List<Pod> pods,
      Membership members,
      Optional<SwitchoverRequest> published) {
    // A switchover under way decides the order alone: the site or zone preference would move its
    // target back again.
    Optional<SwitchoverRequest> switchover = members.view().switchover().or(() -> published);
    List<SiteQueue.Requeue> plan =
        switchover
            .map(r -> SiteSwitchover.requeues(members, r))
            .orElseGet(
                () ->
                    members.site().isPresent()
                        ? SiteQueue.plan(members, preferred(hag))
                        : ZonePreference.plan(members, pods, ZonePreference.of(hag.getSpec())));
    if (plan.isEmpty()) {
      return false;
    }
    long now = clockMillis.getAsLong();
    long again =
        TimeUnit.SECONDS.toMillis(AgentEnvVars.leaseTtl(hag.getSpec())) + ASK_AGAIN_SLACK_MS;
    asked.values().removeIf(at -> now - at > TimeUnit.MINUTES.toMillis(5));
    List<SiteQueue.Requeue> due =
        plan.stream()
            .filter(r -> now - asked.getOrDefault(r.standby().leaseId(), now - again) >= again)
            .toList();
    // A switchover's rounds are paced apart from the preference's, so that one does not wait.
    String group =
        HighAvailabilityGroupReconciler.key(hag)
            + switchover.map(r -> "/switchover/" + Long.toHexString(r.targetLease())).orElse("");
    Long lastRound = rounds.get(group);
    if (due.isEmpty() || (lastRound != null && now - lastRound < ROUND_GAP_MS)) {
      return true;
    }
    rounds.put(group, now);
    for (SiteQueue.Requeue r : due) {
      ask(hag, members, r, now, switchover.isPresent());
    }
    return true;
  }

  private void ask(
      HighAvailabilityGroup hag,
      Membership members,
      SiteQueue.Requeue r,
      long now,
      boolean forSwitchover) {
    long lease = r.standby().leaseId();
    asked.put(lease, now);
    String pod = r.standby().member();
    String reason =
        pod
            + " queues again behind "
            + r.before().member()
            + (r.beforeSite().isEmpty() ? "" : " of site " + r.beforeSite())
            + (forSwitchover
                ? ", for the switchover to it"
                : r.beforeSite().isEmpty()
                    ? ", whose zone is preferred, so that a failover goes there first"
                    : ", so that a failover goes there first");
    log.atInfo()
        .addKeyValue("group", HighAvailabilityGroupReconciler.key(hag))
        .addKeyValue("pod", pod)
        .addKeyValue("lease", Long.toHexString(lease))
        .addKeyValue(
            "before", (r.beforeSite().isEmpty() ? "" : r.beforeSite() + "/") + r.before().member())
        .addKeyValue("leader", r.leader().member())
        .log("asking a standby to queue again");
    elections
        .requestRequeue(
            EtcdEndpoints.of(hag.getSpec(), defaults),
            members.view().election(),
            lease,
            r.leader().key(),
            r.leader().createRevision())
        .whenComplete(
            (put, error) -> {
              if (error != null) {
                log.atWarn()
                    .addKeyValue("group", HighAvailabilityGroupReconciler.key(hag))
                    .addKeyValue("pod", pod)
                    .addKeyValue("lease", Long.toHexString(lease))
                    .addKeyValue("error", error.toString())
                    .log("re-queue request failed; the standby keeps its place for now");
              } else if (put) {
                events.normal(hag, REQUEUED, reason);
              } else {
                asked.remove(lease); // the leader changed meanwhile: decide again on the new one
                log.atInfo()
                    .addKeyValue("group", HighAvailabilityGroupReconciler.key(hag))
                    .addKeyValue("pod", pod)
                    .log("leader changed before the re-queue request; not asked");
              }
            });
  }

  /** Where Normal events go ({@link EventRecorder#normal}). */
  @FunctionalInterface
  interface Notices {
    void normal(HighAvailabilityGroup hag, String reason, String message);
  }

  /** Forgets a deleted group. */
  void forget(HighAvailabilityGroup hag) {
    String group = HighAvailabilityGroupReconciler.key(hag);
    rounds.keySet().removeIf(k -> k.equals(group) || k.startsWith(group + "/switchover/"));
  }

  private static Optional<String> preferred(HighAvailabilityGroup hag) {
    return GroupElection.site(hag.getSpec())
        .map(SiteSpec::getPreferred)
        .filter(p -> !p.isBlank())
        .map(String::strip);
  }
}
