package dev.halo.operator;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.ElectionService;
import dev.halo.operator.election.Fence;
import dev.halo.operator.election.RemovalPath;
import dev.halo.operator.election.Removed;
import dev.halo.operator.model.EtcdEndpoints;
import dev.halo.operator.model.LeaseAction;
import dev.halo.operator.model.Membership;
import dev.halo.operator.model.OperatorDefaults;
import dev.halo.operator.model.Revocations;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes the group's candidate keys by the path each removal was given (at once, as a
 * never-leader, or under a fence: docs/fencing.md), finishes the fences a removal left {@code
 * revoking} (an operator that stopped or lost etcd half-way), and reports every removal ({@link
 * Removals}). It starts the calls and returns; each lease has one call at a time and none while its
 * last failed call backs off ({@link LeaseCalls}).
 */
final class KeyRemover {
  private static final Logger log = LoggerFactory.getLogger(KeyRemover.class);

  /** Told of each key removed (the path it took) and of each fence that cannot be read. */
  interface Removals {
    void removed(HighAvailabilityGroup hag, Revocations.Revocation removal, Removed removed);

    void unreadableFence(HighAvailabilityGroup hag, Fence fence);

    /**
     * Another site's fence was left unfinished for {@code seconds}, longer than its site's operator
     * needs ({@link #abandonedAfterMillis}), and was finished here.
     */
    default void abandonedFenceFinished(HighAvailabilityGroup hag, Fence fence, long seconds) {}

    /** Reports nothing. */
    Removals NONE =
        new Removals() {
          @Override
          public void removed(HighAvailabilityGroup hag, Revocations.Revocation r, Removed d) {}

          @Override
          public void unreadableFence(HighAvailabilityGroup hag, Fence fence) {}
        };
  }

  private final ElectionService elections;
  private final OperatorDefaults defaults;
  private final LeaseCalls calls;
  private final LeaseActions actions;
  private final Removals removals;
  private final LongSupplier clockMillis;

