package dev.halo.operator;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.HighAvailabilityGroupStatus;
import dev.halo.common.Labels;
import dev.halo.operator.WriteRefusals.Write;
import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.ElectionEventSource;
import dev.halo.operator.election.ElectionService;
import dev.halo.operator.election.ElectionView;
import dev.halo.operator.model.DrainCutShort;
import dev.halo.operator.model.EtcdEndpoints;
import dev.halo.operator.model.GroupElection;
import dev.halo.operator.model.MasterRoute;
import dev.halo.operator.model.Membership;
import dev.halo.operator.model.OperatorDefaults;
import dev.halo.operator.model.PodFactory;
import dev.halo.operator.model.PodState;
import dev.halo.operator.model.RolloutPlanner;
import dev.halo.operator.model.SiteFailover;
import dev.halo.operator.model.SiteTiming;
import dev.halo.operator.status.Conditions;
import dev.halo.operator.status.StatusFactory;
import dev.halo.operator.validation.HighAvailabilityGroupValidator;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles a HighAvailabilityGroup: observe (pods, Services, the etcd election) → validate →
 * reconcile (release leases of gone pods, demote then promote role labels, a requested switchover,
 * one rollout step) → record status, patched only when it changed. Desired objects come from the
 * pure factories in {@code model/}; etcd is reached only through {@link ElectionService}, and never
 * waited for: a release under way brings the next reconcile sooner. A write the API server refuses
 * does not fail the reconcile ({@link GuardedWrites}): it shows in the {@code PodsCreated} or
 * {@code ObjectsApplied} condition, and the next reconcile comes when its backoff ends. A paused
 * group ({@link dev.halo.operator.model.Pause}) gets only the labels, the Service and its status.
 */
@ControllerConfiguration(
    name = HighAvailabilityGroupReconciler.NAME,
    generationAwareEventProcessing = false,
    informer = @Informer(onUpdateFilter = GroupUpdateFilter.class))
