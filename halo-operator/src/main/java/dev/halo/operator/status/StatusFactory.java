package dev.halo.operator.status;

import static java.util.stream.Collectors.joining;

import dev.halo.api.v1alpha1.FailoverRecord;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.HighAvailabilityGroupStatus;
import dev.halo.api.v1alpha1.MemberStatus;
import dev.halo.common.Labels;
import dev.halo.common.MemberIdentity;
import dev.halo.common.Names;
import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.ElectionView;
import dev.halo.operator.election.Fence;
import dev.halo.operator.model.MasterRoute;
import dev.halo.operator.model.Membership;
import dev.halo.operator.model.NeverMaster;
import dev.halo.operator.model.Pause;
import dev.halo.operator.model.PodState;
import dev.halo.operator.model.RoleAssignment;
import dev.halo.operator.model.ServiceFactory;
import dev.halo.operator.model.SiteFailover;
import dev.halo.operator.model.SiteTiming;
import dev.halo.operator.status.Conditions.Desired;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/** Builds a group's status from what was observed; pure, so it is tested without a server. */
public final class StatusFactory {
  public static final String PENDING = "Pending";
  public static final String ELECTING = "Electing";
  public static final String RUNNING = "Running";
  public static final String DEGRADED = "Degraded";
  public static final String INVALID = "Invalid";

  /** A valid group with {@code spec.paused} ({@link Pause}); Ready still tells the phase below. */
  public static final String PAUSED = "Paused";

  /** MasterElected's reason when the master is another site's member. */
  public static final String REMOTE_MASTER = "RemoteMaster";

  /** MasterElected's reason (True) when the master is one spec.election.neverMaster excludes. */
  public static final String EXCLUDED_MASTER = "ExcludedMaster";

  /** MasterElected's reason (False) when every member that could take over is excluded. */
  public static final String ONLY_EXCLUDED_MEMBERS = "OnlyExcludedMembers";

  /** LeaseTTLSafe's reason, and the Warning Event's, when the TTL is too short between sites. */
  public static final String TTL_TOO_SHORT = "TTLTooShort";

  /** How long a pod may wait in ContainerCreating before the Ready condition names it. */
  static final Duration CREATING_FOR_LONG = Duration.ofSeconds(60);

  private StatusFactory() {}

  /**
   * A write of the group's objects that the API server refused, as {@code ObjectsApplied} reports
   * it.
   *
   * @param reason what was refused: {@code RoleLabelRefused}, {@code ServiceRefused}...
   * @param message the server's message and what to do
   */
  public record RefusedWrite(String reason, String message) {}

  /**
   * What the reconciler observed and decided in this pass.
   *
   * @param createRefused the standing refusal of a pod create, if any ({@code PodsCreated})
   * @param refusedWrites the standing refusals of other writes ({@code ObjectsApplied})
   */
  public record Observed(
      List<Pod> pods,
      Membership membership,
      Optional<String> master,
      List<String> validationErrors,
      int failovers,
      FailoverRecord lastFailover,
      String now,
      Optional<String> createRefused,
      List<RefusedWrite> refusedWrites,
      Optional<String> etcdVersionWarning) {
    public Observed {
      refusedWrites = List.copyOf(refusedWrites);
    }

    /** Observed with nothing refused and no warning about etcd's version. */
    public Observed(
        List<Pod> pods,
        Membership membership,
        Optional<String> master,
        List<String> validationErrors,
        int failovers,
        FailoverRecord lastFailover,
        String now) {
      this(
          pods,
          membership,
          master,
          validationErrors,
          failovers,
          lastFailover,
          now,
          Optional.empty(),
          List.of(),
          Optional.empty());
    }

    /** This observation with the standing refusal of a pod create. */
    public Observed withCreateRefused(Optional<String> refusal) {
      return new Observed(
          pods,
          membership,
          master,
          validationErrors,
          failovers,
          lastFailover,
          now,
          refusal,
          refusedWrites,
          etcdVersionWarning);
    }

    /** This observation with the standing refusals of other writes. */
    public Observed withRefusedWrites(List<RefusedWrite> refused) {
      return new Observed(
          pods,
          membership,
          master,
          validationErrors,
          failovers,
          lastFailover,
          now,
          createRefused,
          refused,
          etcdVersionWarning);
    }

    /** This observation with a warning about etcd's server version. */
    public Observed withEtcdVersionWarning(Optional<String> warning) {
      return new Observed(
          pods,
          membership,
          master,
          validationErrors,
          failovers,
          lastFailover,
          now,
          createRefused,
          refusedWrites,
          warning);
    }

    ElectionView view() {
      return membership.view();
    }
  }

