package dev.halo.operator;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.Backoff;
import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.ElectionService;
import dev.halo.operator.model.AgentEnvVars;
import dev.halo.operator.model.EtcdEndpoints;
import dev.halo.operator.model.Membership;
import dev.halo.operator.model.OperatorDefaults;
import dev.halo.operator.model.Revocations;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Revokes etcd leases for operator-assisted failover: those of pods that are gone (so a standby
 * takes over at once instead of after the TTL). A master whose agent may still run is never revoked
 * from outside: it is asked to step down (it demotes, then revokes its own lease), on a planned
 * hand-over and when its pod is deleted. Each lease is handled once even while reconciles overlap
 * with the call in flight.
 *
 * <p>Why never revoke a live master: the agent learns of a revoke from its etcd watch or its next
 * renewal; if that stream is cut at the moment (an etcd member restarting), it keeps answering
 * master until its deadline while the next candidate is already elected. A master that does not
 * step down is either hung (its lease expires within the TTL, and the deadline rule has demoted it
 * before) or alive and renewing without seeing the request; then the next reconcile asks again.
 *
 * <p>A lease whose revoke or step-down request failed is not asked again before its backoff ran out
 * (capped exponential, full jitter), however often reconciles come: etcd failing at once must not
 * turn every reconcile into another call.
 */
final class LeaseRevoker {
  private static final Logger log = LoggerFactory.getLogger(LeaseRevoker.class);

  /** A master asked to step down usually has within this; the reconcile waits that long. */
  static final long STEP_DOWN_GRACE_MS = 1000;

  /** After the grace, how much longer than the TTL to wait for the lease to go. */
  private static final long EXPIRY_SLACK_MS = 2000;

  private static final long POLL_MS = 10;
  private static final long SLOW_POLL_MS = 200;
  private static final long WAIT_MS = STEP_DOWN_GRACE_MS + 1000;

  private final ElectionService elections;
  private final OperatorDefaults defaults;
  private final Set<Long> inFlight = ConcurrentHashMap.newKeySet();

  /**
   * Step-down requests waiting for their lease to go; apart from {@link #inFlight} so that a
   * revoke, once the pod shows its agent terminated, is not held up by a request still waiting.
   */
  private final Set<Long> stepDownsInFlight = ConcurrentHashMap.newKeySet();

  private final Map<Long, Retry> retries = new ConcurrentHashMap<>();

  /** A lease whose last call failed: when it may be asked again. */
  private static final class Retry {
    final Backoff backoff = Backoff.fullJitter(Duration.ofMillis(500), Duration.ofSeconds(30));
    volatile long notBeforeNanos;
  }

  LeaseRevoker(ElectionService elections, OperatorDefaults defaults) {
    this.elections = elections;
    this.defaults = defaults;
  }

  /**
   * Revokes the leases of gone pods and waits (bounded) for etcd to confirm, so pods the same
   * reconcile recreates under the same name start with a clean queue. A terminating master whose
   * agent still runs is asked to step down first.
   */
  void revokeGone(HighAvailabilityGroup hag, List<Pod> pods, Membership membership) {
    String election = membership.view().election();
    await(
        Revocations.plan(pods, membership).stream()
            .map(
                r ->
                    r.stepDownFirst()
                        ? stepDown(hag, election, r.leaseId(), r.member(), r.reason())
                        : revoke(hag, r.leaseId(), r.member(), r.reason()))
            .toList());
  }

  /**
   * A planned switchover: asks the pod's leading lease to step down (it demotes, then revokes its
   * lease, so the next candidate is elected only after it stopped answering master); other keys of
   * the pod are revoked.
   */
  void handOver(HighAvailabilityGroup hag, String pod, Membership membership) {
    long leaderLease = membership.leader().map(Candidate::leaseId).orElse(0L);
    String election = membership.view().election();
    await(
        membership.keysOf(pod).stream()
            .map(
                c ->
                    c.leaseId() == leaderLease
                        ? stepDown(hag, election, c.leaseId(), pod, "switchover")
                        : revoke(hag, c.leaseId(), pod, "switchover"))
            .toList());
  }

