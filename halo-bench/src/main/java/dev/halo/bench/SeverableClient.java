package dev.halo.bench;

import dev.halo.agent.ElectionClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * One in-process agent's view of an etcd client shared by many agents. {@link #sever} cuts this
 * agent off: every later call fails and its watches end, so its lease is no longer renewed and etcd
 * deletes its key when the TTL runs out, exactly what etcd sees when the agent is killed with
 * SIGKILL. {@link #close} leaves the shared client open.
 */
final class SeverableClient implements ElectionClient {
  private final ElectionClient shared;
  private final AtomicBoolean severed = new AtomicBoolean();
  private final List<AutoCloseable> watches = new ArrayList<>();

  SeverableClient(ElectionClient shared) {
    this.shared = shared;
  }

  /** From now on every call fails; open watches are closed. */
  void sever() {
    severed.set(true);
    List<AutoCloseable> open;
    synchronized (watches) {
      open = List.copyOf(watches);
      watches.clear();
    }
    for (AutoCloseable w : open) {
      try {
        w.close();
      } catch (Exception e) {
        // the watch ends either way
      }
    }
  }

  boolean severed() {
    return severed.get();
  }

  private <T> CompletableFuture<T> call(Supplier<CompletableFuture<T>> call) {
    if (severed.get()) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("the bench cut this agent off from etcd"));
    }
    return call.get();
  }

  @Override
  public CompletableFuture<Lease> grant(int ttlSeconds) {
    return call(() -> shared.grant(ttlSeconds));
  }

  @Override
  public CompletableFuture<Lease> keepAliveOnce(long leaseId) {
    return call(() -> shared.keepAliveOnce(leaseId));
  }

  @Override
  public CompletableFuture<Void> revoke(long leaseId) {
    return call(() -> shared.revoke(leaseId));
  }

  @Override
  public CompletableFuture<Long> campaign(
      String key, String value, long leaseId, Identity identity) {
    return call(() -> shared.campaign(key, value, leaseId, identity));
  }

  @Override
  public CompletableFuture<Void> leave(String key, long leaseId, Identity marked) {
    return call(() -> shared.leave(key, leaseId, marked));
  }

  @Override
  public CompletableFuture<Void> delete(String key) {
    return call(() -> shared.delete(key));
  }

  @Override
  public CompletableFuture<LeaderView> leader(String prefix) {
    return call(() -> shared.leader(prefix));
  }

  @Override
  public CompletableFuture<LeaderView> leader(String prefix, String fencePrefix) {
    return call(() -> shared.leader(prefix, fencePrefix));
  }

  @Override
  public CompletableFuture<Boolean> exists(String key) {
    return call(() -> shared.exists(key));
  }

  @Override
  public AutoCloseable watch(String prefix, long fromRevision, WatchHandler handler) {
    if (severed.get()) {
      return () -> {}; // a cut-off agent hears nothing
    }
    AutoCloseable w = shared.watch(prefix, fromRevision, handler);
    synchronized (watches) {
      watches.add(w);
    }
    return () -> {
      synchronized (watches) {
        watches.remove(w);
      }
      w.close();
    };
  }

  @Override
  public void close() {
    sever();
  }
}
