package dev.halo.operator.election;

/**
 * A candidate key that left an election, as the operator's watch saw it.
 *
 * @param member the pod name the key held
 * @param leaseId the key's lease
 * @param revision the etcd revision of the deletion
 * @param seenAtMillis when the watch delivered the deletion (wall clock, ms)
 * @param wasLeader whether the key led the election when it went
 * @param how how it went, see {@link How}
 * @param left why its agent left, when it marked that ({@link How#MARKED}); empty otherwise
 * @param site the site its member identity named (a group spread over sites); empty when it named
 *     none or the key carried no identity
 */
public record KeyDeparture(
    String member,
    long leaseId,
    long revision,
    long seenAtMillis,
    boolean wasLeader,
    How how,
    String left,
    String site) {

  public KeyDeparture {
    site = site == null ? "" : site;
  }

  /** A departure of a key whose identity named no site. */
  public KeyDeparture(
      String member,
      long leaseId,
      long revision,
      long seenAtMillis,
      boolean wasLeader,
      How how,
      String left) {
    this(member, leaseId, revision, seenAtMillis, wasLeader, how, left, "");
  }

  /** How a key left, from what else changed in etcd at the same revision. */
  public enum How {
    /** Its agent deleted it and marked why on its identity in the same transaction. */
    MARKED,
    /** It went with its lease (its identity was deleted at the same revision): expiry or revoke. */
    WITH_LEASE,
    /** Only the key was deleted, without a mark: an older agent resigning, or etcdctl del. */
    DELETED
  }
}