public final class HighAvailabilityGroupReconciler
    implements Reconciler<HighAvailabilityGroup>, Cleaner<HighAvailabilityGroup> {
  public static final String NAME = "highavailabilitygroup";
  private static final Logger log = LoggerFactory.getLogger(HighAvailabilityGroupReconciler.class);
  private static final String MANAGED = Labels.APP_MANAGED_BY + "=" + Labels.MANAGED_BY_HALO;
  private static final Duration RESYNC = Duration.ofSeconds(30);
  // Longer than etcd's first read may take (its call timeout, 1 s), in case its event is lost.
  private static final Duration FIRST_READ_CHECK = Duration.ofSeconds(2);
  // While a lease release is under way: soon enough to say a master is slow to step down.
  private static final Duration RELEASE_CHECK = Duration.ofMillis(LeaseReleaser.STEP_DOWN_GRACE_MS);
  // After a failback's window ends: it is due by then, whatever the clock's granularity.
  private static final Duration FAILBACK_SLACK = Duration.ofMillis(50);
  private static final String INVALID = "InvalidSpec";
  static final String GONE_MEMBER_CAMPAIGNS = "GoneMemberCampaigns";
  private static final String UNREADABLE = "UnreadableSpec";

  /**
   * Warning reason: the operator's default etcd endpoints are loopback, which pods cannot reach.
   */
  static final String ETCD_ENDPOINTS_LOOPBACK = "EtcdEndpointsLoopback";

  private static final String ETCD_UNREACHABLE = "EtcdUnreachable";

  /** Warning reason: a multi-site group's lease TTL is too short for etcd between its sites. */
  static final String LEASE_TTL_TOO_SHORT = "LeaseTTLTooShort";

  // The Warning reasons of an etcd that cannot be read: down, or refusing TLS or credentials.
  private static final List<String> ETCD_FAILURE_EVENTS =
      List.of(
          ETCD_UNREACHABLE, "TLSFailed", "CertificateExpired", "AuthFailed", "PermissionDenied");

  /** Warning reason: the group's etcd runs a server version with known lease or auth bugs. */
  static final String ETCD_VERSION_OUTDATED = "EtcdVersionOutdated";

  private final ElectionService elections;
  private final OperatorDefaults defaults;
  private final OperatorMetrics metrics;
  private final FailoverTracker failovers = new FailoverTracker();
  private final PodSigns podSigns = new PodSigns();

  private final StatusDeferrals statusDeferrals = new StatusDeferrals();

  private final WatchFreshness freshness;
  private volatile boolean groupCacheLookedUp;
  private final EventRecorder events;
  private final GuardedWrites writes;
  private final ObjectWriter writer;
  private final LeaseReleaser releaser;
  private final RoleLabeller roles;
  private final Switchovers switchovers;
  private final MasterRouter router;
  private final StandbyRequeues requeues;
  private final SiteHolds holds;
  private final SiteSwitchovers siteSwitchovers;
  private final Pauses pauses;
  private final MemberHolds memberHolds;
  private final Routes routes;
  private final ElectionRelabels relabels;
  private final Optional<String> defaultEtcdWarning;

  /**
   * As above; {@code defaultEtcdWarning}, when present, is recorded as a Warning Event {@value
   * #ETCD_ENDPOINTS_LOOPBACK} on each group that uses the operator's default etcd endpoints; a pod
   * or group status the reconciler writes that its watch has not delivered within {@code
   * watchStaleAfter} marks that watch stalled ({@link #watchStall()}).
   */
  public HighAvailabilityGroupReconciler(
      KubernetesClient client,
      ElectionService elections,
      OperatorDefaults defaults,
      OperatorMetrics metrics,
      Optional<String> defaultEtcdWarning,
      Duration watchStaleAfter) {
    this.defaultEtcdWarning = defaultEtcdWarning;
    this.freshness = new WatchFreshness(watchStaleAfter, System::nanoTime);
    this.elections = elections;
    this.defaults = defaults;
    this.metrics = metrics;
    this.events = new EventRecorder(client);
    this.writes = new GuardedWrites(events, System::currentTimeMillis);
    this.writer = new ObjectWriter(client, defaults, writes, freshness);
    this.releaser =
        new LeaseReleaser(
            elections,
            defaults,
            goneCampaignReporter(events::warning, metrics),
            new RemovalReporter(events, metrics),
            () -> System.nanoTime() / 1_000_000);
    this.roles = new RoleLabeller(writer, events, failovers, releaser.actions(), podSigns, metrics);
    this.switchovers = new Switchovers(writer, events, releaser);
    this.router = new MasterRouter(client, writes, events);
    this.requeues =
        new StandbyRequeues(
            elections, defaults, events::normal, () -> System.nanoTime() / 1_000_000);
    this.holds =
        new SiteHolds(elections, defaults, events, writer, () -> System.nanoTime() / 1_000_000);
    this.siteSwitchovers =
        new SiteSwitchovers(
            elections,
            defaults,
            events,
            writer,
            releaser,
            requeues,
            () -> System.nanoTime() / 1_000_000);
    this.pauses = new Pauses(events, writer, metrics);
    this.memberHolds =
        new MemberHolds(elections, defaults, events, releaser, () -> System.nanoTime() / 1_000_000);
    this.routes = new Routes(elections, defaults);
    this.relabels =
        new ElectionRelabels(elections, defaults, roles::assign, writer::freshest, metrics);
    // Ahead of the reconcile the same change starts: a switchover's hand-over is due at once, and
    // the labels follow the election at once.
    elections.addListener(siteSwitchovers::electionChanged);
    elections.addListener(relabels::electionChanged);
  }

  /** Stops relabelling on election events; the SDK stops the reconciles. */
  void close() {
    relabels.close();
  }

  /**
   * The oldest write of this reconciler's (a pod, a group's status) that its watch has not
   * delivered for longer than the bound it was given: evidence that the watch stalled.
   */
  public Optional<WatchFreshness.Stall> watchStall() {
    return freshness.stall();
  }

  /** How long the oldest write unseen on its watch has waited (zero: none waits). */
  public Duration watchOldestUnseen() {
    return freshness.oldestUnseen();
  }

  @Override
  public List<EventSource<?, HighAvailabilityGroup>> prepareEventSources(
      EventSourceContext<HighAvailabilityGroup> context) {
    PodEventSource pods =
        new PodEventSource(configuration(Pod.class), context, podSigns, freshness);
    ElectionEventSource election = new ElectionEventSource(elections, defaults);
    var groups = context.getPrimaryCache();
    relabels.start(
        new ElectionRelabels.Cache() {
          @Override
          public Optional<HighAvailabilityGroup> group(ResourceID id) {
            return groups.get(id);
          }

          @Override
          public List<Pod> pods(HighAvailabilityGroup hag) {
            String group = hag.getMetadata().getName();
            return pods.list(
                    hag.getMetadata().getNamespace(),
                    p -> group.equals(p.getMetadata().getLabels().get(Labels.GROUP)))
                .sorted(Comparator.comparing(PodState::name))
                .toList();
          }
        },
        election::isRunning);
    return List.of(
        pods,
        informer(context, Service.class),
        informer(context, PodDisruptionBudget.class),
        informer(context, EndpointSlice.class),
        election);
  }

  private static <R extends HasMetadata> InformerEventSource<R, HighAvailabilityGroup> informer(
      EventSourceContext<HighAvailabilityGroup> context, Class<R> type) {
    return new InformerEventSource<>(configuration(type), context);
  }

  private static <R extends HasMetadata> InformerEventSourceConfiguration<R> configuration(
      Class<R> type) {
    return InformerEventSourceConfiguration.from(type, HighAvailabilityGroup.class)
        .withLabelSelector(MANAGED)
        .withSecondaryToPrimaryMapper(
            r -> {
              String group = r.getMetadata().getLabels().get(Labels.GROUP);
              return group == null
                  ? Set.of()
                  : Set.of(new ResourceID(group, r.getMetadata().getNamespace()));
            })
        .build();
  }

  @Override
  public UpdateControl<HighAvailabilityGroup> reconcile(
      HighAvailabilityGroup hag, Context<HighAvailabilityGroup> context) {
    long start = System.nanoTime();
    if (!groupCacheLookedUp) {
      // Status writes come back through the SDK's own informer of groups: read its cache.
      var groups = context.getPrimaryCache();
      freshness.lookUp(
          WatchFreshness.GROUP,
          object -> {
            int slash = object.indexOf('/');
            return groups
                .get(new ResourceID(object.substring(slash + 1), object.substring(0, slash)))
                .map(g -> g.getMetadata().getResourceVersion());
          });
      groupCacheLookedUp = true;
    }
    try {
      return reconcileGroup(hag, context);
    } catch (RuntimeException e) {
      metrics.reconcileFailed();
      log.atWarn()
          .addKeyValue("group", key(hag))
          .addKeyValue("error", e.toString())
          .log("reconcile failed; will retry");
      throw e;
    } finally {
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      metrics.reconciled(took);
      log.atDebug()
          .addKeyValue("group", key(hag))
          .addKeyValue("tookMs", took.toMillis())
          .log("reconciled");
    }
  }

  private UpdateControl<HighAvailabilityGroup> reconcileGroup(
      HighAvailabilityGroup hag, Context<HighAvailabilityGroup> context) {
    List<Pod> pods = groupPods(hag.getMetadata().getName(), context);
    siteSwitchovers.disarm(hag);
    List<String> errors = HighAvailabilityGroupValidator.validate(hag, defaults);
    // Paused: no pod is created, deleted or replaced, no lease revoked, no master moved on the
    // operator's initiative; labels and the Service still follow the election.
    boolean paused = pauses.observe(hag);
    boolean unreadable = hag.hasUnreadableSpec();
    metrics.unreadable(key(hag), unreadable);
    if (!errors.isEmpty()) {
      relabels.unfollow(hag);
      events.warning(hag, unreadable ? UNREADABLE : INVALID, String.join("; ", errors));
      log.atWarn()
          .addKeyValue("group", key(hag))
          .addKeyValue("unreadable", unreadable)
          .addKeyValue("errors", errors)
          .log("invalid spec; pods are left as they are until it is fixed");
      ElectionView none =
          ElectionView.unreachable(election(hag), "not watched while the spec is invalid");
      Membership members = membership(hag, pods, none);
      record(
          hag,
          new RoleLabeller.Labelled(pods, RoleLabeller.labelledMaster(pods)),
          members,
          errors,
          Optional.empty());
      return after(hag, RESYNC);
    }
    events.forget(hag, INVALID);
    events.forget(hag, UNREADABLE);
    relabels.follow(hag);
    if (defaultEtcdWarning.isPresent() && EtcdEndpoints.usesOperatorDefault(hag.getSpec())) {
      events.warning(hag, ETCD_ENDPOINTS_LOOPBACK, defaultEtcdWarning.get());
    }
    warnAboutSiteTiming(hag);
    writer.ensureServicesAndBudget(hag, context);
    ElectionView view =
        context
            .getSecondaryResource(ElectionView.class)
            .orElse(ElectionView.notKnownYet(election(hag), "election not watched yet"));
    if (!view.known()) {
      return awaitFirstRead(hag, view);
    }
    // Who holds which key depends on pod names and UIDs, not on the labels written below.
    Membership members = membership(hag, pods, view);
    RoleLabeller.Labelled labelled;
    boolean releasing = false;
    boolean heldOut = false;
    Map<String, String> excluded = Map.of();
    Optional<String> outdated = Optional.empty();
    if (view.reachable()) {
      ETCD_FAILURE_EVENTS.forEach(reason -> events.forget(hag, reason));
      outdated = etcdVersion(hag);
      reportForeign(hag, members);
      // Before any pod is created: a held site's agents must find the hold when they start.
      heldOut = holds.act(hag, members).filter(SiteFailover.State::held).isPresent();
      // Likewise each member's own hold (spec.election.neverMaster).
      excluded = memberHolds.hold(hag, members);
      releasing = !paused && releaser.releaseGone(hag, pods, members);
      // Under the lock the election watch's relabelling shares, from the freshest election.
      ElectionRelabels.Assigned assigned = relabels.assign(hag, pods, members);
      members = assigned.members();
      labelled = assigned.labelled();
      if (paused) {
        pauses.refuseRequests(hag);
      } else {
        // The elected master: a hand-over asked of a pod whose demotion was refused would repeat.
        releasing |= switchovers.act(hag, labelled.pods(), members, labelled.elected());
        releasing |= siteSwitchovers.act(hag, labelled.pods(), members);
        // Standbys that should take over first (the site's, the zone's, a switchover's target)
        // move ahead of the others, right after the request: a request published just now counts
        // before the watch shows it.
        releasing |=
            requeues.act(hag, labelled.pods(), members, siteSwitchovers.justPublished(hag));
        releasing |=
            memberHolds.stepDown(hag, labelled.pods(), members, labelled.elected(), excluded);
      }
      memberHolds.warnIfOnlyExcluded(hag, labelled.pods(), members, labelled.elected(), excluded);
      releasing |= router.route(hag, context, MasterRoute.of(hag, members, labelled.master()));
      routes.publish(hag, members, labelled.master());
    } else {
      // Fail static: without etcd nobody can tell who leads, so no label changes at all.
      events.warning(hag, etcdFailureEvent(view), "labels are left as they are: " + view.error());
      labelled = new RoleLabeller.Labelled(pods, RoleLabeller.labelledMaster(pods));
    }
    releasing |= !paused && rollout(hag, labelled.pods(), members, heldOut, excluded.keySet());
    DrainCutShort.warning(labelled.pods())
        .ifPresentOrElse(
            w -> events.warning(hag, DrainCutShort.REASON, w),
            () -> events.forget(hag, DrainCutShort.REASON));
    if (statusSuperseded(hag, members.view())) {
      log.atDebug()
          .addKeyValue("group", key(hag))
          .addKeyValue("revision", members.view().revision())
          .log("the election changed during this reconcile; the next one writes the status");
    } else {
      record(hag, labelled, members, errors, outdated);
    }
    // A release completes when its lease leaves the election, whose watch reconciles again; the
    // earlier look catches what the election does not show (a failed call, a slow step-down).
    // A failback waiting for its window is looked at when the window ends.
    Duration next =
        releasing
            ? RELEASE_CHECK
            : siteSwitchovers
                .failbackDueIn(hag)
                .map(due -> due.plus(FAILBACK_SLACK))
                .filter(due -> due.compareTo(RESYNC) < 0)
                .orElse(RESYNC);
    return after(hag, next);
  }

  /** Whether the election changed while this reconcile ran, and the next one writes the status. */
  private boolean statusSuperseded(HighAvailabilityGroup hag, ElectionView view) {
    boolean movedOn =
        view.reachable()
            && elections.view(EtcdEndpoints.of(hag.getSpec(), defaults), election(hag)).revision()
                > view.revision();
    return statusDeferrals.defer(key(hag), movedOn);
  }

  /** The next reconcile: after {@code delay}, or sooner when a refused write may be retried. */
  private UpdateControl<HighAvailabilityGroup> after(HighAvailabilityGroup hag, Duration delay) {
    return after(
        writes.untilNextRetry(key(hag)).filter(retry -> retry.compareTo(delay) < 0).orElse(delay));
  }

  /**
   * A Warning while a multi-site group's TTL is too short for etcd between its sites; logged once,
   * when the status does not say so yet.
   */
  private void warnAboutSiteTiming(HighAvailabilityGroup hag) {
    Optional<String> warning = SiteTiming.of(hag.getSpec()).flatMap(SiteTiming::warning);
    if (warning.isEmpty()) {
      events.forget(hag, LEASE_TTL_TOO_SHORT);
      return;
    }
    events.warning(hag, LEASE_TTL_TOO_SHORT, warning.get());
    boolean reported =
        Optional.ofNullable(hag.getStatus())
            .map(HighAvailabilityGroupStatus::getConditions)
            .stream()
            .flatMap(List::stream)
            .anyMatch(
                c ->
                    Conditions.LEASE_TTL_SAFE.equals(c.getType())
                        && warning.get().equals(c.getMessage()));
    if (!reported) {
      log.atWarn()
          .addKeyValue("group", key(hag))
          .addKeyValue("problem", warning.get())
          .log("lease TTL too short for etcd between sites; the group runs on");
    }
  }

  /** Warns about the version of the group's etcd; returns the warning, for the status. */
  private Optional<String> etcdVersion(HighAvailabilityGroup hag) {
    Optional<String> warning = elections.versionWarning(EtcdEndpoints.of(hag.getSpec(), defaults));
    metrics.etcdOutdated(key(hag), warning.isPresent());
    warning.ifPresentOrElse(
        w -> events.warning(hag, ETCD_VERSION_OUTDATED, w),
        () -> events.forget(hag, ETCD_VERSION_OUTDATED));
    return warning;
  }

  /**
   * Right after the operator starts (or takes over), etcd's first read is still under way: there is
   * no verdict on etcd yet, so no pod or label changes, no EtcdUnreachable Warning and no status
   * write, which keeps every condition as it was. The first read's outcome reconciles again through
   * the election event source within the call timeout; the requeue is only a fallback.
   */
  /** The Warning reason of an unreadable etcd: the failure's own when it is more than "down". */
  private static String etcdFailureEvent(ElectionView view) {
    String reason = view.failureReason();
    return reason.isEmpty() || reason.equals("Unreachable") ? ETCD_UNREACHABLE : reason;
  }

  private static UpdateControl<HighAvailabilityGroup> awaitFirstRead(
      HighAvailabilityGroup hag, ElectionView view) {
    log.atDebug()
        .addKeyValue("group", key(hag))
        .addKeyValue("reason", view.error())
        .log("etcd not read yet: no verdict on it, status left as it is");
    return after(FIRST_READ_CHECK);
  }

  private static UpdateControl<HighAvailabilityGroup> after(Duration delay) {
    UpdateControl<HighAvailabilityGroup> control = UpdateControl.noUpdate();
    return control.rescheduleAfter(delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  static Membership membership(HighAvailabilityGroup hag, List<Pod> pods, ElectionView view) {
    String uid = Objects.toString(hag.getMetadata().getUid(), "");
    return Membership.of(hag.getMetadata().getName(), uid, GroupElection.siteName(hag), pods, view);
  }

  /** Foreign keys are never touched; each is told once (per 5 minutes) as a Warning. */
  private void reportForeign(HighAvailabilityGroup hag, Membership membership) {
    if (membership.foreign().isEmpty()) {
      events.forget(hag, "ForeignCandidate");
      return;
    }
    for (Candidate c : membership.foreign()) {
      boolean leads = membership.foreignLeader().filter(c::equals).isPresent();
      events.warning(
          hag,
          "ForeignCandidate",
          StatusFactory.describe(c)
              + " is in the election but belongs to no pod of this group; the operator leaves it"
              + " alone"
              + (leads ? ". It leads, so no pod is master until it goes" : "")
              + ". Stop whatever campaigns with it, or: etcdctl lease revoke "
              + c.leaseHex());
      log.atWarn()
          .addKeyValue("group", key(hag))
          .addKeyValue("key", c.key())
          .addKeyValue("value", c.member())
          .addKeyValue("lease", c.leaseHex())
          .addKeyValue("leads", leads)
          .log("foreign candidate key in the election; left alone");
    }
  }

  /** Applies one rollout step; returns whether it asked a master to hand over. */
  private boolean rollout(
      HighAvailabilityGroup hag,
      List<Pod> pods,
      Membership view,
      boolean heldOut,
      Set<String> excluded) {
    String group = hag.getMetadata().getName();
    String hash = PodFactory.templateHash(hag, defaults);
    boolean handingOver = false;
    boolean deletes = false;
    for (RolloutPlanner.Step step :
        RolloutPlanner.plan(
            group, hag.getSpec().getReplicas(), hash, pods, view, heldOut, excluded)) {
      if (step instanceof RolloutPlanner.Step.Create c) {
        for (int index : c.indices()) {
          if (!writer.createPod(hag, index)) {
            break; // the others would be refused alike
          }
        }
      } else if (step instanceof RolloutPlanner.Step.Delete d) {
        deletes = true;
        log.atInfo()
            .addKeyValue("group", key(hag))
            .addKeyValue("pod", d.pod())
            .addKeyValue("reason", d.reason())
            .log("deleting pod");
        writer.deletePod(hag, d.pod());
      } else if (step instanceof RolloutPlanner.Step.HandOver h) {
        events.normal(hag, "Switchover", h.pod() + " hands over mastership (" + h.reason() + ")");
        releaser.handOver(hag, h.pod(), view);
        handingOver = true;
      } else if (step instanceof RolloutPlanner.Step.Wait w) {
        log.atDebug()
            .addKeyValue("group", key(hag))
            .addKeyValue("reason", w.reason())
            .log("rollout waiting");
      }
    }
    if (pods.size() >= hag.getSpec().getReplicas()) {
      writer.settled(hag, Write.POD_CREATE);
    }
    if (!deletes) {
      writer.settled(hag, Write.POD_DELETE);
    }
    return handingOver;
  }

  private void record(
      HighAvailabilityGroup hag,
      RoleLabeller.Labelled labelled,
      Membership view,
      List<String> errors,
      Optional<String> etcdVersionWarning) {
    HighAvailabilityGroupStatus previous =
        hag.getStatus() == null ? new HighAvailabilityGroupStatus() : hag.getStatus();
    HighAvailabilityGroupStatus status =
        StatusFactory.build(
            hag,
            new StatusFactory.Observed(
                labelled.pods(),
                view,
                labelled.master(),
                errors,
                failovers.count(key(hag), previous.getFailovers()),
                failovers.last(key(hag), previous.getLastFailover()),
                Instant.now().toString(),
                writes.refusal(key(hag), Write.POD_CREATE),
                refusedObjects(key(hag)),
                etcdVersionWarning));
    status.setFailoverHistory(failovers.history(key(hag), previous.getFailoverHistory()));
    metrics.phase(key(hag), status.getPhase());
    metrics.group(key(hag), status);
    // Status goes out as a merge patch written here: JOSDK's status patch is a JSON Patch diff
    // against its cached copy, which fails whenever that copy is behind the server.
    if (hag.getStatus() == null || !sameJson(status, hag.getStatus())) {
      writer.patchStatus(hag, status);
    } else {
      writer.settled(hag, Write.STATUS);
    }
  }

  /**
   * The refused writes that the {@code ObjectsApplied} condition reports: all but pod creates
   * ({@code PodsCreated}) and the status itself (which a refused status cannot show).
   */
  private List<StatusFactory.RefusedWrite> refusedObjects(String group) {
    return writes.refusals(group).stream()
        .filter(r -> r.write() != Write.POD_CREATE && r.write() != Write.STATUS)
        .map(r -> new StatusFactory.RefusedWrite(r.write().reason, GuardedWrites.message(r)))
        .toList();
  }

  @Override
  public DeleteControl cleanup(HighAvailabilityGroup hag, Context<HighAvailabilityGroup> context) {
    List<Pod> pods = groupPods(hag.getMetadata().getName(), context);
    relabels.forget(hag);
    writer.deleteOwned(hag, pods.stream().map(PodState::name).toList());
    writer.forgetGroup(hag);
    releaseOwnKeys(hag, pods);
    roles.forget(hag);
    requeues.forget(hag);
    holds.forget(hag);
    memberHolds.forget(hag);
    routes.forget(hag);
    siteSwitchovers.forget(hag);
    statusDeferrals.forget(key(hag));
    failovers.forget(key(hag));
    writes.forget(key(hag));
    events.forget(hag);
    metrics.forget(key(hag));
    log.atInfo()
        .addKeyValue("group", key(hag))
        .log("group deleted; pods, Services and election removed");
    return DeleteControl.defaultDelete();
  }

  /** Starts revoking the group's own keys ({@link LeaseReleaser#releaseAll}); foreign ones stay. */
  private void releaseOwnKeys(HighAvailabilityGroup hag, List<Pod> pods) {
    List<String> endpoints =
        hag.getSpec() == null ? List.of() : EtcdEndpoints.of(hag.getSpec(), defaults);
    if (endpoints.isEmpty()) {
      return;
    }
    Membership members = membership(hag, pods, elections.view(endpoints, election(hag)));
    if (!members.view().reachable()) {
      log.atWarn()
          .addKeyValue("group", key(hag))
          .addKeyValue("error", members.view().error())
          .log("etcd unreachable; the group's election keys expire with their leases");
      return;
    }
    releaser.releaseAll(hag, members);
    members
        .foreign()
        .forEach(
            c ->
                log.atWarn()
                    .addKeyValue("group", key(hag))
                    .addKeyValue("key", c.key())
                    .addKeyValue("lease", c.leaseHex())
                    .log("foreign candidate key left in place: it is no pod's of this group"));
  }

  private static List<Pod> groupPods(String group, Context<HighAvailabilityGroup> context) {
    return context.getSecondaryResources(Pod.class).stream()
        .filter(p -> group.equals(p.getMetadata().getLabels().get(Labels.GROUP)))
        .sorted(Comparator.comparing(PodState::name))
        .toList();
  }

  private static boolean sameJson(Object a, Object b) {
    return Objects.equals(Serialization.asJson(a), Serialization.asJson(b));
  }

  static String election(HighAvailabilityGroup hag) {
    return GroupElection.name(hag);
  }

  /**
   * Reports a gone pod whose agent keeps campaigning: a Warning Event {@value
   * #GONE_MEMBER_CAMPAIGNS} (one per revoked campaign, so at most one per backoff window) and the
   * metric {@code halo_operator_gone_member_campaigns_total{group}}.
   */
  static LeaseReleaser.GoneCampaignReporter goneCampaignReporter(
      Warnings warnings, OperatorMetrics metrics) {
    return (hag, report) -> {
      metrics.goneMemberCampaign(key(hag));
      warnings.warning(hag, GONE_MEMBER_CAMPAIGNS, report.message());
    };
  }

  /** Where Warning Events go ({@link EventRecorder#warning}). */
  @FunctionalInterface
  interface Warnings {
    void warning(HighAvailabilityGroup hag, String reason, String message);
  }

  static String key(HighAvailabilityGroup hag) {
    return hag.getMetadata().getNamespace() + "/" + hag.getMetadata().getName();
  }
}
