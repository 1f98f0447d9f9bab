package dev.halo.agent;

/**
 * What {@code GET /status} returns. {@code leaderRevision} is the leader key's create revision: it
 * only grows from one leader to the next, so the workload can use it as a fencing token.
 */
public record AgentStatus(
    String member,
    String role,
    String leader,
    long leaderRevision,
    String leaseId,
    String key,
    long createRevision,
    long deadlineRemainingMs,
    boolean eligible,
    boolean etcdReachable,
    String phase,
    int leaseTtlSeconds) {}
