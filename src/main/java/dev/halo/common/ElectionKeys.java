package dev.halo.common;

/**
 * The etcd key layout of a group's election, shared by the operator and the agent.
 *
 * <p>It follows etcd's {@code concurrency.Election}: candidates live under {@code <election>/},
 * each at {@code <election>/<lease id in lowercase hex>} with the pod name as value, and the leader
 * is the live key with the lowest create revision.
 */
public final class ElectionKeys {
  private ElectionKeys() {}

  /** The election name of a group: {@code /halo/<namespace>/<group>/election}. */
  public static String electionName(String namespace, String group) {
    return "/halo/" + namespace + "/" + group + "/election";
  }

  /** The prefix under which candidate keys of an election live. */
  public static String prefix(String election) {
    return election + "/";
  }

  /** The candidate key of a lease in an election. */
  public static String candidateKey(String election, long leaseId) {
    return prefix(election) + Long.toHexString(leaseId);
  }

  /** A lease id in the form etcd tools print it (lowercase hex). */
  public static String leaseHex(long leaseId) {
    return Long.toHexString(leaseId);
  }
}