  private CompletableFuture<Void> stepDown(
      HighAvailabilityGroup hag, String election, long leaseId, String pod, String reason) {
    if (backingOff(leaseId) || !stepDownsInFlight.add(leaseId)) {
      return CompletableFuture.completedFuture(null);
    }
    List<String> endpoints = EtcdEndpoints.of(hag.getSpec(), defaults);
    log.atInfo()
        .addKeyValue("group", HighAvailabilityGroupReconciler.key(hag))
        .addKeyValue("pod", pod)
        .addKeyValue("lease", Long.toHexString(leaseId))
        .addKeyValue("reason", reason)
        .log("asking the master to step down");
    long asked = System.nanoTime();
    long graceEnd = asked + TimeUnit.MILLISECONDS.toNanos(STEP_DOWN_GRACE_MS);
    long expiryEnd =
        asked
            + TimeUnit.SECONDS.toNanos(AgentEnvVars.leaseTtl(hag.getSpec()))
            + TimeUnit.MILLISECONDS.toNanos(STEP_DOWN_GRACE_MS + EXPIRY_SLACK_MS);
    return elections
        .requestStepDown(endpoints, election, leaseId, reason)
        .thenCompose(ok -> awaitGone(endpoints, election, leaseId, graceEnd, POLL_MS))
        .thenCompose(
            gone -> {
              if (gone) {
                return CompletableFuture.completedFuture(true);
              }
              log.atWarn()
                  .addKeyValue("group", HighAvailabilityGroupReconciler.key(hag))
                  .addKeyValue("pod", pod)
                  .addKeyValue("lease", Long.toHexString(leaseId))
                  .addKeyValue("graceMs", STEP_DOWN_GRACE_MS)
                  .log(
                      "the master has not stepped down yet; waiting for it or for its lease to"
                          + " expire (it is not revoked from outside while its agent may run)");
              return awaitGone(endpoints, election, leaseId, expiryEnd, SLOW_POLL_MS);
            })
        .handle(
            (gone, error) -> {
              stepDownsInFlight.remove(leaseId);
              if (error != null) {
                failed(leaseId);
              }
              if (error != null || !gone) {
                log.atWarn()
                    .addKeyValue("group", HighAvailabilityGroupReconciler.key(hag))
                    .addKeyValue("pod", pod)
                    .addKeyValue("lease", Long.toHexString(leaseId))
                    .addKeyValue("error", error == null ? "" : error.toString())
                    .log(
                        "the master still holds its lease: its agent renews it but has not seen"
                            + " the step-down request (check the agent's etcd connection); asking"
                            + " again on the next reconcile");
              }
              return null;
            });
  }

  /** Completes with true once the election no longer holds the lease, false at the deadline. */
  private CompletableFuture<Boolean> awaitGone(
      List<String> endpoints, String election, long leaseId, long deadlineNanos, long pollMs) {
    boolean held =
        elections.view(endpoints, election).candidates().stream()
            .anyMatch(c -> c.leaseId() == leaseId);
    if (!held) {
      return CompletableFuture.completedFuture(true);
    }
    if (System.nanoTime() - deadlineNanos > 0) {
      return CompletableFuture.completedFuture(false);
    }
    return CompletableFuture.supplyAsync(
            () -> null, CompletableFuture.delayedExecutor(pollMs, TimeUnit.MILLISECONDS))
        .thenCompose(x -> awaitGone(endpoints, election, leaseId, deadlineNanos, pollMs));
  }

  private CompletableFuture<Void> revoke(
      HighAvailabilityGroup hag, long leaseId, String pod, String reason) {
    if (backingOff(leaseId) || !inFlight.add(leaseId)) {
      return CompletableFuture.completedFuture(null);
    }
    log.atInfo()
        .addKeyValue("group", HighAvailabilityGroupReconciler.key(hag))
        .addKeyValue("pod", pod)
        .addKeyValue("lease", Long.toHexString(leaseId))
        .addKeyValue("reason", reason)
        .log("revoking lease");
    return elections
        .revoke(EtcdEndpoints.of(hag.getSpec(), defaults), leaseId)
        .whenComplete(
            (ok, error) -> {
              inFlight.remove(leaseId);
              if (error == null) {
                retries.remove(leaseId);
              } else {
                log.atWarn()
                    .addKeyValue("lease", Long.toHexString(leaseId))
                    .addKeyValue("reason", reason)
                    .addKeyValue("retryInMs", failed(leaseId))
                    .addKeyValue("error", error.toString())
                    .log("lease revocation failed; it expires within its TTL");
              }
            });
  }

  private boolean backingOff(long leaseId) {
    Retry r = retries.get(leaseId);
    if (r == null) {
      return false;
    }
    synchronized (r) {
      return System.nanoTime() - r.notBeforeNanos < 0;
    }
  }

  /** Records a failed call for the lease; returns how long until it may be asked again. */
  private long failed(long leaseId) {
    long now = System.nanoTime();
    // Leases that stopped failing long ago (expired meanwhile) are forgotten.
    retries.values().removeIf(r -> now - r.notBeforeNanos > TimeUnit.MINUTES.toNanos(5));
    Retry r = retries.computeIfAbsent(leaseId, k -> new Retry());
    synchronized (r) {
      long delay = r.backoff.nextDelayMillis();
      r.notBeforeNanos = now + TimeUnit.MILLISECONDS.toNanos(delay);
      return delay;
    }
  }

  private static void await(List<CompletableFuture<Void>> calls) {
    try {
      CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new))
          .get(WAIT_MS, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      // Logged per lease above; the reconcile goes on and the next one sees the outcome.
    }
  }
}
