package dev.halo.operator;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.Annotations;
import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.ElectionService;
import dev.halo.operator.election.SwitchoverRequest;
import dev.halo.operator.model.EtcdEndpoints;
import dev.halo.operator.model.Membership;
import dev.halo.operator.model.OperatorDefaults;
import dev.halo.operator.model.SiteFailback;
import dev.halo.operator.model.SiteSwitchover;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cross-site switchovers asked for with {@value Annotations#SWITCHOVER_TO} on the group of the
 * master's site ({@link SiteSwitchover}): publishes the request in etcd, attached to the master's
 * lease, so that every site's operator re-queues its standbys queued ahead of the target ({@link
 * StandbyRequeues}); once the target is next in line, asks the master to hand over. The annotation
 * is removed when the target leads, or with a Warning when the request cannot be done; a request
 * whose annotation was removed meanwhile is withdrawn. Without an annotation, a failback to the
 * preferred site ({@link SiteFailback}) takes the same path.
 */
final class SiteSwitchovers {
  private static final Logger log = LoggerFactory.getLogger(SiteSwitchovers.class);

  /** A failed write of the request is tried again after this. */
  static final long RETRY_MS = 2_000;

  /** How long after a failback's hand-over its request is left to go with the master's lease. */
  static final long FAILBACK_HAND_OVER_MS = 30_000;

  private final ElectionService elections;
  private final OperatorDefaults defaults;
  private final EventRecorder events;
  private final ObjectWriter writer;
  private final LeaseReleaser releaser;
  private final LongSupplier clockMillis;

  /** Group → when its request was last written (its value as written). */
  private final Map<String, Written> written = new ConcurrentHashMap<>();

  private record Written(Optional<SwitchoverRequest> request, long atMillis) {}

  /** Group → the leader key and when this operator first saw it lead. */
  private final Map<String, LeaderSeen> leaders = new ConcurrentHashMap<>();

  /** Group → when its last failback handed over. */
  private final Map<String, Long> failbacks = new ConcurrentHashMap<>();

  private record LeaderSeen(String key, long sinceMillis) {}

  SiteSwitchovers(
      ElectionService elections,
      OperatorDefaults defaults,
      EventRecorder events,
      ObjectWriter writer,
      LeaseReleaser releaser,
      LongSupplier clockMillis) {
    this.elections = elections;
    this.defaults = defaults;
    this.events = events;
    this.writer = writer;
    this.releaser = releaser;
    this.clockMillis = clockMillis;
  }

  /** Acts on the group's request, if any; returns whether one is under way (look again soon). */
  boolean act(HighAvailabilityGroup hag, Membership members) {
    Map<String, String> annotations = hag.getMetadata().getAnnotations();
    String asked = annotations == null ? null : annotations.get(Annotations.SWITCHOVER_TO);
    Optional<SwitchoverRequest> published = members.view().switchover();
    long ownMaster =
        members.leaderPod().flatMap(p -> members.leader()).map(Candidate::leaseId).orElse(0L);
    Optional<String> failback = asked == null ? failbackTarget(hag, members) : Optional.empty();
    if (failback.isPresent()) {
      return failBack(hag, members, failback.get(), published);
    }
    if (asked == null) {
      // Withdrawn: the request this site's master published goes too; not while a failback hands
      // over, as the site preference would move its target back (the request goes with the
      // master's lease anyway).
      Long failedBack = failbacks.get(HighAvailabilityGroupReconciler.key(hag));
      boolean handingOver =
          failedBack != null && clockMillis.getAsLong() - failedBack < FAILBACK_HAND_OVER_MS;
      published
          .filter(r -> !handingOver && ownMaster != 0 && r.masterLease() == ownMaster)
          .ifPresent(r -> write(hag, members, Optional.empty(), r.masterLease()));
      return false;
    }
    return follow(hag, members, asked.strip(), published, ownMaster);
  }

  /** Takes the next step of the switchover to {@code target} asked for by the annotation. */
  private boolean follow(
      HighAvailabilityGroup hag,
      Membership members,
      String target,
      Optional<SwitchoverRequest> published,
      long ownMaster) {
    SiteSwitchover.Step step = SiteSwitchover.plan(members, target);
    if (step instanceof SiteSwitchover.Step.Wait) {
      return false;
    }
    if (step instanceof SiteSwitchover.Step.Refuse r) {
      events.warning(hag, r.reason(), r.message());
      finish(hag, members, published, ownMaster, r.message());
      return false;
    }
    if (step instanceof SiteSwitchover.Step.Done d) {
      events.normal(
          hag, "SwitchoverDone", d.member() + " is master (" + Annotations.SWITCHOVER_TO + ")");
      finish(hag, members, published, ownMaster, "done");
      return false;
    }
    if (step instanceof SiteSwitchover.Step.Publish p) {
      if (!published.equals(Optional.of(p.request()))) {
        events.normal(
            hag,
            "Switchover",
            "hands over to "
                + target
                + " once the "
                + p.ahead()
                + " candidate(s) queued ahead of it queued again, each by its own site's operator");
        write(hag, members, Optional.of(p.request()), p.request().masterLease());
      }
      return true;
    }
    SiteSwitchover.Step.HandOver h = (SiteSwitchover.Step.HandOver) step;
    if (!published.equals(Optional.of(h.request()))) {
      // Keeps every site's preference for its own standbys off while the master hands over.
      write(hag, members, Optional.of(h.request()), h.request().masterLease());
    }
    events.normal(
        hag,
        "Switchover",
        h.master()
            + " hands over mastership to "
            + target
            + " ("
            + Annotations.SWITCHOVER_TO
            + ")");
    releaser.handOver(hag, h.master(), members);
    return true;
  }

