package dev.halo.agent;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One-shot lease renewals over one long-lived etcd {@code LeaseKeepAlive} stream, instead of a new
 * stream per renewal as jetcd's {@code keepAliveOnce} opens (which cost an agent about 7 ms of CPU
 * per renewal, most of its idle CPU at TTL 5 s). The caller still chooses when each renewal is sent
 * and learns when etcd confirmed that very request: etcd answers a stream's requests one by one in
 * order, so the answers are matched to the requests first in, first out. A renewal that times out
 * ends its stream (the next one opens a new stream), so a late answer is never taken for a later
 * request's; the renewals still waiting on that stream fail with it.
 */
final class KeepAliveStream implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KeepAliveStream.class);
  private final LeaseGrpc.LeaseStub stub;
  private Live live;

  private KeepAliveStream(Channel channel) {
    this.stub = LeaseGrpc.newStub(channel);
  }

  /** The stream on {@code client}'s channel, or empty when this jetcd does not expose it. */
  static Optional<KeepAliveStream> on(Client client) {
    try {
      Field manager = client.getClass().getDeclaredField("connectionManager");
      manager.setAccessible(true);
      Object connections = manager.get(client);
      Method channel = connections.getClass().getDeclaredMethod("getChannel");
      channel.setAccessible(true);
      return Optional.of(new KeepAliveStream((Channel) channel.invoke(connections)));
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.atWarn()
          .addKeyValue("error", e.toString())
          .log(
              "cannot reach jetcd's gRPC channel (jetcd changed?); renewing the lease with a new"
                  + " stream per renewal, which costs more CPU");
      return Optional.empty();
    }
  }

  /**
   * Sends one renewal of {@code leaseId}; completes with etcd's answer to it (TTL 0: not found), or
   * with a TimeoutException after {@code timeoutMs}, which also ends this stream.
   */
  synchronized CompletableFuture<LeaseKeepAliveResponse> renew(long leaseId, long timeoutMs) {
    if (live == null || live.ended()) {
      live = new Live();
      stub.leaseKeepAlive(live);
    }
    Live stream = live;
    CompletableFuture<LeaseKeepAliveResponse> answer = new CompletableFuture<>();
    if (!stream.await(leaseId, answer)) {
      answer.completeExceptionally(new IllegalStateException("the keepalive stream ended"));
      return answer;
    }
    try {
      stream.call.onNext(LeaseKeepAliveRequest.newBuilder().setID(leaseId).build());
    } catch (RuntimeException e) {
      stream.cancel(e);
    }
    answer
        .orTimeout(timeoutMs, TimeUnit.MILLISECONDS)
        .whenComplete(
            (r, error) -> {
              if (error instanceof TimeoutException) {
                // Only this stream: later renewals may already be on a new one.
                stream.cancel(
                    new IllegalStateException("a renewal got no answer in " + timeoutMs + " ms"));
              }
            });
    return answer;
  }

  @Override
  public synchronized void close() {
    if (live != null) {
      live.cancel(new IllegalStateException("client closed"));
      live = null;
    }
  }

  private record Request(long leaseId, CompletableFuture<LeaseKeepAliveResponse> answer) {}

  /** One stream and the renewals sent on it that etcd has not answered yet, oldest first. */
  private static final class Live
      implements ClientResponseObserver<LeaseKeepAliveRequest, LeaseKeepAliveResponse> {
    private final ArrayDeque<Request> pending = new ArrayDeque<>();
    private volatile ClientCallStreamObserver<LeaseKeepAliveRequest> call;
    private boolean ended;

    /** Queues the answer to the request about to be sent; false once the stream ended. */
    synchronized boolean await(long leaseId, CompletableFuture<LeaseKeepAliveResponse> answer) {
      if (ended) {
        return false;
      }
      pending.add(new Request(leaseId, answer));
      return true;
    }

    synchronized boolean ended() {
      return ended;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<LeaseKeepAliveRequest> requestStream) {
      this.call = requestStream;
    }

    @Override
    public void onNext(LeaseKeepAliveResponse response) {
      Request oldest;
      synchronized (this) {
        oldest = pending.poll();
      }
      if (oldest == null || oldest.leaseId() != response.getID()) {
        // Never guess whose renewal this was: a wrong match could move a deadline too far.
        cancel(
            new IllegalStateException(
                "keepalive answer for lease "
                    + Long.toHexString(response.getID())
                    + " did not match the oldest request"));
        if (oldest != null) {
          oldest.answer().completeExceptionally(new IllegalStateException("stream out of step"));
        }
        return;
      }
      oldest.answer().complete(response);
    }

    @Override
    public void onError(Throwable t) {
      fail(t);
    }

    @Override
    public void onCompleted() {
      fail(new IllegalStateException("etcd ended the keepalive stream"));
    }

    void cancel(Throwable cause) {
      if (!ended() && call != null) {
        call.cancel("keepalive stream ended", cause);
      }
      fail(cause);
    }

    /** Ends the stream and fails every renewal still waiting on it (outside the lock). */
    void fail(Throwable cause) {
      List<Request> waiting;
      synchronized (this) {
        ended = true;
        waiting = List.copyOf(pending);
        pending.clear();
      }
      CompletionException error = new CompletionException(cause);
      for (Request r : waiting) {
        r.answer().completeExceptionally(error);
      }
    }
  }
}