  /**
   * When this remover first saw each of another site's fences unfinished, by {@code
   * key@modRevision} (monotonic ms).
   */
  private final Map<String, Long> unfinishedSince =
      Collections.synchronizedMap(
          new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
              return size() > 1000;
            }
          });

  /** Fences finished here, as {@code key@modRevision}: the write a view behind etcd still shows. */
  private final Set<String> finished =
      Collections.newSetFromMap(
          Collections.synchronizedMap(
              new LinkedHashMap<>() {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                  return size() > 1000;
                }
              }));

  KeyRemover(
      ElectionService elections,
      OperatorDefaults defaults,
      LeaseCalls calls,
      LeaseActions actions,
      Removals removals,
      LongSupplier clockMillis) {
    this.elections = elections;
    this.defaults = defaults;
    this.calls = calls;
    this.actions = actions;
    this.removals = removals;
    this.clockMillis = clockMillis;
  }

  /**
   * How long another site's fence may stay {@code revoking} before this site finishes it: its own
   * operator finishes it right after the delete, or at its next reconcile once it can reach etcd
   * again; twice the armed fence's life (lease TTL + 1 s), at least 10 s, means that site's
   * operator is gone or cut off. Finishing it is the same conditional step whoever takes it.
   */
  static long abandonedAfterMillis(Fence fence) {
    long ttl = fence.value().map(v -> v.ttlSeconds()).orElse(0L);
    return Math.max(10_000, 2 * (ttl + 1) * 1000);
  }

  /** Removes a key by its path; each lease once at a time, and not while its calls back off. */
  void remove(HighAvailabilityGroup hag, String election, Revocations.Revocation r) {
    long leaseId = r.leaseId();
    if (!calls.begin(leaseId)) {
      return;
    }
    log.atInfo()
        .addKeyValue("group", HighAvailabilityGroupReconciler.key(hag))
        .addKeyValue("pod", r.member())
        .addKeyValue("lease", Long.toHexString(leaseId))
        .addKeyValue("reason", r.reason())
        .addKeyValue("path", r.path().label())
        .addKeyValue("witness", r.witness().map(Candidate::member).orElse(""))
        .log("removing key");
    actions.record(
        leaseId,
        r.path() == RemovalPath.IMMEDIATE ? LeaseAction.Kind.REVOKE : LeaseAction.Kind.FENCE,
        r.reason());
    elections
        .remove(EtcdEndpoints.of(hag.getSpec(), defaults), election, r.removal())
        .whenComplete(
            (removed, error) -> {
              calls.end(leaseId, error == null);
              if (error == null) {
                report(hag, r, removed);
              } else {
                log.atWarn()
                    .addKeyValue("group", HighAvailabilityGroupReconciler.key(hag))
                    .addKeyValue("lease", Long.toHexString(leaseId))
                    .addKeyValue("reason", r.reason())
                    .addKeyValue("path", r.path().label())
                    .addKeyValue("retryInMs", calls.failed(leaseId))
                    .addKeyValue("error", error.toString())
                    .log(
                        "removing the key failed; it is tried again (a fence put meanwhile holds"
                            + " the next master back until it is finished)");
              }
            });
  }

  private void report(HighAvailabilityGroup hag, Revocations.Revocation r, Removed removed) {
    if (!removed.done()) {
      log.atDebug()
          .addKeyValue("group", HighAvailabilityGroupReconciler.key(hag))
          .addKeyValue("lease", Long.toHexString(r.leaseId()))
          .log("the key or its lease had gone already");
      return;
    }
    log.atInfo()
        .addKeyValue("group", HighAvailabilityGroupReconciler.key(hag))
        .addKeyValue("pod", r.member())
        .addKeyValue("lease", Long.toHexString(r.leaseId()))
        .addKeyValue("path", removed.path().label())
        .addKeyValue("fenceTtlSeconds", removed.fenceTtlSeconds())
        .log(
            removed.path() == RemovalPath.FENCED
                ? "key removed under a fence; the next master waits for the old holder's deadline"
                : "key removed");
    removals.removed(hag, r, removed);
  }

  /**
   * Finishes the group's fences that a removal left {@code revoking} (an operator stopped or lost
   * etcd half-way), unless this remover's own removal of that lease is still under way; reports
   * unreadable ones. A group spread over sites finishes its own members' fences at once ({@link
   * Membership#finishes}) and another site's only once that site's operator has left it unfinished
   * for {@link #abandonedAfterMillis}: otherwise a site lost in the middle of a removal would hold
   * every other site's candidates back for good. Returns whether any fence is unfinished.
   */
  boolean finishFences(HighAvailabilityGroup hag, Membership membership) {
    boolean unfinished = false;
    long now = clockMillis.getAsLong();
    for (Fence f : membership.view().fences()) {
      if (f.value().isEmpty()) {
        removals.unreadableFence(hag, f);
      } else if (f.unfinished() && membership.finishes(f)) {
        unfinished = true;
        finish(hag, f, -1);
      } else if (f.unfinished()) {
        unfinished = true;
        long since = unfinishedSince.computeIfAbsent(written(f), k -> now);
        if (now - since >= abandonedAfterMillis(f)) {
          finish(hag, f, (now - since) / 1000);
        }
      }
    }
    return unfinished;
  }

  private static String written(Fence fence) {
    return fence.key() + "@" + fence.modRevision();
  }

  /**
   * Finishes {@code fence}; {@code abandonedSeconds} ≥ 0 when it is another site's, left so long.
   */
  private void finish(HighAvailabilityGroup hag, Fence fence, long abandonedSeconds) {
    long lease = fence.value().orElseThrow().fencedLease();
    // A view that still shows a fence this releaser finished is behind: not again.
    String written = written(fence);
    if (finished.contains(written) || !calls.begin(lease)) {
      return;
    }
    log.atInfo()
        .addKeyValue("group", HighAvailabilityGroupReconciler.key(hag))
        .addKeyValue("fence", fence.key())
        .addKeyValue("fenced", fence.describe())
        .addKeyValue("otherSiteLeftItForSeconds", abandonedSeconds < 0 ? "" : abandonedSeconds)
        .log("finishing a fence left unfinished: revoking the fenced lease again, then arming it");
    elections
        .finishFence(EtcdEndpoints.of(hag.getSpec(), defaults), fence)
        .whenComplete(
            (ok, error) -> {
              calls.end(lease, error == null);
              if (error == null) {
                finished.add(written);
                unfinishedSince.remove(written);
                if (abandonedSeconds >= 0) {
                  removals.abandonedFenceFinished(hag, fence, abandonedSeconds);
                }
              } else {
                log.atWarn()
                    .addKeyValue("group", HighAvailabilityGroupReconciler.key(hag))
                    .addKeyValue("fence", fence.key())
                    .addKeyValue("retryInMs", calls.failed(lease))
                    .addKeyValue("error", error.toString())
                    .log("could not finish the fence; the group has no master until it is done");
              }
            });
  }
}
