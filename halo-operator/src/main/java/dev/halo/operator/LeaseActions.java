package dev.halo.operator;

import dev.halo.operator.model.LeaseAction;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the operator itself did to each lease (asked its holder to step down, revoked it) and when,
 * so a failover record can tell a hand-over or a revocation from a departure the agent chose. The
 * first action on a lease is kept, for ten minutes.
 */
final class LeaseActions {
  private static final long KEEP_MILLIS = 10 * 60 * 1000;

  private final Map<Long, LeaseAction> byLease = new ConcurrentHashMap<>();

  void record(long leaseId, LeaseAction.Kind kind, String reason) {
    long now = System.currentTimeMillis();
    byLease.values().removeIf(a -> now - a.atMillis() > KEEP_MILLIS);
    byLease.putIfAbsent(leaseId, new LeaseAction(kind, reason, now));
  }

  Optional<LeaseAction> of(long leaseId) {
    return Optional.ofNullable(byLease.get(leaseId));
  }
}
