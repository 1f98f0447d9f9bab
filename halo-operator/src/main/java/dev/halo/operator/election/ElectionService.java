package dev.halo.operator.election;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The operator's only access to etcd: cached election views, fed by watches, removals of candidate
 * keys (each by its path: the only way the operator revokes a lease) and step-down requests.
 */
public interface ElectionService extends AutoCloseable {
  /**
   * The current cached view of an election; starts watching that etcd cluster on first use. Never
   * blocks on etcd: while the first read of that etcd is pending it returns {@code known=false} (no
   * verdict yet, see {@link ElectionView#notKnownYet}), and the first read's outcome notifies the
   * listeners; while etcd is unreachable it returns {@code reachable=false} with the reason.
   */
  ElectionView view(List<String> endpoints, String election);

  /**
   * Removes a candidate key by {@code removal}'s path ({@link RemovalPath#IMMEDIATE}: revokes its
   * lease; {@link RemovalPath#NEVER_LEADER} and {@link RemovalPath#FENCED}: see {@link
   * EtcdFences}), bounded by a timeout per step; completes with the path it took, or fails leaving
   * at most a fence for {@link #finishFence} to finish.
   */
  CompletableFuture<Removed> remove(List<String> endpoints, String election, KeyRemoval removal);

  /**
   * Finishes a fence a removal left {@code revoking} ({@link Fence#unfinished}): revokes the fenced
   * lease again, then arms the fence (or drops it, for a never-leader one).
   */
  CompletableFuture<Removed> finishFence(List<String> endpoints, Fence fence);

  /**
   * Asks the agent holding {@code leaseId} to step down: puts {@link
   * dev.halo.common.ElectionKeys#stepDownKey} with {@code reason}, attached to that lease so it
   * goes with it. Fails when the lease is already gone or etcd does not answer in time.
   */
  CompletableFuture<Void> requestStepDown(
      List<String> endpoints, String election, long leaseId, String reason);

  /**
   * As {@link #requestStepDown(List, String, long, String)}; for a {@code legacyAgent} (its lease
   * carries no member identity: an agent of release 0.1.0) the request also goes where that agent
   * watches ({@link dev.halo.common.ElectionKeys#legacyStepDownKey}).
   */
  default CompletableFuture<Void> requestStepDown(
      List<String> endpoints, String election, long leaseId, String reason, boolean legacyAgent) {
    return requestStepDown(endpoints, election, leaseId, reason);
  }

  /**
   * Asks the standby holding {@code leaseId} to queue again: the same request as {@link
   * #requestStepDown} (its agent demotes, which changes nothing for a standby, gives up its lease
   * and campaigns anew, at the back of the queue), put only while {@code leaderKey} still exists
   * with {@code leaderCreateRevision}. Whoever queues behind a leader that still holds its key is
   * not master, so a standby that has just become master is never asked. Completes with whether the
   * request was put; fails when the lease is gone or etcd does not answer in time.
   */
  default CompletableFuture<Boolean> requestRequeue(
      List<String> endpoints,
      String election,
      long leaseId,
      String leaderKey,
      long leaderCreateRevision) {
    return CompletableFuture.failedFuture(
        new UnsupportedOperationException("this election service does not re-queue"));
  }

  /**
   * Puts {@code key} with {@code value} (attached to no lease) when {@code held}, else deletes it:
   * a site's hold ({@link dev.halo.common.ElectionKeys#siteHoldKey}). Fails when etcd does not
   * answer in time.
   */
  default CompletableFuture<Void> setSiteHold(
      List<String> endpoints, String key, boolean held, String value) {
    return CompletableFuture.failedFuture(
        new UnsupportedOperationException("this election service does not hold sites"));
  }

  /**
   * Puts the group's cross-site switchover request ({@link
   * dev.halo.common.ElectionKeys#switchoverKey}) attached to {@code masterLease}, so that it goes
   * with that master, or deletes it when {@code request} is empty.
   */
  default CompletableFuture<Void> writeSwitchover(
      List<String> endpoints,
      String election,
      Optional<SwitchoverRequest> request,
      long masterLease) {
    return CompletableFuture.failedFuture(
        new UnsupportedOperationException("this election service does not switch over sites"));
  }

  /**
   * Puts whom the traffic goes to ({@link dev.halo.common.ElectionKeys#routedKey}), value {@code
   * <pod> <term>}, attached to the master's lease {@code masterLease}: a draining master waits for
   * it.
   */
  default CompletableFuture<Void> writeRouted(
      List<String> endpoints, String election, String value, long masterLease) {
    return CompletableFuture.failedFuture(
        new UnsupportedOperationException("this election service does not publish routes"));
  }

  /**
   * The warning about the server versions of the etcd members at {@code endpoints} ({@link
   * EtcdVersionRules}), once they were read; empty when they are trusted or not read yet. A change
   * notifies the listeners with every tracked election of that cluster.
   */
  default Optional<String> versionWarning(List<String> endpoints) {
    return Optional.empty();
  }

  /**
   * {@code listener} gets an election name whenever that election's view changes, and every tracked
   * election of a cluster whose reachability changes. It is called from a background thread and
   * must not block.
   */
  void addListener(Consumer<String> listener);

  @Override
  void close();
}
