package dev.halo.operator;

import dev.halo.api.v1alpha1.FailoverRecord;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.MemberIdentity;
import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.ElectionView;
import dev.halo.operator.election.KeyDeparture;
import dev.halo.operator.election.LeaderChange;
import dev.halo.operator.model.FailoverCause;
import dev.halo.operator.model.MasterRoute;
import dev.halo.operator.model.Membership;
import dev.halo.operator.model.PodState;
import dev.halo.operator.model.RoleAssignment;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Labels a group's pods with the roles the election gives them (every demotion before the
 * promotion) and announces a new master: the MasterElected event and, when it replaced another, the
 * Failover event, metric and record. A group spread over sites records the failovers that concern
 * this site: the master arriving here from another site, or leaving here for another site.
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
  private final LeaseActions actions;
  private final PodSigns podSigns;
  private final OperatorMetrics metrics;

  /**
   * Per group, the pod this operator last left labelled master. The plan reads labels from the
   * informer's cache; should the pod watch stall, the cache would not show the label this operator
   * itself wrote, and the plan would promote another pod without demoting it. Demoting the
   * remembered pod first keeps one labelled master whatever the cache shows.
   */
  private final Map<String, String> lastMaster = new ConcurrentHashMap<>();

  RoleLabeller(
      ObjectWriter writer,
      EventRecorder events,
      FailoverTracker failovers,
      LeaseActions actions,
      PodSigns podSigns,
      OperatorMetrics metrics) {
    this.writer = writer;
    this.events = events;
    this.failovers = failovers;
    this.actions = actions;
    this.podSigns = podSigns;
    this.metrics = metrics;
  }

  /**
   * Labels the roles that {@code members} calls for; {@code pods} is left as it is. While the API
   * server refuses a label patch, the master returned is the pod still labelled master (if any),
   * and the elected one is not announced yet.
   */
  Labelled assign(HighAvailabilityGroup hag, List<Pod> pods, Membership members) {
    RoleAssignment plan = RoleAssignment.plan(pods, members);
    String recorded = FailoverTracker.recordedMaster(hag.getStatus());
    String group = key(hag);
    Optional<String> unseen = plan.unseenMaster(Optional.ofNullable(lastMaster.get(group)));
    if (unseen.isPresent()) {
      String remembered = unseen.get();
      List<Pod> current = new ArrayList<>(pods);
      if (!writer.demoteRemembered(hag, remembered, current)) {
        return new Labelled(current, Optional.of(remembered), plan.master());
      }
      lastMaster.remove(group, remembered);
      pods = current;
    }
    ObjectWriter.Labelling applied = writer.applyRoles(hag, pods, plan);
    if (!applied.complete()) {
      // The labels fell short of the plan: the master is still whom they route to, and the
      // elected one is announced once its label is applied.
      Optional<String> still = labelledMaster(applied.pods());
      if (still.isPresent()) {
        lastMaster.put(group, still.get());
      } else {
        lastMaster.remove(group);
      }
      return new Labelled(applied.pods(), labelledMaster(applied.pods()), plan.master());
    }
    if (plan.master().isPresent()) {
      lastMaster.put(group, plan.master().get());
    } else {
      lastMaster.remove(group);
    }
    Optional<Candidate> remoteLeader = MasterRoute.remoteLeader(members, plan.master());
    if (plan.master().isPresent()) {
      announce(hag, recorded, plan.master().get(), pods, members);
    } else if (remoteLeader.isPresent()) {
      announceRemote(hag, recorded, remoteLeader.get(), pods, members);
    }
    return new Labelled(applied.pods(), plan.master());
  }

  /** Forgets a deleted group. */
  void forget(HighAvailabilityGroup hag) {
    lastMaster.remove(key(hag));
  }

  /** The pod labelled master, if any (labels as they are, no election consulted). */
  static Optional<String> labelledMaster(List<Pod> pods) {
    return pods.stream().filter(PodState::labelledMaster).map(PodState::name).findFirst();
  }

  /** A pod of this site is labelled master: from this site's pod, or from another site's. */
  private void announce(
      HighAvailabilityGroup hag, String recorded, String master, List<Pod> pods, Membership m) {
    String group = key(hag);
    if (!failovers.isNew(group, recorded, master)) {
      return;
    }
    events.normal(hag, "MasterElected", master + " is master");
    log.atInfo().addKeyValue("group", group).addKeyValue("master", master).log("master labelled");
    Optional<String> from = failovers.labelled(group, recorded, master);
    if (from.isEmpty()) {
      return;
    }
    Optional<Candidate> leader = m.leader().filter(l -> m.leaderPod().equals(Optional.of(master)));
    FailoverCause.Verdict verdict =
        FailoverTracker.remote(from.get())
            ? remoteVerdict(from.get(), leader, m.view())
            : localVerdict(hag, from.get(), leader, pods, m);
    Integer count = hag.getStatus() == null ? null : hag.getStatus().getFailovers();
    reportFailover(
        hag, failovers.failedOver(group, count, from.get(), master, verdict, Instant.now()));
  }

  /**
   * A member of another site leads, and no pod of this site is labelled master: when this site's
   * pod was master before, the master left this site, a failover this site records. A master moving
   * between other sites is theirs to record: this site only remembers where it is.
   */
  private void announceRemote(
      HighAvailabilityGroup hag, String recorded, Candidate leader, List<Pod> pods, Membership m) {
    MemberIdentity id = leader.identity().orElseThrow();
    String master = FailoverTracker.onSite(id.site(), id.pod());
    String group = key(hag);
    if (!failovers.isNew(group, recorded, master)) {
      return;
    }
    log.atInfo()
        .addKeyValue("group", group)
        .addKeyValue("master", id.pod())
        .addKeyValue("site", id.site())
        .log("master is on another site");
    Optional<String> from = failovers.labelled(group, recorded, master);
    if (from.isEmpty() || !FailoverTracker.concernsThisSite(from.get(), master)) {
      return;
    }
    FailoverCause.Verdict verdict = localVerdict(hag, from.get(), Optional.of(leader), pods, m);
    Integer count = hag.getStatus() == null ? null : hag.getStatus().getFailovers();
    reportFailover(
        hag, failovers.failedOver(group, count, from.get(), master, verdict, Instant.now()));
  }

  /** Why this site's pod {@code from} stopped being master, from all this operator saw. */
  private FailoverCause.Verdict localVerdict(
      HighAvailabilityGroup hag,
      String from,
      Optional<Candidate> leader,
      List<Pod> pods,
      Membership m) {
    FailoverCause.Evidence evidence = evidence(hag, from, leader, pods, m);
    FailoverCause.Verdict verdict = FailoverCause.of(evidence);
    if (verdict.reason().equals(FailoverCause.RESIGNED)) {
      // An agent resigns on SIGTERM, which a pod's deletion sends: its key can leave the election
      // before the pod watch shows the deletion. The API server's answer decides.
      Optional<Optional<Pod>> read = writer.readPod(hag, from);
      if (read.isPresent()) {
        verdict =
            FailoverCause.of(
                new FailoverCause.Evidence(
                    evidence.departure(),
                    read.get(),
                    evidence.action(),
                    evidence.podSignSeenAtMillis(),
                    evidence.electedAtMillis()));
      }
    }
    return verdict;
  }

  /**
   * Why {@code from}, {@code <site>/<pod>} of another site, stopped being master: only its key's
   * departure tells, since its pod and its operator's actions are that site's.
   */
  private static FailoverCause.Verdict remoteVerdict(
      String from, Optional<Candidate> leader, ElectionView view) {
    int slash = from.indexOf('/');
    Optional<KeyDeparture> departure =
        view.lastRemoteLeaderDeparture(from.substring(0, slash), from.substring(slash + 1));
    return FailoverCause.ofRemote(departure, view.fenceGoneAtMillis(), electedAt(view, leader));
  }

  /** What the watches and the operator's own actions tell about {@code from}'s going. */
  private FailoverCause.Evidence evidence(
      HighAvailabilityGroup hag,
      String from,
      Optional<Candidate> leader,
      List<Pod> pods,
      Membership m) {
    Optional<KeyDeparture> departure = m.view().lastLeaderDeparture(from, m.site().orElse(""));
    return new FailoverCause.Evidence(
        departure,
        pods.stream().filter(p -> PodState.name(p).equals(from)).findFirst(),
        departure.flatMap(d -> actions.of(d.leaseId())),
        podSigns.of(hag.getMetadata().getNamespace(), from),
        electedAt(m.view(), leader));
  }

  /**
   * When {@code leader}'s key became leader as the watch saw it, or when the fence it waited for
   * went, whichever came later; empty when the watch did not see it arrive.
   */
  private static OptionalLong electedAt(ElectionView view, Optional<Candidate> leader) {
    OptionalLong elected =
        leader
            .filter(c -> view.leader().filter(l -> l.key().equals(c.key())).isPresent())
            .flatMap(c -> view.leaderSince().filter(l -> l.key().equals(c.key())))
            .map(LeaderChange::seenAtMillis)
            .orElse(OptionalLong.empty());
    // A leader that waited for a fence could be master only once the fence went.
    if (elected.isPresent()
        && view.fenceGoneAtMillis().isPresent()
        && view.fenceGoneAtMillis().getAsLong() > elected.getAsLong()) {
      elected = view.fenceGoneAtMillis();
    }
    return elected;
  }

  private void reportFailover(HighAvailabilityGroup hag, FailoverRecord f) {
    metrics.failover(key(hag), f.getReason(), f.getDurationMillis());
    events.normal(hag, "Failover", failoverMessage(f));
    log.atInfo()
        .addKeyValue("group", key(hag))
        .addKeyValue("from", f.getFrom())
        .addKeyValue("to", f.getTo())
        .addKeyValue("reason", f.getReason())
        .addKeyValue("durationMs", f.getDurationMillis())
        .log("failover");
  }

  /** The Failover event's message, e.g. {@code web-0 -> web-1 (podDeleted) in 86 ms}. */
  static String failoverMessage(FailoverRecord f) {
    String head = f.getFrom() + " -> " + f.getTo() + " (" + f.getReason() + ")";
    if (f.getDurationMillis() == null) {
      return head + "; how long it took is not known (the operator did not see both ends)";
    }
    String tail =
        FailoverCause.LEASE_EXPIRED.equals(f.getReason())
            ? " after the lease expired; its holder had stopped renewing it up to the lease TTL"
                + " earlier"
            : "";
    return head + " in " + f.getDurationMillis() + " ms" + tail;
  }

  private static String key(HighAvailabilityGroup hag) {
    return HighAvailabilityGroupReconciler.key(hag);
  }
}
