package dev.halo.operator.election;

import static dev.halo.operator.election.ElectionKeyValues.bytes;

import dev.halo.common.ElectionKeys;
import dev.halo.common.Failures;
import dev.halo.common.FenceValue;
import dev.halo.etcd.EtcdClient;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The operator's removals of candidate keys whose holder may still run (docs/fencing.md), each step
 * one etcd call bounded by the call timeout:
 *
 * <ul>
 *   <li><b>never-leader</b>: one transaction, only if the older witness key and the key still have
 *       their create revisions: put the fence ({@code revoking}, no lease) and delete the key; then
 *       revoke the lease and delete the fence. If the witness went meanwhile, the key may have led:
 *       fenced instead.
 *   <li><b>fenced</b>: read the lease's granted TTL T (a gone lease leaves nothing to fence); one
 *       transaction, only if the key still has its create revision: put the fence ({@code
 *       revoking}, no lease) and delete the key; revoke the lease; grant a lease of T + 1 s and put
 *       the fence again ({@code armed}) under it, only if nobody wrote it since.
 * </ul>
 *
 * A step that fails leaves a {@code revoking} fence, which holds the group's later keys back until
 * an operator finishes it ({@link #finish}): revoke the lease again, then arm or drop the fence.
 */
final class EtcdFences {
  private final Supplier<EtcdClient> client;
  private final long timeoutMs;

  EtcdFences(Supplier<EtcdClient> client, long timeoutMs) {
    this.client = client;
    this.timeoutMs = timeoutMs;
  }

  /** Removes a key by {@code removal}'s path (never-leader or fenced). */
  CompletableFuture<Removed> remove(String election, KeyRemoval removal) {
    if (removal.path() == RemovalPath.NEVER_LEADER && removal.witness().isPresent()) {
      return neverLeader(election, removal);
    }
    return fence(election, removal.key(), removal.fence());
  }

  /** Finishes a fence an operator left {@code revoking}: revoke again, then arm or drop it. */
  CompletableFuture<Removed> finish(Fence fence) {
    FenceValue v = fence.value().orElseThrow();
    RemovalPath path = v.neverLeader() ? RemovalPath.NEVER_LEADER : RemovalPath.FENCED;
    return revoke(v.fencedLease())
        .thenCompose(
            ok ->
                v.neverLeader()
                    ? drop(fence.key(), fence.modRevision())
                    : arm(fence.key(), v, fence.modRevision()))
        .thenApply(ok -> new Removed(path, v.ttlSeconds(), true));
  }

  private CompletableFuture<Removed> neverLeader(String election, KeyRemoval removal) {
    Candidate key = removal.key();
    Candidate witness = removal.witness().orElseThrow();
    String fenceKey = ElectionKeys.fenceKey(election, key.leaseId());
    FenceValue value = fenceValue(removal.fence(), key, 0, FenceValue.NEVER_LEADER);
    return call(() ->
            etcd()
                .getKVClient()
                .txn()
                .If(
                    createdAt(witness.key(), witness.createRevision()),
                    createdAt(key.key(), key.createRevision()))
                .Then(
                    Op.put(bytes(fenceKey), bytes(value.encode()), PutOption.DEFAULT),
                    Op.delete(bytes(key.key()), DeleteOption.DEFAULT))
                .Else(Op.get(bytes(key.key()), GetOption.DEFAULT))
                .commit())
        .thenCompose(
            r -> {
              if (r.isSucceeded()) {
                long written = r.getHeader().getRevision();
                return revoke(key.leaseId())
                    .thenCompose(ok -> drop(fenceKey, written))
                    .thenApply(ok -> new Removed(RemovalPath.NEVER_LEADER, 0, true));
              }
              boolean keyThere =
                  r.getGetResponses().get(0).getKvs().stream()
                      .anyMatch(kv -> kv.getCreateRevision() == key.createRevision());
              // The witness went: this key may have led since. Only a fence is safe now.
              return keyThere
                  ? fence(election, key, removal.fence())
                  : CompletableFuture.completedFuture(Removed.nothing(RemovalPath.NEVER_LEADER));
            });
  }

  private CompletableFuture<Removed> fence(String election, Candidate key, FenceValue fence) {
    String fenceKey = ElectionKeys.fenceKey(election, key.leaseId());
    return call(() -> etcd().getLeaseClient().timeToLive(key.leaseId(), LeaseOption.DEFAULT))
        .thenCompose(
            ttl -> {
              if (ttl.getTTL() < 0) {
                // Expired (its holder's deadline passed before) or revoked: the key went with it.
                return CompletableFuture.completedFuture(Removed.nothing(RemovalPath.FENCED));
              }
              FenceValue value = fenceValue(fence, key, ttl.getGrantedTTL(), FenceValue.FENCED);
              return call(() ->
                      etcd()
                          .getKVClient()
                          .txn()
                          .If(createdAt(key.key(), key.createRevision()))
                          .Then(
                              Op.put(bytes(fenceKey), bytes(value.encode()), PutOption.DEFAULT),
                              Op.delete(bytes(key.key()), DeleteOption.DEFAULT))
                          .commit())
                  .thenCompose(r -> r.isSucceeded() ? revokeAndArm(fenceKey, value, r) : gone());
            });
  }

  private CompletableFuture<Removed> revokeAndArm(
      String fenceKey, FenceValue value, TxnResponse written) {
    long revision = written.getHeader().getRevision();
    return revoke(value.fencedLease())
        .thenCompose(ok -> arm(fenceKey, value, revision))
        .thenApply(ok -> new Removed(RemovalPath.FENCED, value.ttlSeconds(), true));
  }

  private static CompletableFuture<Removed> gone() {
    return CompletableFuture.completedFuture(Removed.nothing(RemovalPath.FENCED));
  }

  /**
   * Puts the fence again, {@code armed}, under a new lease of its TTL + 1 s, if it is still as
   * written at {@code writtenAt}; the lease starts only now, after the revoke, so the fence
   * outlives every deadline the revoked lease could have given.
   */
  private CompletableFuture<Void> arm(String fenceKey, FenceValue value, long writtenAt) {
    ByteSequence key = bytes(fenceKey);
    return call(() -> etcd().getLeaseClient().grant(value.ttlSeconds() + 1))
        .thenCompose(
            lease ->
                call(() ->
                        etcd()
                            .getKVClient()
                            .txn()
                            .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(writtenAt)))
                            .Then(
                                Op.put(
                                    key,
                                    bytes(value.in(FenceValue.ARMED).encode()),
                                    PutOption.builder().withLeaseId(lease.getID()).build()))
                            .commit())
                    .thenCompose(
                        r ->
                            r.isSucceeded()
                                // Another operator armed it first: our lease holds nothing.
                                ? CompletableFuture.<Void>completedFuture(null)
                                : revoke(lease.getID())));
  }

  /** Deletes the fence if it is still as written at {@code writtenAt}. */
  private CompletableFuture<Void> drop(String fenceKey, long writtenAt) {
    ByteSequence key = bytes(fenceKey);
    return call(() ->
            etcd()
                .getKVClient()
                .txn()
                .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(writtenAt)))
                .Then(Op.delete(key, DeleteOption.DEFAULT))
                .commit())
        .thenApply(r -> null);
  }

  /** Revokes {@code leaseId}; a lease already gone is fine. */
  private CompletableFuture<Void> revoke(long leaseId) {
    return call(() -> etcd().getLeaseClient().revoke(leaseId))
        .handle(
            (r, failure) -> {
              if (failure != null && !Failures.isLeaseNotFound(failure)) {
                throw new CompletionException(failure);
              }
              return null;
            });
  }

  private static FenceValue fenceValue(FenceValue given, Candidate key, long ttl, String path) {
    return new FenceValue(
        key.leaseId(),
        key.createRevision(),
        given.member(),
        given.podUid(),
        given.groupUid(),
        given.reason(),
        ttl,
        path,
        FenceValue.REVOKING);
  }

  private static Cmp createdAt(String key, long createRevision) {
    return new Cmp(bytes(key), Cmp.Op.EQUAL, CmpTarget.createRevision(createRevision));
  }

  private Client etcd() {
    return client.get().jetcd();
  }

  /** Makes the call (again at once after a stale token) within the call timeout. */
  private <T> CompletableFuture<T> call(Supplier<CompletableFuture<T>> call) {
    return client.get().call(call).orTimeout(timeoutMs, TimeUnit.MILLISECONDS);
  }
}
