package dev.halo.operator;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.ElectionService;
import dev.halo.operator.election.RemovalPath;
import dev.halo.operator.model.AgentEnvVars;
import dev.halo.operator.model.EtcdEndpoints;
import dev.halo.operator.model.GoneMemberCampaigns;
import dev.halo.operator.model.LeaseAction;
import dev.halo.operator.model.Membership;
import dev.halo.operator.model.OperatorDefaults;
import dev.halo.operator.model.Revocations;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Releases the election leases a group no longer wants held, so that a standby takes over at once
 * instead of after the TTL: a master whose agent may still run is asked to step down (it demotes,
 * then revokes its own lease), on a planned hand-over and when its pod is deleted; other keys are
 * removed by the path {@link dev.halo.operator.model.RemovalChoice} gives them (at once when their
 * holder is certainly dead or provably never led, else fenced so that the next master waits for the
 * holder's deadline, {@link KeyRemover}), and fences a removal left unfinished are finished. It
 * never waits for etcd: it starts the calls and returns; the lease going away changes the election,
 * whose watch reconciles the group again, and the reconciler looks again soon while a release is
 * pending. Each lease is asked once even while reconciles overlap with its call in flight.
 *
 * <p>Why never revoke a live master: the agent learns of a revoke from its etcd watch or its next
 * renewal; if that stream is cut at the moment (an etcd member restarting), it keeps answering
 * master until its deadline while the next candidate is already elected. A master that does not
 * step down is either hung (its lease expires within the TTL, and the deadline rule has demoted it
 * before) or alive and renewing without seeing the request; then it is asked again once its TTL has
 * passed.
 *
 * <p>A pod recreated under the name of a pod whose lease is still held must not start campaigning
 * beside it; {@link dev.halo.operator.model.RolloutPlanner} creates no pod under such a name until
 * the election no longer holds that lease.
 *
 * <p>A lease whose removal or step-down request failed is not asked again before its backoff ran
 * out ({@link LeaseCalls}), however often reconciles come: etcd failing at once must not turn every
 * reconcile into another call.
 *
 * <p>A pod that is gone while its agent keeps running campaigns again after each revocation; its
 * new leases are revoked with growing waits between them, each such campaign reported ({@link
 * GoneMemberCampaigns}), so that agent and operator do not busy-loop against etcd.
 */
final class LeaseReleaser {
  private static final Logger log = LoggerFactory.getLogger(LeaseReleaser.class);

  /** A master asked to step down usually has within this; after it, a warning says it has not. */
  static final long STEP_DOWN_GRACE_MS = 1000;

  /** After the grace, how much longer than the TTL to wait for the lease to go. */
  private static final long EXPIRY_SLACK_MS = 2000;

  private final ElectionService elections;
  private final OperatorDefaults defaults;

  /**
   * Step-down requests waiting for their lease to go; apart from {@link #revoking} so that a
   * revoke, once the pod shows its agent terminated, is not held up by a request still waiting.
   */
  private final Map<Long, StepDown> steppingDown = new ConcurrentHashMap<>();

  private final LeaseCalls calls = new LeaseCalls();

  private final GoneMemberCampaigns goneCampaigns = new GoneMemberCampaigns();
  private final LeaseActions actions = new LeaseActions();
  private final GoneCampaignReporter reporter;
  private final KeyRemover remover;
  private final LongSupplier clockMillis;

  /** Told when the agent of a gone pod campaigned again after its lease was revoked. */
  @FunctionalInterface
  interface GoneCampaignReporter {
    void campaigns(HighAvailabilityGroup hag, GoneMemberCampaigns.Report report);
  }

  /** A step-down request sent: until when the lease may take to go before it is asked again. */
  private static final class StepDown {
    final long graceEndNanos;
    final long expiryEndNanos;
    volatile boolean warned;

    StepDown(long askedNanos, long ttlSeconds) {
      this.graceEndNanos = askedNanos + TimeUnit.MILLISECONDS.toNanos(STEP_DOWN_GRACE_MS);
      this.expiryEndNanos =
          graceEndNanos
              + TimeUnit.SECONDS.toNanos(ttlSeconds)
              + TimeUnit.MILLISECONDS.toNanos(EXPIRY_SLACK_MS);
    }
  }

  /** What this releaser did to each lease, and when. */
  LeaseActions actions() {
    return actions;
  }

  LeaseReleaser(ElectionService elections, OperatorDefaults defaults) {
    this(elections, defaults, (hag, report) -> {}, () -> System.nanoTime() / 1_000_000);
  }

  LeaseReleaser(
      ElectionService elections,
      OperatorDefaults defaults,
      GoneCampaignReporter reporter,
      LongSupplier clockMillis) {
    this(elections, defaults, reporter, KeyRemover.Removals.NONE, clockMillis);
  }

  /**
   * As above; {@code reporter} hears of gone pods whose agent campaigns again, {@code removals} of
   * every key removed, {@code clockMillis} is a monotonic clock in milliseconds.
   */
  LeaseReleaser(
      ElectionService elections,
      OperatorDefaults defaults,
      GoneCampaignReporter reporter,
      KeyRemover.Removals removals,
      LongSupplier clockMillis) {
    this.elections = elections;
    this.defaults = defaults;
    this.reporter = reporter;
    this.remover = new KeyRemover(elections, defaults, calls, actions, removals, clockMillis);
    this.clockMillis = clockMillis;
  }

  /**
   * Starts releasing the leases of gone pods (a terminating master whose agent still runs is asked
   * to step down); returns whether any such lease is still held, so the caller looks again soon.
   */
  boolean releaseGone(HighAvailabilityGroup hag, List<Pod> pods, Membership membership) {
    String election = membership.view().election();
    List<Revocations.Revocation> plan = Revocations.plan(pods, membership);
    Map<Long, Candidate> gone =
        membership.previous().stream()
            .collect(Collectors.toMap(Candidate::leaseId, Function.identity(), (a, b) -> a));
    long leaderLease = membership.leader().map(Candidate::leaseId).orElse(0L);
    boolean othersCampaign = !membership.campaigningPods().isEmpty();
    long now = clockMillis.getAsLong();
    for (Revocations.Revocation r : plan) {
      Candidate c = gone.get(r.leaseId());
      if (c != null && c.identity().isPresent()) {
        GoneMemberCampaigns.Decision d =
            goneCampaigns.decide(
                HighAvailabilityGroupReconciler.key(hag),
                c.member(),
                c.identity().get().podUid(),
                c.leaseId(),
                othersCampaign && c.leaseId() == leaderLease,
                now);
        d.report()
            .ifPresent(
                report -> {
                  log.atWarn()
                      .addKeyValue("group", HighAvailabilityGroupReconciler.key(hag))
                      .addKeyValue("pod", report.pod())
                      .addKeyValue("lease", Long.toHexString(report.leaseId()))
                      .addKeyValue("campaigns", report.campaigns())
                      .addKeyValue("nextWaitMs", report.nextWaitMillis())
                      .log("the agent of a gone pod keeps campaigning; revoking with backoff");
                  reporter.campaigns(hag, report);
                });
        if (!d.revoke()) {
          continue; // still held: the caller looks again soon
        }
      }
      if (r.stepDownFirst()) {
        stepDown(
            hag, election, r.leaseId(), r.member(), r.reason(), legacy(membership, r.leaseId()));
      } else {
        remover.remove(hag, election, r);
      }
    }
    return remover.finishFences(hag, membership) | !plan.isEmpty();
  }

  /**
   * A planned hand-over: asks the pod's leading lease to step down (it demotes, then revokes its
   * lease, so the next candidate is elected only after it stopped answering master); other keys of
   * the pod are revoked.
   */
  void handOver(HighAvailabilityGroup hag, String pod, Membership membership) {
    long leaderLease = membership.leader().map(Candidate::leaseId).orElse(0L);
    String election = membership.view().election();
    for (Candidate c : membership.keysOf(pod)) {
      if (c.leaseId() == leaderLease) {
        stepDown(hag, election, c.leaseId(), pod, LeaseAction.HAND_OVER, c.identity().isEmpty());
      } else {
        // Another key of a running pod: left by its agent before its container restarted.
        remover.remove(
            hag,
            election,
            new Revocations.Revocation(
                c, LeaseAction.HAND_OVER, RemovalPath.IMMEDIATE, Optional.empty()));
      }
    }
  }

  /**
   * The same hand-over for the leading lease {@code leaseId} of {@code pod} alone, from the
   * election watch ({@link SwitchoverHandOvers}); other keys of the pod wait for the next
   * reconcile.
   */
  void handOverLease(
      HighAvailabilityGroup hag, String election, long leaseId, String pod, boolean legacyAgent) {
    stepDown(hag, election, leaseId, pod, LeaseAction.HAND_OVER, legacyAgent);
  }

  /** Whether the lease {@code leaseId} was asked to step down and may still be on its way out. */
  boolean askedToStepDown(long leaseId) {
    StepDown asked = steppingDown.get(leaseId);
    return asked != null && System.nanoTime() - asked.expiryEndNanos < 0;
  }

  /**
   * A deleted group: removes its own keys (current and left behind), each by its path (the leader's
   * is fenced: its agent may still run), and finishes its unfinished fences; keys that are not
   * provably the group's (another cluster's group of the same name, a stray etcdctl) stay. What is
   * not removed expires with its lease.
   */
  void releaseAll(HighAvailabilityGroup hag, Membership membership) {
    String election = membership.view().election();
    Revocations.groupDeleted(membership).forEach(r -> remover.remove(hag, election, r));
    remover.finishFences(hag, membership);
    goneCampaigns.forget(HighAvailabilityGroupReconciler.key(hag));
  }

  /** Whether the key of {@code leaseId} carries no member identity: an agent of release 0.1.0. */
  private static boolean legacy(Membership membership, long leaseId) {
    return membership.view().candidates().stream()
        .anyMatch(c -> c.leaseId() == leaseId && c.identity().isEmpty());
  }

  private void stepDown(
      HighAvailabilityGroup hag,
      String election,
      long leaseId,
      String pod,
      String reason,
      boolean legacyAgent) {
    if (calls.backingOff(leaseId)) {
      return;
    }
    long now = System.nanoTime();
    // Requests for leases that went long ago are forgotten.
    steppingDown.values().removeIf(s -> now - s.expiryEndNanos > TimeUnit.MINUTES.toNanos(5));
    StepDown asked = steppingDown.get(leaseId);
    if (asked != null && now - asked.expiryEndNanos < 0) {
      if (now - asked.graceEndNanos > 0 && !asked.warned) {
        asked.warned = true;
        log.atWarn()
            .addKeyValue("group", HighAvailabilityGroupReconciler.key(hag))
            .addKeyValue("pod", pod)
            .addKeyValue("lease", Long.toHexString(leaseId))
            .addKeyValue("graceMs", STEP_DOWN_GRACE_MS)
            .log(
                "the master has not stepped down yet; waiting for it or for its lease to expire"
                    + " (it is not revoked from outside while its agent may run)");
      }
      return;
    }
    if (asked != null) {
      log.atWarn()
          .addKeyValue("group", HighAvailabilityGroupReconciler.key(hag))
          .addKeyValue("pod", pod)
          .addKeyValue("lease", Long.toHexString(leaseId))
          .log(
              "the master still holds its lease: its agent renews it but has not seen the"
                  + " step-down request (check the agent's etcd connection); asking again");
    }
    StepDown request = new StepDown(now, AgentEnvVars.leaseTtl(hag.getSpec()));
    boolean first =
        asked == null
            ? steppingDown.putIfAbsent(leaseId, request) == null
            : steppingDown.replace(leaseId, asked, request);
    if (!first) {
      return; // an overlapping reconcile asked just now
    }
    log.atInfo()
        .addKeyValue("group", HighAvailabilityGroupReconciler.key(hag))
        .addKeyValue("pod", pod)
        .addKeyValue("lease", Long.toHexString(leaseId))
        .addKeyValue("reason", reason)
        .log("asking the master to step down");
    actions.record(leaseId, LeaseAction.Kind.STEP_DOWN, reason);
    elections
        .requestStepDown(
            EtcdEndpoints.of(hag.getSpec(), defaults), election, leaseId, reason, legacyAgent)
        .whenComplete(
            (ok, error) -> {
              if (error != null) {
                steppingDown.remove(leaseId, request);
                log.atWarn()
                    .addKeyValue("group", HighAvailabilityGroupReconciler.key(hag))
                    .addKeyValue("pod", pod)
                    .addKeyValue("lease", Long.toHexString(leaseId))
                    .addKeyValue("retryInMs", calls.failed(leaseId))
                    .addKeyValue("error", error.toString())
                    .log("step-down request failed; the master keeps its lease for now");
              }
            });
  }
}