  public static HighAvailabilityGroupStatus build(HighAvailabilityGroup hag, Observed o) {
    HighAvailabilityGroupStatus previous =
        hag.getStatus() == null ? new HighAvailabilityGroupStatus() : hag.getStatus();
    String group = hag.getMetadata().getName();
    int replicas =
        hag.getSpec() == null || hag.getSpec().getReplicas() == null
            ? 0
            : hag.getSpec().getReplicas();
    List<Pod> pods = new ArrayList<>(o.pods());
    pods.sort(
        Comparator.comparingInt((Pod p) -> PodState.index(group, p)).thenComparing(PodState::name));
    long ready = pods.stream().filter(p -> PodState.ready(p) && !PodState.terminating(p)).count();
    boolean valid = o.validationErrors().isEmpty();

    HighAvailabilityGroupStatus s = new HighAvailabilityGroupStatus();
    s.setReplicas(current(pods));
    s.setSelector(selector(group));
    s.setReadyReplicas((int) ready);
    s.setReady(ready + "/" + replicas);
    java.util.Map<String, String> excluded = NeverMaster.excluded(hag);
    s.setMembers(pods.stream().map(p -> member(p, o.membership(), excluded)).toList());
    s.setMaster(o.master().orElse(null));
    s.setMasterZone(
        o.master()
            .flatMap(m -> pods.stream().filter(p -> PodState.name(p).equals(m)).findFirst())
            .map(PodState::zone)
            .orElse(null));
    Optional<Candidate> remote = remoteMaster(o);
    s.setRemoteMaster(remote.map(MasterRoute::remoteMaster).orElse(null));
    s.setFailovers(o.failovers());
    s.setLastFailover(o.lastFailover());
    s.setTerm(term(o, remote).orElse(null));
    s.setObservedGeneration(hag.getMetadata().getGeneration());
    // A master on another site is the group's master: this site is not degraded for that.
    boolean elected = o.master().isPresent() || remote.isPresent();
    String phase = phase(valid, o.view().reachable(), elected, ready, replicas, pods);
    s.setPhase(valid && Pause.paused(hag) ? PAUSED : phase);
    s.setConditions(
        Conditions.merge(
            previous.getConditions(),
            conditions(hag, o, valid, phase),
            hag.getMetadata().getGeneration() == null ? 0 : hag.getMetadata().getGeneration(),
            o.now()));
    return s;
  }

  /**
   * The master's fencing term (docs/fencing.md): the create revision of the leading key, when the
   * master this status names, here or on another site, is the pod that key belongs to.
   */
  private static Optional<Long> term(Observed o, Optional<Candidate> remote) {
    if (remote.isPresent()) {
      return Optional.of(remote.get().createRevision());
    }
    Optional<Candidate> leader = o.membership().leader();
    return o.master().isPresent()
            && leader.isPresent()
            && o.membership().leaderPod().equals(o.master())
        ? Optional.of(leader.get().createRevision())
        : Optional.empty();
  }

  /**
   * The scale subresource's current count, as a ReplicaSet counts its active pods: the group's pods
   * that are neither terminating nor finished (Failed or Succeeded), which the operator replaces.
   * The desired count stays in spec.replicas.
   */
  private static int current(List<Pod> pods) {
    return (int) pods.stream().filter(p -> !PodState.terminating(p) && !PodState.failed(p)).count();
  }

  private static MemberStatus member(
      Pod pod, Membership view, java.util.Map<String, String> excluded) {
    MemberStatus m = new MemberStatus();
    m.setPod(PodState.name(pod));
    m.setZone(PodState.zone(pod));
    m.setRole(PodState.role(pod));
    m.setReady(PodState.ready(pod));
    m.setCampaigning(view.isCampaigning(PodState.name(pod)));
    m.setQueue(queuePlace(PodState.name(pod), view).orElse(null));
    m.setExcluded(excluded.get(PodState.name(pod)));
    return m;
  }

