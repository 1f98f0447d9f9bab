package dev.halo.operator.election;

import static dev.halo.operator.election.ElectionKeyValues.bytes;

import dev.halo.common.ElectionKeys;
import dev.halo.common.Failures;
import dev.halo.etcd.EtcdClient;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The operator's writes to one etcd cluster, each bounded by the call timeout: revoking a lease and
 * asking the agent that holds a lease to step down (or, for a standby, to queue again). They go
 * through whichever client the connection holds at the moment (it replaces its client after a long
 * outage).
 */
final class EtcdCalls {
  /** The value of a step-down request that re-queues a standby (agents do not read it). */
  static final String REQUEUE = "requeue";

  private final Supplier<EtcdClient> client;
  private final long timeoutMs;

  EtcdCalls(Supplier<EtcdClient> client, long timeoutMs) {
    this.client = client;
    this.timeoutMs = timeoutMs;
  }

  /** Revokes {@code leaseId}; a lease that is already gone completes normally. */
  CompletableFuture<Void> revoke(long leaseId) {
    EtcdClient etcd = client.get();
    return bounded(etcd.call(() -> etcd.jetcd().getLeaseClient().revoke(leaseId)))
        .handle(
            (r, failure) -> {
              if (failure != null && !Failures.isLeaseNotFound(failure)) {
                throw new CompletionException(failure);
              }
              return null;
            });
  }

  /**
   * Puts the step-down key of {@code leaseId}, attached to that lease so it goes with it; for a
   * {@code legacyAgent} also its {@link ElectionKeys#legacyStepDownKey}, in the same transaction.
   */
  CompletableFuture<Void> requestStepDown(
      String election, long leaseId, String reason, boolean legacyAgent) {
    PutOption attached = PutOption.builder().withLeaseId(leaseId).build();
    EtcdClient etcd = client.get();
    ByteSequence value = bytes(reason);
    if (!legacyAgent) {
      return bounded(
              etcd.call(
                  () ->
                      etcd.jetcd()
                          .getKVClient()
                          .put(
                              bytes(ElectionKeys.stepDownKey(election, leaseId)), value, attached)))
          .thenApply(r -> null);
    }
    return bounded(
            etcd.call(
                () ->
                    etcd.jetcd()
                        .getKVClient()
                        .txn()
                        .Then(
                            Op.put(
                                bytes(ElectionKeys.stepDownKey(election, leaseId)),
                                value,
                                attached),
                            Op.put(
                                bytes(ElectionKeys.legacyStepDownKey(election, leaseId)),
                                value,
                                attached))
                        .commit()))
        .thenApply(r -> null);
  }

  /**
   * Puts the step-down key of {@code leaseId}, attached to that lease, only while {@code leaderKey}
   * exists with {@code leaderCreateRevision}; completes with whether it was put.
   */
  CompletableFuture<Boolean> requestRequeue(
      String election, long leaseId, String leaderKey, long leaderCreateRevision) {
    EtcdClient etcd = client.get();
    PutOption attached = PutOption.builder().withLeaseId(leaseId).build();
    return bounded(
            etcd.call(
                () ->
                    etcd.jetcd()
                        .getKVClient()
                        .txn()
                        .If(
                            new Cmp(
                                bytes(leaderKey),
                                Cmp.Op.EQUAL,
                                CmpTarget.createRevision(leaderCreateRevision)))
                        .Then(
                            Op.put(
                                bytes(ElectionKeys.stepDownKey(election, leaseId)),
                                bytes(REQUEUE),
                                attached))
                        .commit()))
        .thenApply(TxnResponse::isSucceeded);
  }

  /**
   * Puts {@code key} with {@code value}, attached to no lease, when {@code held}; else deletes it.
   */
  CompletableFuture<Void> setSiteHold(String key, boolean held, String value) {
    EtcdClient etcd = client.get();
    return held
        ? bounded(etcd.call(() -> etcd.jetcd().getKVClient().put(bytes(key), bytes(value))))
            .thenApply(r -> null)
        : bounded(etcd.call(() -> etcd.jetcd().getKVClient().delete(bytes(key))))
            .thenApply(r -> null);
  }

  /**
   * Puts the group's cross-site switchover request attached to {@code masterLease}, or deletes it
   * when {@code request} is empty.
   */
  CompletableFuture<Void> writeSwitchover(
      String election, Optional<SwitchoverRequest> request, long masterLease) {
    EtcdClient etcd = client.get();
    ByteSequence key = bytes(ElectionKeys.switchoverKey(election));
    if (request.isEmpty()) {
      return bounded(etcd.call(() -> etcd.jetcd().getKVClient().delete(key))).thenApply(r -> null);
    }
    PutOption attached = PutOption.builder().withLeaseId(masterLease).build();
    ByteSequence value = bytes(request.get().encode());
    return bounded(etcd.call(() -> etcd.jetcd().getKVClient().put(key, value, attached)))
        .thenApply(r -> null);
  }

  /**
   * Puts whom the traffic goes to ({@link ElectionKeys#routedKey}) attached to {@code masterLease},
   * so it goes with that master.
   */
  CompletableFuture<Void> writeRouted(String election, String value, long masterLease) {
    EtcdClient etcd = client.get();
    ByteSequence key = bytes(ElectionKeys.routedKey(election));
    PutOption attached = PutOption.builder().withLeaseId(masterLease).build();
    return bounded(etcd.call(() -> etcd.jetcd().getKVClient().put(key, bytes(value), attached)))
        .thenApply(r -> null);
  }

  private <T> CompletableFuture<T> bounded(CompletableFuture<T> call) {
    return call.orTimeout(timeoutMs, TimeUnit.MILLISECONDS);
  }
}
