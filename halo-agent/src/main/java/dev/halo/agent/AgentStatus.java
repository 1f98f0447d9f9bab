package dev.halo.agent;

/**
 * What {@code GET /status} returns. {@code leaderRevision} is the leader key's create revision: it
 * only grows from one leader to the next, so the workload can use it as a fencing token. {@code
 * etcdFailure} is the kind of the latest etcd failure ({@code Unreachable}, {@code TLSFailed},
 * {@code CertificateExpired}, {@code AuthFailed}, {@code PermissionDenied}; empty while etcd
 * answers) and {@code etcdFailureMessage} what to do about it. {@code fencedBy} names the pod and
 * lease whose fence keeps this agent, though it leads, from becoming master (empty when none).
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
    int leaseTtlSeconds,
    String etcdFailure,
    String etcdFailureMessage,
    String fencedBy) {}