  /** Where the pod's first key stands in the election queue, every key counted (1 leads). */
  static Optional<Integer> queuePlace(String pod, Membership view) {
    List<Candidate> keys = view.keysOf(pod);
    if (keys.isEmpty()) {
      return Optional.empty();
    }
    int place = view.view().candidates().indexOf(keys.get(0));
    return place < 0 ? Optional.empty() : Optional.of(place + 1);
  }

  private static String phase(
      boolean valid, boolean reachable, boolean master, long ready, int replicas, List<Pod> pods) {
    if (!valid) {
      return INVALID;
    }
    if (!master) {
      return pods.isEmpty() || ready == 0 ? PENDING : ELECTING;
    }
    return reachable && ready >= replicas ? RUNNING : DEGRADED;
  }

  private static List<Desired> conditions(
      HighAvailabilityGroup hag, Observed o, boolean valid, String phase) {
    List<Desired> d = new ArrayList<>();
    d.add(
        new Desired(
            Conditions.VALID,
            valid,
            valid ? "SpecValid" : "InvalidSpec",
            valid ? "spec is valid" : String.join("; ", o.validationErrors())));
    d.add(
        // An invalid spec is not watched: that says nothing about etcd, so no verdict.
        !valid
            ? Desired.unknown(
                Conditions.ETCD_REACHABLE, "NotWatched", "not watched while the spec is invalid")
            : etcdReachable(o));
    d.add(masterElected(hag, o));
    d.add(foreignCandidates(o));
    d.add(
        o.createRefused()
            .map(m -> new Desired(Conditions.PODS_CREATED, false, "CreateRefused", m))
            .orElseGet(
                () ->
                    new Desired(
                        Conditions.PODS_CREATED,
                        true,
                        "Created",
                        "no pod create is refused by the API server")));
    d.add(objectsApplied(o.refusedWrites()));
    if (valid) {
      SiteTiming.of(hag.getSpec()).map(StatusFactory::leaseTtlSafe).ifPresent(d::add);
      siteActive(hag, o.membership()).ifPresent(d::add);
    }
    if (Pause.paused(hag)) {
      d.add(new Desired(Pause.CONDITION, true, Pause.REASON, Pause.describe(hag, o.pods())));
    }
    d.add(
        new Desired(
            Conditions.READY,
            RUNNING.equals(phase),
            phase,
            RUNNING.equals(phase)
                ? "master elected and all replicas ready"
                : "phase is " + phase + stuckCreating(o)));
    return d;
  }

  /** In manual failover: whether this site's pods campaign ({@link SiteFailover}). */
  private static Optional<Desired> siteActive(HighAvailabilityGroup hag, Membership members) {
    Optional<SiteFailover.State> state = SiteFailover.of(hag, members);
    if (state.isEmpty() || state.get() == SiteFailover.State.AUTOMATIC) {
      return Optional.empty();
    }
    if (!members.view().reachable()) {
      return Optional.of(
          Desired.unknown(
              Conditions.SITE_ACTIVE,
              "EtcdUnreachable",
              "etcd cannot be read: the site's hold is left as it is"));
    }
    String message = SiteFailover.describe(state.get(), members, hag.getMetadata().getName());
    return Optional.of(
        switch (state.get()) {
          case HOLDS_MASTER -> new Desired(Conditions.SITE_ACTIVE, true, "HoldsMaster", message);
          case ACTIVATED -> new Desired(Conditions.SITE_ACTIVE, true, "Activated", message);
          default -> new Desired(Conditions.SITE_ACTIVE, false, "HeldOut", message);
        });
  }

  /** Whether a multi-site group's TTL survives an etcd leader election ({@link SiteTiming}). */
  private static Desired leaseTtlSafe(SiteTiming timing) {
    return timing
        .warning()
        .map(w -> new Desired(Conditions.LEASE_TTL_SAFE, false, TTL_TOO_SHORT, w))
        .orElseGet(
            () ->
                new Desired(
                    Conditions.LEASE_TTL_SAFE,
                    true,
                    "TTLSafe",
                    "TTL − the agent's deadline margin ("
                        + timing.untilDeadline().toMillis()
                        + " ms) exceeds 2 × etcd's election timeout + 2 × RTT ("
                        + timing.etcdElection().toMillis()
                        + " ms)"));
  }

