package dev.halo.operator;

import dev.halo.api.v1alpha1.FailoverRecord;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.HighAvailabilityGroupStatus;
import dev.halo.common.Annotations;
import dev.halo.common.ElectionKeys;
import dev.halo.common.Labels;
import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.ElectionEventSource;
import dev.halo.operator.election.ElectionService;
import dev.halo.operator.election.ElectionView;
import dev.halo.operator.model.EtcdEndpoints;
import dev.halo.operator.model.Membership;
import dev.halo.operator.model.OperatorDefaults;
import dev.halo.operator.model.PodFactory;
import dev.halo.operator.model.PodState;
import dev.halo.operator.model.RoleAssignment;
import dev.halo.operator.model.RolloutPlanner;
import dev.halo.operator.status.StatusFactory;
import dev.halo.operator.validation.HighAvailabilityGroupValidator;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles a HighAvailabilityGroup: observe (pods, Services, the etcd election) → validate →
 * reconcile (revoke leases of gone pods, demote then promote role labels, one rollout step) →
 * record status, patched only when it changed. Desired objects come from the pure factories in
 * {@code model/}; etcd is reached only through {@link ElectionService}.
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
  private static final String INVALID = "InvalidSpec";
  private static final String UNREADABLE = "UnreadableSpec";

  private final ElectionService elections;
  private final OperatorDefaults defaults;
  private final OperatorMetrics metrics;
  private final FailoverTracker failovers = new FailoverTracker();
  private final LeaseRevoker revoker;
  private EventRecorder events;
  private ObjectWriter writer;

  public HighAvailabilityGroupReconciler(
      ElectionService elections, OperatorDefaults defaults, OperatorMetrics metrics) {
    this.elections = elections;
    this.defaults = defaults;
    this.metrics = metrics;
    this.revoker = new LeaseRevoker(elections, defaults);
  }

  @Override
  public List<EventSource<?, HighAvailabilityGroup>> prepareEventSources(
      EventSourceContext<HighAvailabilityGroup> context) {
    return List.of(
        informer(context, Pod.class),
        informer(context, Service.class),
        informer(context, PodDisruptionBudget.class),
        new ElectionEventSource(elections, defaults));
  }

  private static <R extends HasMetadata> InformerEventSource<R, HighAvailabilityGroup> informer(
      EventSourceContext<HighAvailabilityGroup> context, Class<R> type) {
    return new InformerEventSource<>(
        InformerEventSourceConfiguration.from(type, HighAvailabilityGroup.class)
            .withLabelSelector(MANAGED)
            .withSecondaryToPrimaryMapper(
                r -> {
                  String group = r.getMetadata().getLabels().get(Labels.GROUP);
                  return group == null
                      ? Set.of()
                      : Set.of(new ResourceID(group, r.getMetadata().getNamespace()));
                })
            .build(),
        context);
  }

  @Override
  public UpdateControl<HighAvailabilityGroup> reconcile(
      HighAvailabilityGroup hag, Context<HighAvailabilityGroup> context) {
    long start = System.nanoTime();
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
      metrics.reconciled(Duration.ofNanos(System.nanoTime() - start));
    }
  }

  private UpdateControl<HighAvailabilityGroup> reconcileGroup(
      HighAvailabilityGroup hag, Context<HighAvailabilityGroup> context) {
    init(context);
    String group = hag.getMetadata().getName();
    List<Pod> pods = groupPods(group, context);
    List<String> errors = HighAvailabilityGroupValidator.validate(hag, defaults);
    boolean unreadable = hag.hasUnreadableSpec();
    metrics.unreadable(key(hag), unreadable);
    if (!errors.isEmpty()) {
      events.warning(hag, unreadable ? UNREADABLE : INVALID, String.join("; ", errors));
      log.atWarn()
          .addKeyValue("group", key(hag))
          .addKeyValue("unreadable", unreadable)
          .addKeyValue("errors", errors)
          .log("invalid spec; pods are left as they are until it is fixed");
      ElectionView none =
          ElectionView.unreachable(election(hag), "not watched while the spec is invalid");
      return record(hag, pods, membership(hag, pods, none), labelledMaster(pods), errors);
    }
    events.forget(hag, INVALID);
    events.forget(hag, UNREADABLE);
    writer.ensureServicesAndBudget(hag, context);
    ElectionView view =
        context
            .getSecondaryResource(ElectionView.class)
            .orElse(ElectionView.unreachable(election(hag), "election not watched yet"));
    // Who holds which key depends on pod names and UIDs, not on the labels written below.
    Membership members = membership(hag, pods, view);
    Optional<String> master;
    if (view.reachable()) {
      events.forget(hag, "EtcdUnreachable");
      reportForeign(hag, members);
      revoker.revokeGone(hag, pods, members);
      master = assignRoles(hag, pods, members);
      switchover(hag, pods, members, master);
    } else {
      // Fail static: without etcd nobody can tell who leads, so no label changes at all.
      events.warning(hag, "EtcdUnreachable", "labels are left as they are: " + view.error());
      master = labelledMaster(pods);
    }
    rollout(hag, pods, members);
    return record(hag, pods, members, master, errors);
  }

  private static Membership membership(
      HighAvailabilityGroup hag, List<Pod> pods, ElectionView view) {
    String uid = Objects.toString(hag.getMetadata().getUid(), "");
    return Membership.of(hag.getMetadata().getName(), uid, pods, view);
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

  private Optional<String> assignRoles(HighAvailabilityGroup hag, List<Pod> pods, Membership view) {
    RoleAssignment plan = RoleAssignment.plan(pods, view);
    String recorded = hag.getStatus() == null ? null : hag.getStatus().getMaster();
    String from = labelledMaster(pods).orElse(recorded);
    String reason = lossReason(from, pods);
    if (plan.master().isEmpty()) {
      failovers.lost(key(hag), from, Instant.now(), reason);
    }
    List<Pod> updated = writer.applyRoles(hag, pods, plan);
    pods.clear();
    pods.addAll(updated);
    plan.master().ifPresent(m -> announce(hag, recorded, m, Instant.now(), reason));
    return plan.master();
  }

  /**
   * A planned switchover asked for with the {@value Annotations#SWITCHOVER} annotation, which names
   * the master to hand over from. While that pod is the master it is asked to step down, the same
   * hand-over a rolling update does (its agent demotes, then gives up its lease, and the next
   * candidate in line is elected), as soon as another pod is Ready and campaigning; it stays a
   * standby. Once it is not the master (done, or the request named someone else) the annotation is
   * removed, so a request acts once.
   */
  private void switchover(
      HighAvailabilityGroup hag, List<Pod> pods, Membership view, Optional<String> master) {
    String from = GroupUpdateFilter.switchoverRequest(hag.getMetadata());
    if (from == null || master.isEmpty()) {
      return; // nothing asked, or no master yet to hand over from: wait
    }
    String pod = from.strip();
    if (!master.get().equals(pod)) {
      if (pods.stream().noneMatch(p -> PodState.name(p).equals(pod))) {
        events.warning(
            hag,
            "SwitchoverIgnored",
            "\""
                + pod
                + "\" is no pod of this group; to hand over, annotate with the master's name ("
                + master.get()
                + ")");
      }
      events.forget(hag, "SwitchoverBlocked");
      writer.removeAnnotation(hag, Annotations.SWITCHOVER);
      log.atInfo()
          .addKeyValue("group", key(hag))
          .addKeyValue("requested", pod)
          .addKeyValue("master", master.get())
          .log("switchover request done or stale; annotation removed");
      return;
    }
    boolean standbyReady =
        pods.stream()
            .filter(p -> !PodState.name(p).equals(pod) && !PodState.terminating(p))
            .anyMatch(p -> PodState.ready(p) && view.isCampaigning(PodState.name(p)));
    if (!standbyReady) {
      events.warning(
          hag,
          "SwitchoverBlocked",
          pod + " stays master: no other pod is Ready and campaigning to take over; waiting");
      return;
    }
    events.forget(hag, "SwitchoverBlocked");
    failovers.handingOver(key(hag), pod);
    events.normal(
        hag,
        "Switchover",
        pod + " hands over mastership (" + Annotations.SWITCHOVER + " annotation)");
    revoker.handOver(hag, pod, view);
  }

  private static String lossReason(String from, List<Pod> pods) {
    Optional<Pod> pod = pods.stream().filter(p -> PodState.name(p).equals(from)).findFirst();
    if (pod.isEmpty()) {
      return "podDeleted";
    }
    if (PodState.gone(pod.get())) {
      return PodState.goneReason(pod.get());
    }
    return PodState.ready(pod.get()) ? "resigned" : "unhealthy";
  }

  private void announce(
      HighAvailabilityGroup hag, String recorded, String master, Instant at, String reason) {
    String group = key(hag);
    if (!failovers.isNew(group, recorded, master)) {
      return;
    }
    events.normal(hag, "MasterElected", master + " is master");
    log.atInfo().addKeyValue("group", group).addKeyValue("master", master).log("master labelled");
    Integer count = hag.getStatus() == null ? null : hag.getStatus().getFailovers();
    Optional<FailoverRecord> failover =
        failovers.elected(group, recorded, count, master, at, reason);
    failover.ifPresent(
        f -> {
          metrics.failover(f.getReason(), f.getDurationMillis());
          events.normal(
              hag,
              "Failover",
              f.getFrom()
                  + " -> "
                  + f.getTo()
                  + " ("
                  + f.getReason()
                  + ") in "
                  + f.getDurationMillis()
                  + " ms");
          log.atInfo()
              .addKeyValue("group", group)
              .addKeyValue("from", f.getFrom())
              .addKeyValue("to", f.getTo())
              .addKeyValue("reason", f.getReason())
              .addKeyValue("durationMs", f.getDurationMillis())
              .log("failover");
        });
  }

  private void rollout(HighAvailabilityGroup hag, List<Pod> pods, Membership view) {
    String group = hag.getMetadata().getName();
    String hash = PodFactory.templateHash(hag, defaults);
    for (RolloutPlanner.Step step :
        RolloutPlanner.plan(group, hag.getSpec().getReplicas(), hash, pods, view)) {
      if (step instanceof RolloutPlanner.Step.Create c) {
        c.indices().forEach(i -> writer.createPod(hag, i));
      } else if (step instanceof RolloutPlanner.Step.Delete d) {
        log.atInfo()
            .addKeyValue("group", key(hag))
            .addKeyValue("pod", d.pod())
            .addKeyValue("reason", d.reason())
            .log("deleting pod");
        writer.deletePod(hag, d.pod());
      } else if (step instanceof RolloutPlanner.Step.HandOver h) {
        failovers.handingOver(key(hag), h.pod());
        events.normal(hag, "Switchover", h.pod() + " hands over mastership (" + h.reason() + ")");
        revoker.handOver(hag, h.pod(), view);
      } else if (step instanceof RolloutPlanner.Step.Wait w) {
        log.atDebug()
            .addKeyValue("group", key(hag))
            .addKeyValue("reason", w.reason())
            .log("rollout waiting");
      }
    }
  }

  private UpdateControl<HighAvailabilityGroup> record(
      HighAvailabilityGroup hag,
      List<Pod> pods,
      Membership view,
      Optional<String> master,
      List<String> errors) {
    HighAvailabilityGroupStatus previous =
        hag.getStatus() == null ? new HighAvailabilityGroupStatus() : hag.getStatus();
    HighAvailabilityGroupStatus status =
        StatusFactory.build(
            hag,
            new StatusFactory.Observed(
                pods,
                view,
                master,
                errors,
                failovers.count(key(hag), previous.getFailovers()),
                failovers.last(key(hag), previous.getLastFailover()),
                Instant.now().toString()));
    metrics.phase(key(hag), status.getPhase());
    // Status goes out as a merge patch written here: JOSDK's status patch is a JSON Patch diff
    // against its cached copy, which fails whenever that copy is behind the server.
    if (hag.getStatus() == null || !sameJson(status, hag.getStatus())) {
      writer.patchStatus(hag, status);
    }
    UpdateControl<HighAvailabilityGroup> control = UpdateControl.noUpdate();
    return control.rescheduleAfter(RESYNC.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public DeleteControl cleanup(HighAvailabilityGroup hag, Context<HighAvailabilityGroup> context) {
    init(context);
    writer.deleteOwned(hag);
    releaseOwnKeys(hag, groupPods(hag.getMetadata().getName(), context));
    failovers.forget(key(hag));
    metrics.forget(key(hag));
    log.atInfo()
        .addKeyValue("group", key(hag))
        .log("group deleted; pods, Services and election removed");
    return DeleteControl.defaultDelete();
  }

  /**
   * Revokes the leases of the group's own keys (current and left behind), which deletes them and
   * their identities; keys that are not provably the group's (another cluster's group of the same
   * name, a stray etcdctl) stay. Bounded: what is not revoked expires with its lease.
   */
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
    List<Candidate> own = new ArrayList<>(members.previous());
    members.campaigningPods().forEach(p -> own.addAll(members.keysOf(p)));
    try {
      CompletableFuture.allOf(
              own.stream()
                  .map(c -> elections.revoke(endpoints, c.leaseId()))
                  .toArray(CompletableFuture[]::new))
          .get(3, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.atWarn()
          .addKeyValue("group", key(hag))
          .addKeyValue("error", e.toString())
          .log("could not revoke every lease of the group; they expire within their TTL");
    }
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

  private synchronized void init(Context<HighAvailabilityGroup> context) {
    if (writer == null) {
      events = new EventRecorder(context.getClient());
      writer = new ObjectWriter(context.getClient(), defaults);
    }
  }

  private static List<Pod> groupPods(String group, Context<HighAvailabilityGroup> context) {
    List<Pod> pods =
        new ArrayList<>(
            context.getSecondaryResources(Pod.class).stream()
                .filter(p -> group.equals(p.getMetadata().getLabels().get(Labels.GROUP)))
                .toList());
    pods.sort(Comparator.comparing(PodState::name));
    return pods;
  }

  private static Optional<String> labelledMaster(List<Pod> pods) {
    return pods.stream().filter(PodState::labelledMaster).map(PodState::name).findFirst();
  }

  private static boolean sameJson(Object a, Object b) {
    return Objects.equals(Serialization.asJson(a), Serialization.asJson(b));
  }

  static String election(HighAvailabilityGroup hag) {
    return ElectionKeys.electionName(hag.getMetadata().getNamespace(), hag.getMetadata().getName());
  }

  static String key(HighAvailabilityGroup hag) {
    return hag.getMetadata().getNamespace() + "/" + hag.getMetadata().getName();
  }
}
