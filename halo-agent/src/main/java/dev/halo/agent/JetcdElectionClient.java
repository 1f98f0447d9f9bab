package dev.halo.agent;

import dev.halo.common.ElectionKeys;
import dev.halo.common.Failures;
import dev.halo.common.FenceValue;
import dev.halo.etcd.EtcdClient;
import dev.halo.etcd.EtcdFailure;
import dev.halo.etcd.EtcdSecurity;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * {@link ElectionClient} on jetcd; it puts the call timeout on every request, retries a request
 * once at once when etcd refused its expired auth token, and remembers what the latest failure
 * meant ({@link EtcdFailure}) for {@code /status}.
 */
public final class JetcdElectionClient implements ElectionClient {
  private static final GetOption FIRST_BY_CREATE =
      GetOption.builder()
          .isPrefix(true)
          .withSortField(GetOption.SortTarget.CREATE)
          .withSortOrder(GetOption.SortOrder.ASCEND)
          .withLimit(1)
          .build();

  private final EtcdClient etcd;
  private final Client client;
  private final Optional<KeepAliveStream> renewals;
  private final long timeoutMs;
  private volatile Optional<EtcdFailure> lastFailure = Optional.empty();

  /** A plaintext client without auth. */
  public JetcdElectionClient(List<URI> endpoints, Duration callTimeout) {
    this(endpoints, EtcdSecurity.none(), callTimeout);
  }