  /** The failback target, if one is due ({@link SiteFailback}); tracks how long the master led. */
  private Optional<String> failbackTarget(HighAvailabilityGroup hag, Membership members) {
    String group = HighAvailabilityGroupReconciler.key(hag);
    long now = clockMillis.getAsLong();
    String leaderKey = members.leader().map(Candidate::key).orElse("");
    LeaderSeen seen =
        leaders.compute(
            group,
            (g, before) ->
                before != null && before.key().equals(leaderKey)
                    ? before
                    : new LeaderSeen(leaderKey, now));
    Long last = failbacks.get(group);
    return SiteFailback.target(
        hag, members, now - seen.sinceMillis(), last == null ? Long.MAX_VALUE : now - last);
  }

  /** A failback is a cross-site switchover that no annotation asked for; it acts the same way. */
  private boolean failBack(
      HighAvailabilityGroup hag,
      Membership members,
      String target,
      Optional<SwitchoverRequest> published) {
    SiteSwitchover.Step step = SiteSwitchover.plan(members, target);
    if (step instanceof SiteSwitchover.Step.Publish p) {
      if (!published.equals(Optional.of(p.request()))) {
        events.normal(
            hag,
            "Failback",
            "the master fails back to "
                + target
                + " on the preferred site once the "
                + p.ahead()
                + " candidate(s) queued ahead of it queued again");
        write(hag, members, Optional.of(p.request()), p.request().masterLease());
      }
      return true;
    }
    if (step instanceof SiteSwitchover.Step.HandOver h) {
      if (!published.equals(Optional.of(h.request()))) {
        write(hag, members, Optional.of(h.request()), h.request().masterLease());
      }
      failbacks.put(HighAvailabilityGroupReconciler.key(hag), clockMillis.getAsLong());
      events.normal(
          hag, "Failback", h.master() + " hands over mastership to " + target + " (failback)");
      releaser.handOver(hag, h.master(), members);
      return true;
    }
    return false;
  }

  private void finish(
      HighAvailabilityGroup hag,
      Membership members,
      Optional<SwitchoverRequest> published,
      long ownMaster,
      String why) {
    writer.removeAnnotation(hag, Annotations.SWITCHOVER_TO);
    published
        .filter(r -> ownMaster != 0 && r.masterLease() == ownMaster)
        .ifPresent(r -> write(hag, members, Optional.empty(), r.masterLease()));
    log.atInfo()
        .addKeyValue("group", HighAvailabilityGroupReconciler.key(hag))
        .addKeyValue("outcome", why)
        .log("cross-site switchover request finished; annotation removed");
  }

  private void write(
      HighAvailabilityGroup hag,
      Membership members,
      Optional<SwitchoverRequest> request,
      long masterLease) {
    String group = HighAvailabilityGroupReconciler.key(hag);
    long now = clockMillis.getAsLong();
    Written last = written.get(group);
    if (last != null && last.request().equals(request) && now - last.atMillis() < RETRY_MS) {
      return; // written just now; the watch has not shown it yet
    }
    written.put(group, new Written(request, now));
    log.atInfo()
        .addKeyValue("group", group)
        .addKeyValue("request", request.map(SwitchoverRequest::encode).orElse("(withdrawn)"))
        .addKeyValue("masterLease", Long.toHexString(masterLease))
        .log(request.isPresent() ? "publishing the cross-site switchover" : "withdrawing it");
    elections
        .writeSwitchover(
            EtcdEndpoints.of(hag.getSpec(), defaults),
            members.view().election(),
            request,
            masterLease)
        .whenComplete(
            (ok, error) -> {
              if (error != null) {
                log.atWarn()
                    .addKeyValue("group", group)
                    .addKeyValue("retryInMs", RETRY_MS)
                    .addKeyValue("error", error.toString())
                    .log("could not write the cross-site switchover request; trying again");
              }
            });
  }

  /** Forgets a deleted group. */
  void forget(HighAvailabilityGroup hag) {
    written.remove(HighAvailabilityGroupReconciler.key(hag));
    leaders.remove(HighAvailabilityGroupReconciler.key(hag));
    failbacks.remove(HighAvailabilityGroupReconciler.key(hag));
  }
}
