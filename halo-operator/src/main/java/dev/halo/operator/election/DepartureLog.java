package dev.halo.operator.election;

import dev.halo.common.MemberIdentity;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tells how each deleted candidate key left, from the other changes of its revision: an agent that
 * leaves on its own marks its identity and deletes its key in one transaction; a lease that ends
 * deletes key and identity together; anything else deleted the key alone. A revision's changes all
 * come in one watch response, so the deletions of a response are settled at its end. Written by the
 * watch thread only, like the cache that owns it; read by any.
 */
final class DepartureLog {
  /** The departures kept per election, newest last. */
  static final int KEPT = 8;

  private record Pending(
      String election,
      Candidate key,
      long revision,
      long seenAtMillis,
      boolean wasLeader,
      Optional<MemberIdentity> identity) {}

  private record Mark(long revision, String left) {}

  private final List<Pending> pending = new ArrayList<>();
  private final Map<Long, Long> identityDeletedAt = new HashMap<>();
  // The site of an identity deleted just before its key, in the same watch response.
  private final Map<Long, String> deletedSites = new HashMap<>();
  private final Map<Long, Mark> marks = new HashMap<>();
  // Read by any thread: each value is an immutable list, replaced on change.
  private final Map<String, List<KeyDeparture>> settled = new ConcurrentHashMap<>();

  /**
   * A candidate key was deleted; {@code identity} is its lease's identity as it was just before.
   */
  void keyDeleted(
      String election,
      Candidate key,
      long revision,
      long seenAtMillis,
      boolean wasLeader,
      Optional<MemberIdentity> identity) {
    pending.add(new Pending(election, key, revision, seenAtMillis, wasLeader, identity));
  }

  /** A lease's identity was put at {@code revision}. */
  void identityPut(long leaseId, MemberIdentity identity, long revision) {
    identity.leftBecause().ifPresent(left -> marks.put(leaseId, new Mark(revision, left)));
  }

  /** A lease's identity, {@code identity}, was deleted at {@code revision}. */
  void identityDeleted(long leaseId, MemberIdentity identity, long revision) {
    identityDeletedAt.put(leaseId, revision);
    deletedSites.put(leaseId, identity.site());
  }

  /** Classifies the deletions seen since the last call. */
  void settle() {
    for (Pending p : pending) {
      long lease = p.key().leaseId();
      Mark mark = marks.get(lease);
      String left =
          mark != null && mark.revision() == p.revision()
              ? mark.left()
              : p.identity().flatMap(MemberIdentity::leftBecause).orElse("");
      KeyDeparture.How how;
      if (!left.isEmpty()) {
        how = KeyDeparture.How.MARKED;
      } else if (identityDeletedAt.getOrDefault(lease, -1L) == p.revision()
          || p.identity().isEmpty()) {
        how = KeyDeparture.How.WITH_LEASE;
      } else {
        how = KeyDeparture.How.DELETED;
      }
      List<KeyDeparture> list = new ArrayList<>(settled.getOrDefault(p.election(), List.of()));
      list.add(
          new KeyDeparture(
              p.key().member(),
              lease,
              p.revision(),
              p.seenAtMillis(),
              p.wasLeader(),
              how,
              left,
              p.identity()
                  .map(MemberIdentity::site)
                  .orElseGet(() -> deletedSites.getOrDefault(lease, ""))));
      settled.put(
          p.election(), List.copyOf(list.subList(Math.max(0, list.size() - KEPT), list.size())));
    }
    clearScratch();
  }

  /** A full read replaced everything: deletions not settled yet are not known to be complete. */
  void reset() {
    clearScratch();
  }

  /** The departures of {@code election}, oldest first. */
  List<KeyDeparture> of(String election) {
    return settled.getOrDefault(election, List.of());
  }

  void forget(String election) {
    settled.remove(election);
  }

  private void clearScratch() {
    pending.clear();
    identityDeletedAt.clear();
    deletedSites.clear();
    marks.clear();
  }
}