  /** False while a write is refused: the first one's reason, every one's message. */
  private static Desired objectsApplied(List<RefusedWrite> refused) {
    if (refused.isEmpty()) {
      return new Desired(
          Conditions.OBJECTS_APPLIED,
          true,
          "Applied",
          "the API server accepts the group's role labels, Services, disruption budget and pod"
              + " deletes");
    }
    return new Desired(
        Conditions.OBJECTS_APPLIED,
        false,
        refused.get(0).reason(),
        String.join("; ", refused.stream().map(RefusedWrite::message).toList()));
  }

  /**
   * Pods whose agent has waited in ContainerCreating for long, which is how a Secret volume the
   * kubelet cannot mount shows (the operator never reads the Secrets); empty when there are none.
   */
  private static String stuckCreating(Observed o) {
    Instant since;
    try {
      since = Instant.parse(o.now()).minus(CREATING_FOR_LONG);
    } catch (DateTimeParseException e) {
      return "";
    }
    List<String> stuck =
        o.pods().stream()
            .filter(p -> PodState.agentStuckCreating(p, since))
            .map(PodState::name)
            .sorted()
            .toList();
    if (stuck.isEmpty()) {
      return "";
    }
    return "; "
        + String.join(", ", stuck)
        + " still ContainerCreating after "
        + CREATING_FOR_LONG.toSeconds()
        + " s: the kubelet cannot start them, often a volume it cannot mount, e.g. an etcd"
        + " Secret (spec.election.tls, credentialsSecretName or the operator's defaults) that is"
        + " missing or lacks a key; see the FailedMount events: kubectl describe pod "
        + stuck.get(0);
  }

  /**
   * Reachable etcd whose members run a version with known lease or auth bugs stays True, with
   * reason {@code OutdatedVersion} and what to upgrade to.
   */
  private static Desired etcdReachable(Observed o) {
    if (!o.view().reachable()) {
      return new Desired(
          Conditions.ETCD_REACHABLE,
          false,
          o.view().failureReason(),
          "labels are left as they are: " + o.view().error());
    }
    return o.etcdVersionWarning()
        .map(
            w ->
                new Desired(
                    Conditions.ETCD_REACHABLE,
                    true,
                    "OutdatedVersion",
                    "election is being watched, but " + w))
        .orElseGet(
            () ->
                new Desired(
                    Conditions.ETCD_REACHABLE, true, "Reachable", "election is being watched"));
  }

  private static Desired masterElected(HighAvailabilityGroup hag, Observed o) {
    if (o.master().isPresent()) {
      return excludedMaster(hag, o)
          .orElseGet(
              () ->
                  new Desired(
                      Conditions.MASTER_ELECTED, true, "Elected", o.master().get() + " is master"));
    }
    return remoteMaster(o)
        .map(
            c ->
                new Desired(
                    Conditions.MASTER_ELECTED,
                    true,
                    REMOTE_MASTER,
                    describeRemote(c)
                        + " is master; every pod of this site stands by"
                        + route(hag, c)))
        .orElseGet(
            () ->
                new Desired(
                    Conditions.MASTER_ELECTED,
                    false,
                    noMasterReason(hag, o),
                    noMasterMessage(hag, o)));
  }

  /** The election's leader when it is another site's member that no fence holds back. */
  private static Optional<Candidate> remoteMaster(Observed o) {
    return MasterRoute.remoteLeader(o.membership(), o.master());
  }

  /** What this site's master Service does while {@code c}, on another site, is master. */
  private static String route(HighAvailabilityGroup hag, Candidate c) {
    String service = ServiceFactory.masterName(hag);
    boolean address = c.identity().filter(id -> !id.address().isBlank()).isPresent();
    if (!MasterRoute.endpointSliceMode(hag.getSpec())) {
      return ", so this site's master Service has no endpoints";
    }
    return address
        ? "; this site's master Service "
            + service
            + " sends to it through the EndpointSlice "
            + Names.remoteMasterSlice(service)
        : ", and it published no address, so this site's master Service has no endpoints";
  }

  private static String describeRemote(Candidate c) {
    MemberIdentity id = c.identity().orElseThrow();
    return id.pod()
        + " on site "
        + id.site()
        + (id.address().isEmpty() ? "" : " (" + id.address() + ")");
  }