  /** A client secured by {@code security}; throws if its TLS files cannot be read now. */
  public JetcdElectionClient(List<URI> endpoints, EtcdSecurity security, Duration callTimeout) {
    try {
      // Fail fast while no member is connected: a call that waited for a connection would end in
      // a bare timeout, hiding a refused TLS handshake behind "no answer".
      this.etcd = EtcdClient.open(endpoints, security, callTimeout, false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.client = etcd.jetcd();
    // On jetcd's channel, so the renewals carry the auth token too.
    this.renewals = KeepAliveStream.on(client);
    this.timeoutMs = callTimeout.toMillis();
  }

  @Override
  public Optional<EtcdFailure> lastFailure() {
    return lastFailure;
  }

  @Override
  public CompletableFuture<Lease> grant(int ttlSeconds) {
    return bounded(() -> client.getLeaseClient().grant(ttlSeconds))
        .thenApply(r -> new Lease(r.getID(), r.getTTL()));
  }

  @Override
  public CompletableFuture<Lease> keepAliveOnce(long leaseId) {
    if (renewals.isPresent()) {
      return bounded(() -> renewals.get().renew(leaseId, timeoutMs))
          .handle(
              (r, error) -> {
                if (error != null) {
                  throw new CompletionException(error);
                }
                return renewed(leaseId, r.getTTL());
              });
    }
    // This jetcd does not expose its channel: a stream per renewal, as jetcd does it.
    return bounded(() -> client.getLeaseClient().keepAliveOnce(leaseId))
        .handle(
            (r, error) -> {
              if (error != null) {
                throw isLeaseNotFound(error)
                    ? new LeaseNotFoundException(leaseId)
                    : new CompletionException(error);
              }
              return renewed(leaseId, r.getTTL());
            });
  }

  /** Whether renewals share one keepalive stream (false: a stream per renewal). */
  boolean renewsOnOneStream() {
    return renewals.isPresent();
  }

  private static Lease renewed(long leaseId, long ttl) {
    if (ttl <= 0) {
      throw new LeaseNotFoundException(leaseId); // etcd answers a renewal of a gone lease with 0
    }
    return new Lease(leaseId, ttl);
  }

  @Override
  public CompletableFuture<Void> revoke(long leaseId) {
    return bounded(() -> client.getLeaseClient().revoke(leaseId))
        .handle(
            (r, error) -> {
              if (error != null && !isLeaseNotFound(error)) {
                throw new CompletionException(error);
              }
              return null;
            });
  }

  @Override
  public CompletableFuture<Long> campaign(
      String key, String value, long leaseId, Identity identity) {
    ByteSequence k = bytes(key);
    ByteSequence v = bytes(value);
    PutOption put = PutOption.builder().withLeaseId(leaseId).build();
    Op putIdentity = Op.put(bytes(identity.key()), bytes(identity.value()), put);
    Supplier<CompletableFuture<TxnResponse>> txn =
        () ->
            client
                .getKVClient()
                .txn()
                .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                .Then(Op.put(k, v, put), putIdentity)
                .Else(Op.get(k, GetOption.DEFAULT))
                .commit();
    return bounded(txn)
        .thenCompose(
            r -> {
              if (r.isSucceeded()) {
                return CompletableFuture.completedFuture(r.getHeader().getRevision());
              }
              KeyValue existing = r.getGetResponses().get(0).getKvs().get(0);
              // The key is already ours (a re-attached lease): keep its place in the queue, make
              // sure value and identity are current.
              Supplier<CompletableFuture<TxnResponse>> refresh =
                  () ->
                      client
                          .getKVClient()
                          .txn()
                          .If(
                              new Cmp(
                                  k,
                                  Cmp.Op.EQUAL,
                                  CmpTarget.createRevision(existing.getCreateRevision())))
                          .Then(Op.put(k, v, put), putIdentity)
                          .commit();
              return bounded(refresh).thenApply(ignored -> existing.getCreateRevision());
            });
  }

  @Override
  public CompletableFuture<Void> leave(String key, long leaseId, Identity marked) {
    PutOption put = PutOption.builder().withLeaseId(leaseId).build();
    Supplier<CompletableFuture<TxnResponse>> txn =
        () ->
            client
                .getKVClient()
                .txn()
                .Then(
                    Op.put(bytes(marked.key()), bytes(marked.value()), put),
                    Op.delete(bytes(key), DeleteOption.DEFAULT))
                .commit();
    return bounded(txn).thenApply(r -> null);
  }

  @Override
  public CompletableFuture<Void> delete(String key) {
    return bounded(() -> client.getKVClient().delete(bytes(key))).thenApply(r -> null);
  }

  @Override
  public CompletableFuture<LeaderView> leader(String prefix) {
    return bounded(() -> client.getKVClient().get(bytes(prefix), FIRST_BY_CREATE))
        .thenApply(
            r ->
                new LeaderView(
                    r.getKvs().stream().findFirst().map(JetcdElectionClient::candidate),
                    r.getHeader().getRevision()));
  }

  /**
   * One transaction with two range reads, so the leader and the fences are of one store revision: a
   * fence put in the transaction that deleted the key before this one is never missed.
   */
  @Override
  public CompletableFuture<LeaderView> leader(String prefix, String fencePrefix) {
    Supplier<CompletableFuture<TxnResponse>> read =
        () ->
            client
                .getKVClient()
                .txn()
                .Then(
                    Op.get(bytes(prefix), FIRST_BY_CREATE),
                    Op.get(bytes(fencePrefix), GetOption.builder().isPrefix(true).build()))
                .commit();
    return bounded(read)
        .thenApply(
            r ->
                new LeaderView(
                    r.getGetResponses().get(0).getKvs().stream()
                        .findFirst()
                        .map(JetcdElectionClient::candidate),
                    r.getHeader().getRevision(),
                    r.getGetResponses().get(1).getKvs().stream()
                        .map(JetcdElectionClient::fence)
                        .toList()));
  }

  @Override
  public CompletableFuture<Boolean> exists(String key) {
    GetOption countOnly = GetOption.builder().withCountOnly(true).build();
    return bounded(() -> client.getKVClient().get(bytes(key), countOnly))
        .thenApply(r -> r.getCount() > 0);
  }

  @Override
  public CompletableFuture<Optional<String>> value(String key) {
    return bounded(() -> client.getKVClient().get(bytes(key)))
        .thenApply(
            r ->
                r.getKvs().isEmpty()
                    ? Optional.empty()
                    : Optional.of(r.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8)));
  }

  @Override
  public AutoCloseable watch(String prefix, long fromRevision, WatchHandler handler) {
    WatchOption option = WatchOption.builder().isPrefix(true).withRevision(fromRevision).build();
    // jetcd calls the error callback on every failure while it retries inside, then the
    // completion callback when it gives up, and the completion callback again on our own close:
    // the handler hears of the first end only, and of nothing after we closed the watch.
    AtomicBoolean ended = new AtomicBoolean();
    Consumer<Throwable> end =
        cause -> {
          if (ended.compareAndSet(false, true)) {
            handler.onBroken(cause);
          }
        };
    Watch.Listener listener =
        Watch.listener(
            response ->
                handler.onChanges(
                    response.getEvents().stream()
                        .map(
                            e ->
                                new KeyChange(
                                    string(e.getKeyValue().getKey()),
                                    e.getEventType() == WatchEvent.EventType.DELETE))
                        .toList()),
            error -> {
              if (!ended.get()) {
                lastFailure = Optional.of(EtcdFailure.classify(error, etcd.security()));
              }
              end.accept(error);
            },
            () -> end.accept(new IllegalStateException("watch completed")));
    Watch.Watcher watcher = client.getWatchClient().watch(bytes(prefix), option, listener);
    return () -> {
      ended.set(true);
      watcher.close();
    };
  }

  @Override
  public void close() {
    renewals.ifPresent(KeepAliveStream::close);
    etcd.close();
  }

  private static Candidate candidate(KeyValue kv) {
    return new Candidate(
        string(kv.getKey()), string(kv.getValue()), kv.getCreateRevision(), kv.getLease());
  }

  /** A fence key as the agent needs it; an unreadable value holds back every key (revision 0). */
  private static Fence fence(KeyValue kv) {
    String key = string(kv.getKey());
    return FenceValue.decode(string(kv.getValue()))
        .map(v -> new Fence(key, v.fencedLease(), v.fencedCreateRevision(), v.member()))
        .orElseGet(() -> new Fence(key, ElectionKeys.leaseOf(key), 0));
  }

  /** Makes the call (again at once after a stale token), within the timeout; notes the outcome. */
  private <T> CompletableFuture<T> bounded(Supplier<CompletableFuture<T>> call) {
    return etcd.call(call)
        .orTimeout(timeoutMs, TimeUnit.MILLISECONDS)
        .whenComplete(
            (r, error) -> {
              if (error == null) {
                lastFailure = Optional.empty();
              } else if (!isLeaseNotFound(error)) {
                lastFailure = Optional.of(EtcdFailure.classify(error, etcd.security()));
              }
            });
  }

  /** Whether the failure says the lease is gone: our own exception or etcd's words for it. */
  static boolean isLeaseNotFound(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof LeaseNotFoundException) {
        return true;
      }
    }
    return Failures.isLeaseNotFound(error);
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static String string(ByteSequence b) {
    return b.toString(StandardCharsets.UTF_8);
  }
}
