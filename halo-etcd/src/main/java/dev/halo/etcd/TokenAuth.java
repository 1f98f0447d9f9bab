package dev.halo.etcd;

import io.etcd.jetcd.api.AuthGrpc;
import io.etcd.jetcd.api.AuthenticateRequest;
import io.etcd.jetcd.api.AuthenticateResponse;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchResponse;
import io.grpc.CallCredentials;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts an etcd auth token on every call made on the channel, jetcd's own and those of stubs built
 * straight on its channel (the agent's lease renewals): jetcd's own user/password support covers
 * only the stubs it builds and refreshes a token only when it retries a call. The token comes from
 * our own {@code Authenticate} call, with the password read from its file each time, so a rotated
 * password is used at the next authentication. A call that etcd answers with a stale-token error
 * drops the token it carried, so the caller's retry ({@link EtcdClient#call}) authenticates anew.
 */
final class TokenAuth implements ClientInterceptor {
  private static final Logger log = LoggerFactory.getLogger(TokenAuth.class);
  static final Metadata.Key<String> TOKEN =
      Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);
  private static final String AUTHENTICATE = AuthGrpc.getAuthenticateMethod().getFullMethodName();
  private static final String WATCH = WatchGrpc.getWatchMethod().getFullMethodName();

  private final String user;
  private final Path passwordFile;
  private final long timeoutMs;
  private final AtomicReference<CompletableFuture<String>> token = new AtomicReference<>();
  private volatile boolean warnedAuthDisabled;

  TokenAuth(String user, Path passwordFile, long timeoutMs) {
    this.user = user;
    this.passwordFile = passwordFile;
    this.timeoutMs = timeoutMs;
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(
      MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    if (method.getFullMethodName().equals(AUTHENTICATE)) {
      return next.newCall(method, options);
    }
    Credentials credentials = new Credentials(next);
    boolean watch = method.getFullMethodName().equals(WATCH);
    ClientCall<Q, R> call = next.newCall(method, options.withCallCredentials(credentials));
    return new SimpleForwardingClientCall<>(call) {
      @Override
      public void start(Listener<R> listener, Metadata headers) {
        super.start(
            new SimpleForwardingClientCallListener<>(listener) {
              @Override
              public void onMessage(R message) {
                // etcd cancels a watch whose token expired as "permission denied".
                if (watch
                    && message instanceof WatchResponse w
                    && w.getCanceled()
                    && EtcdFailure.isStaleTokenOrDenied(w.getCancelReason())) {
                  credentials.forget();
                }
                super.onMessage(message);
              }

              @Override
              public void onClose(Status status, Metadata trailers) {
                if (EtcdFailure.isStaleToken(String.valueOf(status.getDescription()))) {
                  credentials.forget();
                }
                super.onClose(status, trailers);
              }
            },
            headers);
      }
    };
  }

  /** The current token, authenticating first when there is none (or the last attempt failed). */
  private CompletableFuture<String> token(Channel channel) {
    while (true) {
      CompletableFuture<String> current = token.get();
      if (current != null && !current.isCompletedExceptionally()) {
        return current;
      }
      CompletableFuture<String> fresh = new CompletableFuture<>();
      if (token.compareAndSet(current, fresh)) {
        authenticate(channel, fresh);
        return fresh;
      }
    }
  }

  private void authenticate(Channel channel, CompletableFuture<String> result) {
    String password;
    try {
      password = password();
    } catch (IOException e) {
      result.completeExceptionally(
          Status.UNAUTHENTICATED
              .withDescription(
                  "authentication failed: cannot read the password of etcd user "
                      + user
                      + " from "
                      + passwordFile
                      + " ("
                      + e.getMessage()
                      + ")")
              .asRuntimeException());
      return;
    }
    AuthenticateRequest request =
        AuthenticateRequest.newBuilder().setName(user).setPassword(password).build();
    ClientCall<AuthenticateRequest, AuthenticateResponse> call =
        channel.newCall(
            AuthGrpc.getAuthenticateMethod(),
            CallOptions.DEFAULT.withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS));
    ClientCalls.asyncUnaryCall(
        call,
        request,
        new StreamObserver<>() {
          @Override
          public void onNext(AuthenticateResponse response) {
            log.atDebug().addKeyValue("user", user).log("authenticated to etcd");
            result.complete(response.getToken());
          }

          @Override
          public void onError(Throwable t) {
            Status status = Status.fromThrowable(t);
            if (String.valueOf(status.getDescription()).contains("authentication is not enabled")) {
              authDisabled();
              result.complete(""); // no token: etcd asks for none
              return;
            }
            result.completeExceptionally(
                status
                    .withDescription(
                        "authenticating as etcd user " + user + ": " + status.getDescription())
                    .asRuntimeException());
          }

          @Override
          public void onCompleted() {
            // onNext completed the result
          }
        });
  }

  private void authDisabled() {
    if (!warnedAuthDisabled) {
      warnedAuthDisabled = true;
      log.atWarn()
          .addKeyValue("user", user)
          .log("etcd has authentication off; calls go without a token (enable auth on etcd)");
    }
  }

  /** The password: the file's content without trailing line breaks (never logged). */
  private String password() throws IOException {
    String content = Files.readString(passwordFile, StandardCharsets.UTF_8);
    int end = content.length();
    while (end > 0 && (content.charAt(end - 1) == '\n' || content.charAt(end - 1) == '\r')) {
      end--;
    }
    if (end == 0) {
      throw new IOException("the file is empty");
    }
    return content.substring(0, end);
  }

  /** Applies the token to one call and remembers which token that was. */
  private final class Credentials extends CallCredentials {
    private final Channel channel;
    private volatile CompletableFuture<String> used;

    Credentials(Channel channel) {
      this.channel = channel;
    }

    @Override
    public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
      CompletableFuture<String> t = token(channel);
      used = t;
      t.whenComplete(
          (value, error) -> {
            if (error != null) {
              applier.fail(Status.fromThrowable(error));
              return;
            }
            Metadata headers = new Metadata();
            if (!value.isEmpty()) {
              headers.put(TOKEN, value);
            }
            applier.apply(headers);
          });
    }

    /** Drops the token this call carried, unless a newer one replaced it already. */
    void forget() {
      CompletableFuture<String> t = used;
      if (t != null) {
        token.compareAndSet(t, null);
      }
    }
  }
}
