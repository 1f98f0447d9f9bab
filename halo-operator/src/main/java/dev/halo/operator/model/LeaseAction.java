package dev.halo.operator.model;

/**
 * Something the operator itself did to a lease, and when (wall clock, ms).
 *
 * @param kind asked its holder to step down, revoked it, or removed its key under a fence
 * @param reason why: {@code switchover} for a hand-over (planned switchover, rollout, scale-down),
 *     else the revocation's or step-down's reason
 * @param atMillis when the operator sent it
 */
public record LeaseAction(Kind kind, String reason, long atMillis) {
  /** The reason the operator gives a hand-over's step-down request. */
  public static final String HAND_OVER = "switchover";

  public enum Kind {
    STEP_DOWN,
    REVOKE,
    /** Removed under a fence (never-leader or fenced): the next master waited when it had to. */
    FENCE
  }

  /** Whether this was part of a hand-over the operator started. */
  public boolean handOver() {
    return HAND_OVER.equals(reason);
  }
}
