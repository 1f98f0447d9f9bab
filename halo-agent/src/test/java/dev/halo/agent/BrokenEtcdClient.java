package dev.halo.agent;

import dev.halo.common.ElectionKeys;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A hand-written {@link ElectionClient} for one agent alone in its election: every call answers at
 * once, and each part can be switched to fail at once, as an etcd member does while it dies. A
 * broken watch behaves like jetcd's: the error callback fires twice (jetcd retries inside), then
 * the completion callback, and our own close of a watch fires the completion callback again.
 */
final class BrokenEtcdClient implements ElectionClient {
  static final long LEASE = 0x1f;
  static final long CREATE_REVISION = 10;

  private final String election;
  private final String member;
  private final AtomicLong revision = new AtomicLong(CREATE_REVISION);
  private final AtomicReference<WatchHandler> lastPrefixHandler = new AtomicReference<>();
  volatile boolean watchesBreak = true;
  volatile boolean leaderReadsFail;
  volatile boolean renewalsFail;
  volatile boolean keysExist;

  /** The value of this agent's own hold key ({@code <group>/_hold/<pod>}), or null: none. */
  volatile String memberHold;

  /** When each call was made (System.nanoTime()). */
  final ConcurrentLinkedQueue<Long> prefixWatches = new ConcurrentLinkedQueue<>();

  final ConcurrentLinkedQueue<Long> allWatches = new ConcurrentLinkedQueue<>();
  final ConcurrentLinkedQueue<Long> leaderReads = new ConcurrentLinkedQueue<>();
  final ConcurrentLinkedQueue<Long> renewals = new ConcurrentLinkedQueue<>();

  BrokenEtcdClient(String election, String member) {
    this.election = election;
    this.member = member;
  }

  @Override
  public CompletableFuture<Lease> grant(int ttlSeconds) {
    return CompletableFuture.completedFuture(new Lease(LEASE, ttlSeconds));
  }

  @Override
  public CompletableFuture<Lease> keepAliveOnce(long leaseId) {
    renewals.add(System.nanoTime());
    return renewalsFail
        ? CompletableFuture.failedFuture(new IllegalStateException("etcd ended the stream"))
        : CompletableFuture.completedFuture(new Lease(leaseId, 5));
  }

  @Override
  public CompletableFuture<Void> revoke(long leaseId) {
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletableFuture<Long> campaign(
      String key, String value, long leaseId, Identity identity) {
    return CompletableFuture.completedFuture(CREATE_REVISION);
  }

  @Override
  public CompletableFuture<Void> leave(String key, long leaseId, Identity marked) {
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletableFuture<Void> delete(String key) {
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletableFuture<LeaderView> leader(String prefix) {
    leaderReads.add(System.nanoTime());
    if (leaderReadsFail) {
      return CompletableFuture.failedFuture(new IllegalStateException("no leader"));
    }
    Candidate me =
        new Candidate(ElectionKeys.candidateKey(election, LEASE), member, CREATE_REVISION, LEASE);
    return CompletableFuture.completedFuture(
        new LeaderView(Optional.of(me), revision.incrementAndGet()));
  }

  @Override
  public CompletableFuture<Boolean> exists(String key) {
    return CompletableFuture.completedFuture(
        key.contains("/_hold/") ? memberHold != null : keysExist);
  }

  @Override
  public CompletableFuture<java.util.Optional<String>> value(String key) {
    return key.contains("/_hold/")
        ? CompletableFuture.completedFuture(java.util.Optional.ofNullable(memberHold))
        : ElectionClient.super.value(key);
  }

  @Override
  public AutoCloseable watch(String prefix, long fromRevision, WatchHandler handler) {
    allWatches.add(System.nanoTime());
    if (prefix.equals(ElectionKeys.prefix(election))) {
      prefixWatches.add(System.nanoTime());
      lastPrefixHandler.set(handler);
    }
    if (watchesBreak) {
      handler.onBroken(new IllegalStateException("etcdserver: no leader"));
      handler.onBroken(new IllegalStateException("etcdserver: no leader"));
      handler.onBroken(new IllegalStateException("watch completed"));
    }
    return () -> handler.onBroken(new IllegalStateException("watch completed"));
  }

  /** Delivers a change on the latest prefix watch (a healthy watch's event). */
  void deliverChange() {
    lastPrefixHandler
        .get()
        .onChanges(List.of(new KeyChange(ElectionKeys.prefix(election) + "other", false)));
  }

  /** Ends the latest prefix watch from etcd's side. */
  void breakLatestWatch() {
    lastPrefixHandler.get().onBroken(new IllegalStateException("watch completed"));
  }

  @Override
  public void close() {}
}
