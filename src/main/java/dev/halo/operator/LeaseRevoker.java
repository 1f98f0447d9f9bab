package dev.halo.operator;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.ElectionService;
import dev.halo.operator.election.ElectionView;
import dev.halo.operator.model.EtcdEndpoints;
import dev.halo.operator.model.OperatorDefaults;
import dev.halo.operator.model.Revocations;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Revokes etcd leases for operator-assisted failover: those of pods that are gone (so a standby
 * takes over at once instead of after the TTL) and the master's on a planned hand-over. Each lease
 * is revoked once even while reconciles overlap with the revocation in flight.
 */
final class LeaseRevoker {
  private static final Logger log = LoggerFactory.getLogger(LeaseRevoker.class);
  private static final long WAIT_MS = 2000;

  private final ElectionService elections;
  private final OperatorDefaults defaults;
  private final Set<Long> inFlight = ConcurrentHashMap.newKeySet();

  LeaseRevoker(ElectionService elections, OperatorDefaults defaults) {
    this.elections = elections;
    this.defaults = defaults;
  }

  /**
   * Revokes the leases of gone pods and waits (bounded) for etcd to confirm, so pods the same
   * reconcile recreates under the same name start with a clean queue.
   */
  void revokeGone(HighAvailabilityGroup hag, List<Pod> pods, ElectionView view) {
    List<CompletableFuture<Void>> calls =
        Revocations.plan(hag.getMetadata().getName(), pods, view).stream()
            .map(r -> revoke(hag, r.leaseId(), r.member(), r.reason()))
            .toList();
    await(calls);
  }

  /** Revokes every lease a pod holds, so the next candidate is elected: a planned switchover. */
  void handOver(HighAvailabilityGroup hag, String pod, ElectionView view) {
    await(
        view.candidatesOf(pod).stream()
            .map(Candidate::leaseId)
            .map(id -> revoke(hag, id, pod, "switchover"))
            .toList());
  }

  private CompletableFuture<Void> revoke(
      HighAvailabilityGroup hag, long leaseId, String pod, String reason) {
    if (!inFlight.add(leaseId)) {
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
              if (error != null) {
                log.atWarn()
                    .addKeyValue("lease", Long.toHexString(leaseId))
                    .addKeyValue("error", error.toString())
                    .log("lease revocation failed; it expires within its TTL");
              }
            });
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
