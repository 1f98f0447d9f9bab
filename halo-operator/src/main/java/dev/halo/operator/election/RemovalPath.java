package dev.halo.operator.election;

/**
 * How the operator removes a candidate key of its own group, so that no one becomes master while
 * the key's holder may still act as one (docs/fencing.md). The choice is {@code model/}'s; this is
 * the vocabulary etcd calls, metrics and events share.
 */
public enum RemovalPath {
  /** Its agent is asked to step down: it demotes, then removes its key itself. */
  STEP_DOWN("step-down"),
  /** Its holder is known dead (agent container terminated, pod failed, a restarted agent's key). */
  IMMEDIATE("immediate"),
  /**
   * An older key still exists (checked in the same transaction that deletes this one): this key
   * never led, so its holder was never master. Removed at once, under a fence for the moment
   * between the delete and the revoke.
   */
  NEVER_LEADER("never-leader"),
  /**
   * The holder may run and may have led: a fence, then the revoke, then the fence lives one second
   * longer than the lease's TTL; the next master waits for it.
   */
  FENCED("fenced");

  private final String label;

  RemovalPath(String label) {
    this.label = label;
  }

  /** The name in metrics, events and logs. */
  public String label() {
    return label;
  }
}
