package dev.halo.operator;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which groups' status a reconcile leaves to the next one: when the election changed while it ran,
 * its watch event has queued the next reconcile, which starts as this one ends and writes a status
 * that is not out of date already; a relabelling waiting behind this reconcile then does not also
 * wait for a status patch. Never twice in a row for a group, so an election that keeps changing
 * still gets its status written.
 */
final class StatusDeferrals {
  private final Set<String> deferred = ConcurrentHashMap.newKeySet();

  /** Whether {@code group}'s reconcile leaves the status to the next one. */
  boolean defer(String group, boolean electionMovedOn) {
    if (electionMovedOn && deferred.add(group)) {
      return true;
    }
    deferred.remove(group);
    return false;
  }

  /** Forgets a deleted group. */
  void forget(String group) {
    deferred.remove(group);
  }
}
