package dev.halo.etcd;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The jetcd client agent and operator talk to etcd with, set up from {@link EtcdSecurity}: TLS
 * through an SslContext whose key and trust material follow the files, a token on every call when a
 * user is set, and no retries inside jetcd (the callers pace their own). Run each call through
 * {@link #call} so one that meets an expired token is retried once, at once, with a new token.
 */
public final class EtcdClient implements AutoCloseable {
  private final Client client;
  private final EtcdSecurity security;

  private EtcdClient(Client client, EtcdSecurity security) {
    this.client = client;
    this.security = security;
  }

  /**
   * A client for {@code endpoints}; {@code waitForReady} false fails calls at once while no member
   * accepts connections. Throws IOException when the TLS files cannot be read now.
   */
  public static EtcdClient open(
      List<URI> endpoints, EtcdSecurity security, Duration callTimeout, boolean waitForReady)
      throws IOException {
    ClientBuilder builder = Client.builder();
    // Before endpoints(): jetcd puts the authority into the target it derives from them.
    security.serverName().ifPresent(builder::authority);
    builder
        .endpoints(endpoints.toArray(URI[]::new))
        .connectTimeout(Duration.ofSeconds(1))
        // gRPC allows no less than 10 s; etcd answers pings on idle connections with
        // too_many_pings, so only connections with a call in flight (a watch) are pinged.
        .keepaliveTime(Duration.ofSeconds(10))
        .keepaliveTimeout(Duration.ofSeconds(2))
        .keepaliveWithoutCalls(false)
        .retryMaxAttempts(0)
        .waitForReady(waitForReady);
    if (security.tls()) {
      builder.sslContext(TlsContexts.forClient(security));
    }
    if (security.user().isPresent() && security.passwordFile().isPresent()) {
      builder.interceptor(
          new TokenAuth(
              security.user().get(), security.passwordFile().get(), callTimeout.toMillis()));
    }
    return new EtcdClient(builder.build(), security);
  }

  /** The jetcd client; issue calls through {@link #call}. */
  public Client jetcd() {
    return client;
  }

  public EtcdSecurity security() {
    return security;
  }

  /**
   * Makes the call; if etcd refused its token as expired or stale, makes it once more at once (the
   * refusal dropped the token, so the second attempt authenticates first).
   */
  public <T> CompletableFuture<T> call(Supplier<CompletableFuture<T>> call) {
    if (!security.passwordAuth()) {
      return call.get();
    }
    return call.get()
        .exceptionallyCompose(
            error ->
                EtcdFailure.isStaleToken(error)
                    ? call.get()
                    : CompletableFuture.failedFuture(error));
  }

  @Override
  public void close() {
    client.close();
  }
}
