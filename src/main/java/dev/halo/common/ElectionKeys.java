package dev.halo.common;

/**
 * The etcd key layout of a group's election, shared by the operator and the agent.
 *
 * <p>It follows etcd's {@code concurrency.Election}: candidates live under {@code <election>/},
 * each at {@code <election>/<lease id in lowercase hex>} with the pod name as value, and the leader
 * is the live key with the lowest create revision.
 *
 * <p>A planned hand-over asks the master to step down rather than revoking its lease from outside,
 * so that the old master demotes before anyone else can be elected: the operator puts {@link
 * #stepDownKey} of the master's lease, attached to that same lease (it vanishes with it); the agent
 * holding the lease watches that key, demotes, then revokes its lease.
 */
public final class ElectionKeys {
  private static final String STEP_DOWN_ROOT = "/halo-stepdown";

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

  /**
   * The step-down request for a lease: {@code /halo-stepdown<election>/<lease id hex>}, outside
   * every election's prefix (and outside {@code etcdctl get <election> --prefix}) so that it is
   * never taken for a candidate.
   */
  public static String stepDownKey(String election, long leaseId) {
    return STEP_DOWN_ROOT + election + "/" + Long.toHexString(leaseId);
  }

  /** A lease id in the form etcd tools print it (lowercase hex). */
  public static String leaseHex(long leaseId) {
    return Long.toHexString(leaseId);
  }
}