  /** A master that spec.election.neverMaster excludes: reason {@code ExcludedMaster}. */
  private static Optional<Desired> excludedMaster(HighAvailabilityGroup hag, Observed o) {
    NeverMaster.MasterStep step =
        NeverMaster.master(NeverMaster.excluded(hag), o.pods(), o.membership(), o.master());
    if (step instanceof NeverMaster.MasterStep.Stays stays) {
      return Optional.of(
          new Desired(
              Conditions.MASTER_ELECTED, true, EXCLUDED_MASTER, NeverMaster.describeStays(stays)));
    }
    if (step instanceof NeverMaster.MasterStep.HandOver h) {
      return Optional.of(
          new Desired(
              Conditions.MASTER_ELECTED,
              true,
              EXCLUDED_MASTER,
              h.master()
                  + " is master although "
                  + h.why()
                  + " excludes it; it hands over to "
                  + h.to()
                  + (Pause.paused(hag) ? " once the group is resumed" : "")));
    }
    return Optional.empty();
  }

  private static String noMasterReason(HighAvailabilityGroup hag, Observed o) {
    if (o.membership().foreignLeader().isPresent()) {
      return "ForeignLeader";
    }
    if (RoleAssignment.fenced(o.membership()).isPresent()) {
      return "Fenced";
    }
    return onlyExcluded(hag, o) ? ONLY_EXCLUDED_MEMBERS : "NoMaster";
  }

  private static boolean onlyExcluded(HighAvailabilityGroup hag, Observed o) {
    return remoteMaster(o).isEmpty()
        && NeverMaster.onlyExcludedLeft(NeverMaster.excluded(hag), o.pods(), o.membership());
  }

  private static String noMasterMessage(HighAvailabilityGroup hag, Observed o) {
    if (noMasterReason(hag, o).equals(ONLY_EXCLUDED_MEMBERS)) {
      return NeverMaster.describeOnlyExcluded(NeverMaster.excluded(hag), o.pods());
    }
    Optional<Fence> fence = RoleAssignment.fenced(o.membership());
    if (o.membership().foreignLeader().isEmpty() && fence.isPresent()) {
      return o.membership().leader().map(Candidate::member).orElse("the leader")
          + " leads the election but waits for the fence of "
          + fence.get().describe()
          + ": that pod's agent may still run and act as master until its deadline; the fence"
          + " expires "
          + fence
              .get()
              .value()
              .map(v -> v.ttlSeconds() + 1 + " s after its lease was revoked")
              .orElse("only when deleted (etcdctl del " + fence.get().key() + ")");
    }
    return o.membership()
        .foreignLeader()
        .map(
            c ->
                "etcd's leader is "
                    + describe(c)
                    + ", which no pod of this group holds: no pod is master until it goes. Stop"
                    + " whatever campaigns with it (e.g. an etcdctl elect left running), or revoke"
                    + " its lease: etcdctl lease revoke "
                    + c.leaseHex())
        .orElse("no live pod leads the election");
  }

  /** Foreign keys in the election: reported, never touched by the operator. */
  private static Desired foreignCandidates(Observed o) {
    List<Candidate> foreign = o.membership().foreign();
    if (foreign.isEmpty()) {
      return new Desired(
          Conditions.FOREIGN_CANDIDATES,
          false,
          "None",
          o.membership().site().isPresent()
              ? "every candidate key belongs to a pod of this group or to a member on another"
                  + " site"
              : "every candidate key belongs to a pod of this group");
    }
    String listed =
        String.join(", ", foreign.stream().limit(3).map(StatusFactory::describe).toList())
            + (foreign.size() > 3 ? " and " + (foreign.size() - 3) + " more" : "");
    return new Desired(
        Conditions.FOREIGN_CANDIDATES,
        true,
        "ForeignKeysFound",
        foreign.size()
            + " candidate key(s) in the election belong to no pod of this group and are left"
            + " alone: "
            + listed
            + ". If nothing of yours campaigns with them, revoke their leases (etcdctl lease"
            + " revoke <lease>)");
  }

  /** A key as a person can find it with etcdctl. */
  public static String describe(Candidate c) {
    return "key "
        + c.key()
        + " (value \""
        + c.member()
        + "\", lease "
        + c.leaseHex()
        + c.identity()
            .map(i -> ", published by pod " + i.pod() + " of the group with UID " + i.groupUid())
            .orElse(", no member identity")
        + ")";
  }

  /** The group's pod selector as the scale subresource reports it: {@code halo.dev/group=web}. */
  static String selector(String group) {
    return new TreeMap<>(Labels.groupSelector(group))
        .entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(joining(","));
  }
}
