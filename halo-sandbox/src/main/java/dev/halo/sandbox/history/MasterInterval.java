package dev.halo.sandbox.history;

/**
 * One stretch of time during which an agent could answer {@code master}: from the promotion's
 * monotonic timestamp to the demotion's (or the deadline's, when that passed first), or to the end
 * the harness supplied when the history left it open.
 *
 * @param source the history file it comes from
 * @param member the agent's member name (the pod)
 * @param lease the hex lease id of the agent's candidate key
 * @param pid the agent process
 * @param term the promotion's term: its candidate key's create revision
 * @param startNanos the promotion's {@code atNanos}
 * @param endNanos when it could no longer answer master ({@link System#nanoTime} of this machine)
 * @param startedAt the promotion's wall-clock time, for a human reading a report
 * @param ended how it ended, in words
 */
public record MasterInterval(
    String source,
    String member,
    String lease,
    long pid,
    long term,
    long startNanos,
    long endNanos,
    String startedAt,
    String ended) {

  /** Whether both intervals belong to one candidate key (the same lease and term re-promoted). */
  public boolean sameKey(MasterInterval other) {
    return member.equals(other.member) && lease.equals(other.lease) && term == other.term;
  }

  /** A short name for reports: member, term, lease, start. */
  public String describe() {
    return member
        + " (term "
        + term
        + ", lease "
        + lease
        + ", pid "
        + pid
        + ", from "
        + startedAt
        + ", "
        + ended
        + ")";
  }
}
