package dev.halo.agent;

/**
 * What {@code GET /status} returns. {@code term} is the fencing token: while master, the create
 * revision of this agent's candidate key (it only grows from one master to the next); while
 * standby, the term of the leader last read (0 when none). {@code validUntil} is the agent's
 * deadline as RFC 3339 UTC wall-clock time with milliseconds while master, null otherwise. {@code
 * leaderRevision} is a deprecated alias of {@code term}. {@code etcdFailure} is the kind of the
 * latest etcd failure ({@code Unreachable}, {@code TLSFailed}, {@code CertificateExpired}, {@code
 * AuthFailed}, {@code PermissionDenied}; empty while etcd answers) and {@code etcdFailureMessage}
 * what to do about it.
 */
public record AgentStatus(
    String member,
    String role,
    long term,
    String validUntil,
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
    String etcdFailureMessage) {}
