package dev.halo.agent;

/**
 * What {@code GET /status} returns. {@code term} is the fencing token: while master, the create
 * revision of this agent's candidate key (it only grows from one master to the next); while
 * standby, the term of the leader last read (0 when none). {@code validUntil} is the agent's
 * deadline as RFC 3339 UTC wall-clock time with milliseconds while master, null otherwise. {@code
 * leaderRevision} is a deprecated alias of {@code term}. {@code etcdFailure} is the kind of the
 * latest etcd failure ({@code Unreachable}, {@code TLSFailed}, {@code CertificateExpired}, {@code
 * AuthFailed}, {@code PermissionDenied}; empty while etcd answers) and {@code etcdFailureMessage}
 * what to do about it. {@code fencedBy} names the pod and lease whose fence keeps this agent,
 * though it leads, from becoming master (empty when none). {@code heldOut} is true while the
 * agent's site is held out of the election ({@code spec.site.failover: Manual} with the master on
 * another site): the last read of {@code holdKey}, the site's hold key ({@code
 * /halo/_sites/<group>/hold/<site>}, empty for a group on one site), found it, so the agent does
 * not campaign (phase {@code idle}) unless it is master; it is true too while the agent's own hold
 * ({@code memberHoldKey}, {@code <group prefix>/_hold/[<site>/]<pod>}, put by the operator for a
 * member the spec never wants as master, e.g. {@code spec.election.neverMaster}) exists. {@code
 * heldOutReason} says which hold and why (empty when none).
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
    String etcdFailureMessage,
    String fencedBy,
    boolean heldOut,
    String holdKey,
    String memberHoldKey,
    String heldOutReason) {}
