package dev.halo.agent;

import dev.halo.etcd.EtcdFailure;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The agent's only way to talk to etcd: leases, its candidate key and the election prefix. Every
 * call completes (normally or exceptionally) within the client's call timeout.
 */
public interface ElectionClient extends AutoCloseable {

  /** A candidate key of the election. */
  record Candidate(String key, String value, long createRevision, long leaseId) {}

  /**
   * A fence the operator put when it removed a key whose holder may still run ({@link
   * dev.halo.common.ElectionKeys#fenceKey}): no key younger than the fenced one may become master
   * while it exists.
   *
   * @param key the fence key
   * @param fencedLease the removed key's lease
   * @param fencedCreateRevision the removed key's create revision (0 when the value is unreadable:
   *     then it holds back every key)
   * @param member the pod the removed key named, for logs and status
   */
  record Fence(String key, long fencedLease, long fencedCreateRevision, String member) {
    public Fence(String key, long fencedLease, long fencedCreateRevision) {
      this(key, fencedLease, fencedCreateRevision, "");
    }
  }

  /**
   * The current leader (the live key with the lowest create revision) at a store revision, and the
   * group's fences at that same revision.
   */
  record LeaderView(Optional<Candidate> leader, long revision, List<Fence> fences) {
    public LeaderView {
      fences = List.copyOf(fences);
    }

    /** A view without fences. */
    public LeaderView(Optional<Candidate> leader, long revision) {
      this(leader, revision, List.of());
    }
  }

  /** A change under the election prefix. */
  record KeyChange(String key, boolean deleted) {}

  /** Receives watch events; {@link #onBroken} means the watch ended and must be re-created. */
  interface WatchHandler {
    void onChanges(List<KeyChange> changes);

    void onBroken(Throwable cause);
  }

  /** Thrown (as a cause) when etcd says a lease does not exist any more. */
  final class LeaseNotFoundException extends RuntimeException {
    public LeaseNotFoundException(long leaseId) {
      super("lease " + Long.toHexString(leaseId) + " not found");
    }
  }

  /** Grants a lease; completes with its id and the TTL the server granted. */
  CompletableFuture<Lease> grant(int ttlSeconds);

  /** A granted or renewed lease. */
  record Lease(long id, long ttlSeconds) {}

  /** Renews a lease once; fails with {@link LeaseNotFoundException} when the lease is gone. */
  CompletableFuture<Lease> keepAliveOnce(long leaseId);

  /** Revokes a lease and with it every key attached to it. */
  CompletableFuture<Void> revoke(long leaseId);

  /** A key that says who holds a lease ({@link dev.halo.common.MemberIdentity}) and its value. */
  record Identity(String key, String value) {}

  /**
   * Creates {@code key} with {@code value} under the lease unless it exists (then its value is
   * updated), and puts {@code identity} under the same lease in the same transaction; completes
   * with the key's create revision, its place in the queue.
   */
  CompletableFuture<Long> campaign(String key, String value, long leaseId, Identity identity);

  /**
   * Leaves the election on one's own: in one transaction, puts {@code marked} (the identity, marked
   * with why it leaves) under the lease and deletes the candidate {@code key}, so a watcher sees
   * both at the same revision and can tell this from a lease that expired. Fails when the lease is
   * already gone.
   */
  CompletableFuture<Void> leave(String key, long leaseId, Identity marked);

  /** Deletes a key. */
  CompletableFuture<Void> delete(String key);

  /** Reads the current leader of the election under {@code prefix}. */
  CompletableFuture<LeaderView> leader(String prefix);

  /**
   * Reads the current leader of the election under {@code prefix} and, at the same store revision,
   * the fences under {@code fencePrefix}. Clients that cannot read both at one revision (test
   * doubles) return the leader alone.
   */
  default CompletableFuture<LeaderView> leader(String prefix, String fencePrefix) {
    return leader(prefix);
  }

  /** Whether {@code key} exists now. */
  CompletableFuture<Boolean> exists(String key);

  /**
   * The value of {@code key} now, empty when it does not exist. Clients that only count keys (test
   * doubles) answer an empty string for a key that exists.
   */
  default CompletableFuture<java.util.Optional<String>> value(String key) {
    return exists(key).thenApply(e -> e ? java.util.Optional.of("") : java.util.Optional.empty());
  }

  /** Watches {@code prefix} from {@code fromRevision}; close the result to stop. */
  AutoCloseable watch(String prefix, long fromRevision, WatchHandler handler);

  /** What the latest failed call meant, until a call succeeds again; empty when etcd answers. */
  default Optional<EtcdFailure> lastFailure() {
    return Optional.empty();
  }

  @Override
  void close();
}
