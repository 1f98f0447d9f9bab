package dev.halo.operator.election;

import dev.halo.common.MemberIdentity;
import java.util.Optional;

/**
 * A candidate key of an election: {@code <election>/<lease hex>}, whose value is the pod name.
 *
 * @param key the full etcd key
 * @param member the pod name stored as the value
 * @param createRevision the key's create revision; the lowest live one is the leader
 * @param leaseId the lease attached to the key (0 if none)
 * @param identity who holds the key, as its agent published it under the same lease ({@link
 *     dev.halo.common.ElectionKeys#memberKey}); empty when no identity is attached to the lease
 */
public record Candidate(
    String key,
    String member,
    long createRevision,
    long leaseId,
    Optional<MemberIdentity> identity) {

  /** A candidate whose lease carries no identity (a foreign or an older agent's key). */
  public Candidate(String key, String member, long createRevision, long leaseId) {
    this(key, member, createRevision, leaseId, Optional.empty());
  }

  /** This candidate with {@code identity} attached. */
  public Candidate withIdentity(Optional<MemberIdentity> identity) {
    return new Candidate(key, member, createRevision, leaseId, identity);
  }

  /** The lease id as etcd tools print it. */
  public String leaseHex() {
    return Long.toHexString(leaseId);
  }
}
