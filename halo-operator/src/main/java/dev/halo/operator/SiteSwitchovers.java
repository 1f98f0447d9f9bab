package dev.halo.operator;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.Annotations;
import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.ElectionService;
import dev.halo.operator.election.SwitchoverRequest;
import dev.halo.operator.model.AgentEnvVars;
import dev.halo.operator.model.EtcdEndpoints;
import dev.halo.operator.model.Membership;
import dev.halo.operator.model.NeverMaster;
import dev.halo.operator.model.OperatorDefaults;
import dev.halo.operator.model.SiteFailback;
import dev.halo.operator.model.SiteSwitchover;
import dev.halo.operator.model.ZonePreference;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Switchovers to a chosen member asked for with {@value Annotations#SWITCHOVER_TO} (on a group of
 * one cluster, or on the group of the master's site; {@link SiteSwitchover}): publishes the request
 * in etcd, attached to the master's lease, so that every site's operator (on one cluster: this one)
 * re-queues its standbys queued ahead of the target ({@link StandbyRequeues}); once the target is
 * next in line, asks the master to hand over. The annotation is removed when the target leads, or
 * with a Warning when the request cannot be done, also when the target is not master within {@link
 * #deadlineMillis}; a request whose annotation was removed meanwhile is withdrawn. Without an
 * annotation, a failback to the preferred site ({@link SiteFailback}) takes the same path.
 */
final class SiteSwitchovers {
  private static final Logger log = LoggerFactory.getLogger(SiteSwitchovers.class);

  /** A failed write of the request is tried again after this. */
  static final long RETRY_MS = 2_000;

  private final ElectionService elections;
  private final OperatorDefaults defaults;
  private final EventRecorder events;
  private final ObjectWriter writer;
  private final LeaseReleaser releaser;
  private final StandbyRequeues requeues;
  private final LongSupplier clockMillis;

  /** Group → when its request was last written (its value as written). */
  private final Map<String, Written> written = new ConcurrentHashMap<>();

  private record Written(Optional<SwitchoverRequest> request, long atMillis) {}

  private final Failbacks failbacks;
  private final SwitchoverHandOvers handOvers;

  /** Group → the request this operator follows (as annotated) and when it first saw it. */
  private final Map<String, Started> started = new ConcurrentHashMap<>();

  private record Started(String target, long atMillis) {}

  /** Slack on top of twice the lease TTL before a switchover that has not happened is refused. */
  static final long DEADLINE_SLACK_MS = 2_000;

  SiteSwitchovers(
      ElectionService elections,
      OperatorDefaults defaults,
      EventRecorder events,
      ObjectWriter writer,
      LeaseReleaser releaser,
      StandbyRequeues requeues,
      LongSupplier clockMillis) {
    this.elections = elections;
    this.defaults = defaults;
    this.events = events;
    this.writer = writer;
    this.releaser = releaser;
    this.requeues = requeues;
    this.clockMillis = clockMillis;
    this.failbacks = new Failbacks(clockMillis);
    this.handOvers = new SwitchoverHandOvers(elections, defaults, releaser);
  }

  /**
   * An election changed (on the etcd watch's thread): a master whose switchover's target is now
   * next in line is asked to hand over at once ({@link SwitchoverHandOvers}).
   */
  void electionChanged(String election) {
    handOvers.electionChanged(election);
  }

  /** A reconcile of {@code hag} starts: it decides again whether a hand-over waits. */
  void disarm(HighAvailabilityGroup hag) {
    handOvers.disarm(hag);
  }

  /** Acts on the group's request, if any; returns whether one is under way (look again soon). */
  boolean act(HighAvailabilityGroup hag, List<Pod> pods, Membership members) {
    String asked = writer.annotation(hag, Annotations.SWITCHOVER_TO).orElse(null);
    Optional<SwitchoverRequest> published = members.view().switchover();
    long ownMaster =
        members.leaderPod().flatMap(p -> members.leader()).map(Candidate::leaseId).orElse(0L);
    handOvers
        .handedOver(hag)
        .ifPresent(h -> announce(hag, pods, members, h.master(), h.target(), h.failback()));
    Optional<String> failback =
        asked == null ? failbacks.target(hag, pods, members) : Optional.empty();
    if (failback.isPresent()) {
      return failBack(hag, pods, members, failback.get(), published);
    }
    if (asked == null) {
      started.remove(HighAvailabilityGroupReconciler.key(hag));
      // Withdrawn: the request this site's master published goes too; not while a failback hands
      // over, as the site preference would move its target back (the request goes with the
      // master's lease anyway).
      boolean handingOver = failbacks.handingOver(hag);
      published
          .filter(r -> !handingOver && ownMaster != 0 && r.masterLease() == ownMaster)
          .ifPresent(r -> write(hag, members, Optional.empty(), r.masterLease()));
      return false;
    }
    return follow(hag, pods, members, asked.strip(), published, ownMaster);
  }

  /** Takes the next step of the switchover to {@code target} asked for by the annotation. */
  private boolean follow(
      HighAvailabilityGroup hag,
      List<Pod> pods,
      Membership members,
      String target,
      Optional<SwitchoverRequest> published,
      long ownMaster) {
    String group = HighAvailabilityGroupReconciler.key(hag);
    long now = clockMillis.getAsLong();
    Started ours = started.get(group);
    boolean following = ours != null && ours.target().equals(target);
    Optional<String> busy =
        following ? Optional.empty() : busy(hag, members, target, published, ownMaster);
    SiteSwitchover.Step step =
        SiteSwitchover.plan(members, target, pods, busy, NeverMaster.excluded(hag));
    if (step instanceof SiteSwitchover.Step.Done d) {
      events.normal(
          hag,
          "SwitchoverDone",
          d.member()
              + (following ? " is master (" : " is master already; nothing to do (")
              + Annotations.SWITCHOVER_TO
              + ")");
      finish(hag, members, published, ownMaster, "done");
      return false;
    }
    if (!following) {
      started.put(group, new Started(target, now));
    }
    long deadline = deadlineMillis(hag);
    if (step instanceof SiteSwitchover.Step.Refuse r) {
      events.warning(hag, r.reason(), r.message());
      finish(hag, members, published, ownMaster, r.message());
      return false;
    }
    if (following && now - ours.atMillis() > deadline) {
      String message =
          target
              + " is not master "
              + deadline
              + " ms after the request ("
              + unfinished(step)
              + "); the request is dropped, the master stays "
              + members.leaderPod().orElse("as it is")
              + "; check the agents of the pods named, then annotate again";
      events.warning(hag, SiteSwitchover.REFUSED, message);
      finish(hag, members, published, ownMaster, message);
      return false;
    }
    if (step instanceof SiteSwitchover.Step.Wait) {
      return true;
    }
    if (step instanceof SiteSwitchover.Step.Publish p) {
      handOvers.arm(
          new SwitchoverHandOvers.Armed(
              hag, members.leaderPod().orElseThrow(), target, p.request(), false));
      if (!published.equals(Optional.of(p.request()))) {
        publish(hag, pods, members, p.request());
        events.normal(
            hag,
            "Switchover",
            "hands over to "
                + target
                + " once the "
                + p.ahead()
                + " candidate(s) queued ahead of it queued again"
                + (members.site().isPresent() ? ", each by its own site's operator" : ""));
      }
      return true;
    }
    SiteSwitchover.Step.HandOver h = (SiteSwitchover.Step.HandOver) step;
    if (!published.equals(Optional.of(h.request()))) {
      // Keeps every site's preference for its own standbys off while the master hands over.
      write(hag, members, Optional.of(h.request()), h.request().masterLease());
    }
    releaser.handOver(hag, h.master(), members);
    announce(hag, pods, members, h.master(), target, false);
    return true;
  }

  /**
   * Puts the request, then at once asks the standbys queued ahead of its target to queue again (the
   * reconciler's later round finds them asked); the events, API calls, come after both.
   */
  private void publish(
      HighAvailabilityGroup hag, List<Pod> pods, Membership members, SwitchoverRequest request) {
    write(hag, members, Optional.of(request), request.masterLease());
    requeues.act(hag, pods, members, Optional.of(request));
  }

  /**
   * The events of a hand-over to {@code target}, asked by a reconcile or from the election watch
   * (recorded once: the same message again within minutes is not recorded twice); a failback's also
   * starts its window.
   */
  private void announce(
      HighAvailabilityGroup hag,
      List<Pod> pods,
      Membership members,
      String master,
      String target,
      boolean failback) {
    if (!failback) {
      events.normal(
          hag,
          "Switchover",
          master + " hands over mastership to " + target + " (" + Annotations.SWITCHOVER_TO + ")");
      return;
    }
    failbacks.handedOver(hag);
    events.normal(
        hag,
        "Failback",
        master
            + zone(members, pods, master)
            + " hands over mastership to "
            + target
            + zone(members, pods, target)
            + " (failback)");
  }

  /**
   * How long a switchover may take before it is refused: twice the lease TTL (a standby that does
   * not re-queue within it, or a master that does not step down, has had time to be asked again)
   * plus a slack.
   */
  static long deadlineMillis(HighAvailabilityGroup hag) {
    return 2 * TimeUnit.SECONDS.toMillis(AgentEnvVars.leaseTtl(hag.getSpec())) + DEADLINE_SLACK_MS;
  }

  private static String unfinished(SiteSwitchover.Step step) {
    if (step instanceof SiteSwitchover.Step.Publish p) {
      return p.ahead() + " candidate(s) still queued ahead of it did not queue again";
    }
    if (step instanceof SiteSwitchover.Step.HandOver h) {
      return h.master() + " was asked to hand over and still leads";
    }
    return "no master to hand over from";
  }

  /**
   * Another switchover under way when this one is first seen, described: a request published for
   * another member (a failback, an earlier annotation), {@value Annotations#SWITCHOVER} on the
   * group, or a hand-over of the master already asked (a rolling update, a scale-down).
   */
  private Optional<String> busy(
      HighAvailabilityGroup hag,
      Membership members,
      String target,
      Optional<SwitchoverRequest> published,
      long ownMaster) {
    String member =
        target.contains("/") ? target : members.site().map(s -> s + "/").orElse("") + target;
    if (published.isPresent()) {
      return published.get().member().equals(member)
          ? Optional.empty() // this very request, published before a restart of the operator
          : Optional.of("a switchover to " + published.get().member());
    }
    Map<String, String> annotations = hag.getMetadata().getAnnotations();
    if (annotations != null && annotations.get(Annotations.SWITCHOVER) != null) {
      return Optional.of(
          Annotations.SWITCHOVER + "=" + annotations.get(Annotations.SWITCHOVER) + " is asked too");
    }
    if (ownMaster != 0 && releaser.askedToStepDown(ownMaster)) {
      return Optional.of(
          "the master "
              + members.leaderPod().orElse("")
              + " is already handing over, for a rolling update, a scale-down or "
              + Annotations.SWITCHOVER);
    }
    return Optional.empty();
  }

  /** A failback is a switchover that no annotation asked for; it acts the same way. */
  private boolean failBack(
      HighAvailabilityGroup hag,
      List<Pod> pods,
      Membership members,
      String target,
      Optional<SwitchoverRequest> published) {
    SiteSwitchover.Step step =
        SiteSwitchover.plan(members, target, pods, Optional.empty(), NeverMaster.excluded(hag));
    if (step instanceof SiteSwitchover.Step.Publish p) {
      handOvers.arm(
          new SwitchoverHandOvers.Armed(
              hag, members.leaderPod().orElseThrow(), target, p.request(), true));
      if (!published.equals(Optional.of(p.request()))) {
        publish(hag, pods, members, p.request());
        events.normal(
            hag,
            "Failback",
            "the master "
                + members.leaderPod().map(m -> m + zone(members, pods, m) + " ").orElse("")
                + "fails back to "
                + target
                + zone(members, pods, target)
                + " once the "
                + p.ahead()
                + " candidate(s) queued ahead of it queued again");
      }
      return true;
    }
    if (step instanceof SiteSwitchover.Step.HandOver h) {
      if (!published.equals(Optional.of(h.request()))) {
        write(hag, members, Optional.of(h.request()), h.request().masterLease());
      }
      releaser.handOver(hag, h.master(), members);
      announce(hag, pods, members, h.master(), target, true);
      return true;
    }
    return false;
  }

  /** Where a failback's end is, for its events: the preferred site, or a pod's zone. */
  private static String zone(Membership members, List<Pod> pods, String member) {
    if (members.site().isPresent()) {
      return member.contains("/") ? " on the preferred site" : "";
    }
    String zone = ZonePreference.zoneOf(pods, member);
    return zone.isEmpty() ? "" : " (zone " + zone + ")";
  }

  private void finish(
      HighAvailabilityGroup hag,
      Membership members,
      Optional<SwitchoverRequest> published,
      long ownMaster,
      String why) {
    writer.removeAnnotation(hag, Annotations.SWITCHOVER_TO);
    started.remove(HighAvailabilityGroupReconciler.key(hag));
    published
        .filter(r -> ownMaster != 0 && r.masterLease() == ownMaster)
        .ifPresent(r -> write(hag, members, Optional.empty(), r.masterLease()));
    log.atInfo()
        .addKeyValue("group", HighAvailabilityGroupReconciler.key(hag))
        .addKeyValue("outcome", why)
        .log("switchover-to request finished; annotation removed");
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
        .log(request.isPresent() ? "publishing the switchover request" : "withdrawing it");
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
                    .log("could not write the switchover request; trying again");
              }
            });
  }

  /**
   * The request this operator has just published for {@code hag} (within {@link #RETRY_MS}), which
   * its election watch may not show yet: so that its standbys re-queue in the same reconcile rather
   * than after the watch brings the request back.
   */
  Optional<SwitchoverRequest> justPublished(HighAvailabilityGroup hag) {
    Written last = written.get(HighAvailabilityGroupReconciler.key(hag));
    return last == null || clockMillis.getAsLong() - last.atMillis() >= RETRY_MS
        ? Optional.empty()
        : last.request();
  }

  /**
   * How long until a pending failback is due, when one waits for its window ({@link Failbacks}).
   */
  Optional<Duration> failbackDueIn(HighAvailabilityGroup hag) {
    return failbacks.dueIn(hag);
  }

  /** Forgets a deleted group. */
  void forget(HighAvailabilityGroup hag) {
    written.remove(HighAvailabilityGroupReconciler.key(hag));
    failbacks.forget(hag);
    handOvers.forget(hag);
    started.remove(HighAvailabilityGroupReconciler.key(hag));
  }
}
