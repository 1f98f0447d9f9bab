package dev.halo.operator.election;

/**
 * A candidate key of an election: {@code <election>/<lease hex>}, whose value is the pod name.
 *
 * @param key the full etcd key
 * @param member the pod name stored as the value
 * @param createRevision the key's create revision; the lowest live one is the leader
 * @param leaseId the lease attached to the key (0 if none)
 */
public record Candidate(String key, String member, long createRevision, long leaseId) {}
