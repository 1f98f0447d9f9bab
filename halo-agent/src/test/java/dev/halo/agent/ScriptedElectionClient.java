package dev.halo.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A hand-written {@link ElectionClient} whose every call waits until the test answers it: each call
 * is queued with its future, and the test completes the oldest (or any) when it chooses; watches
 * are driven by the test. Every call is also written to a shared timeline, so a test can assert
 * what the agent told its workload relative to what it asked etcd.
 */
final class ScriptedElectionClient implements ElectionClient {
  /** A call the test has not answered yet. */
  record Call<T>(String what, long leaseId, String key, CompletableFuture<T> future) {
    void answer(T value) {
      assertThat(future.complete(value)).as("%s answered once", what).isTrue();
    }

    void fail(Throwable error) {
      assertThat(future.completeExceptionally(error)).as("%s answered once", what).isTrue();
    }
  }

  /** One watch the agent opened; the test delivers its events or ends it. */
  final class Watch implements AutoCloseable {
    final String key;
    final long fromRevision;
    final WatchHandler handler;
    boolean closed;

    Watch(String key, long fromRevision, WatchHandler handler) {
      this.key = key;
      this.fromRevision = fromRevision;
      this.handler = handler;
    }

    void deliver(KeyChange... changes) {
      handler.onChanges(List.of(changes));
    }

    void end(String why) {
      handler.onBroken(new IllegalStateException(why));
    }

    @Override
    public void close() {
      closed = true;
      // jetcd calls the completion callback when we close a watch ourselves.
      handler.onBroken(new IllegalStateException("watch closed"));
    }
  }

  final Deque<Call<Lease>> grants = new ArrayDeque<>();
  final Deque<Call<Lease>> keepAlives = new ArrayDeque<>();
  final Deque<Call<Void>> revokes = new ArrayDeque<>();
  final Deque<Call<Long>> campaigns = new ArrayDeque<>();
  final Deque<Call<Void>> leaves = new ArrayDeque<>();
  final Deque<Call<LeaderView>> leaderReads = new ArrayDeque<>();
  final Deque<Call<Boolean>> lookups = new ArrayDeque<>();
  final List<Watch> watches = new ArrayList<>();
  private final List<String> timeline;

  ScriptedElectionClient(List<String> timeline) {
    this.timeline = timeline;
  }

  private <T> CompletableFuture<T> call(
      Deque<Call<T>> queue, String what, long leaseId, String key) {
    timeline.add(what + (key.isEmpty() ? "" : " " + key));
    Call<T> call = new Call<>(what, leaseId, key, new CompletableFuture<>());
    queue.add(call);
    return call.future();
  }

  /** The oldest unanswered call of {@code queue}, removed from it; fails if there is none. */
  static <T> Call<T> next(Deque<Call<T>> queue) {
    assertThat(queue).as("an unanswered call").isNotEmpty();
    return queue.poll();
  }

  /** The newest unanswered call of {@code queue}, removed from it; fails if there is none. */
  static <T> Call<T> latest(Deque<Call<T>> queue) {
    assertThat(queue).as("an unanswered call").isNotEmpty();
    return queue.pollLast();
  }

  /** The latest open watch of {@code key}. */
  Watch watchOf(String key) {
    for (int i = watches.size() - 1; i >= 0; i--) {
      if (watches.get(i).key.equals(key) && !watches.get(i).closed) {
        return watches.get(i);
      }
    }
    throw new AssertionError("no open watch of " + key + " among " + watches.size());
  }

  long openWatches() {
    return watches.stream().filter(w -> !w.closed).count();
  }

  @Override
  public CompletableFuture<Lease> grant(int ttlSeconds) {
    return call(grants, "grant", 0, "");
  }

  @Override
  public CompletableFuture<Lease> keepAliveOnce(long leaseId) {
    return call(keepAlives, "keepalive", leaseId, "");
  }

  @Override
  public CompletableFuture<Void> revoke(long leaseId) {
    return call(revokes, "revoke " + Long.toHexString(leaseId), leaseId, "");
  }

  @Override
  public CompletableFuture<Long> campaign(
      String key, String value, long leaseId, Identity identity) {
    return call(campaigns, "campaign", leaseId, key);
  }

  @Override
  public CompletableFuture<Void> leave(String key, long leaseId, Identity marked) {
    return call(leaves, "leave", leaseId, key);
  }

  @Override
  public CompletableFuture<Void> delete(String key) {
    throw new UnsupportedOperationException("the elector leaves with leave(), not delete()");
  }

  @Override
  public CompletableFuture<LeaderView> leader(String prefix) {
    return call(leaderReads, "read leader", 0, "");
  }

  @Override
  public CompletableFuture<Boolean> exists(String key) {
    return call(lookups, "exists", 0, key);
  }

  @Override
  public AutoCloseable watch(String prefix, long fromRevision, WatchHandler handler) {
    Watch watch = new Watch(prefix, fromRevision, handler);
    watches.add(watch);
    return watch;
  }

  @Override
  public void close() {}
}
