package dev.halo.sandbox;

import java.util.List;
import java.util.Optional;

/**
 * How a test or sandbox etcd is secured: TLS on its {@code https} client URLs (server certificate
 * from the cluster's {@link CertificateAuthority}), client certificates required, and auth with
 * users whose roles may read and write one key prefix. Each member also keeps a plaintext client
 * URL on loopback for the harness itself (health, etcdctl as root).
 *
 * @param tls whether the members serve {@code https} client URLs
 * @param clientCertAuth whether they require a client certificate signed by the CA
 * @param authToken etcd's {@code --auth-token} value (e.g. {@code simple} or {@code jwt,...});
 *     empty for etcd's default
 * @param authTokenTtlSeconds etcd's {@code --auth-token-ttl} for simple tokens; 0 for the default
 * @param users users to create before auth is turned on; none: auth stays off
 */
public record EtcdServerSecurity(
    boolean tls,
    boolean clientCertAuth,
    Optional<String> authToken,
    int authTokenTtlSeconds,
    List<User> users) {

  /** An etcd user; {@code prefix} is the key prefix its role may read and write (empty: none). */
  public record User(String name, String password, String prefix) {}

  public static EtcdServerSecurity plaintext() {
    return new EtcdServerSecurity(false, false, Optional.empty(), 0, List.of());
  }

  /** https with a server certificate only: clients need the CA, no certificate of their own. */
  public static EtcdServerSecurity tlsOnly() {
    return new EtcdServerSecurity(true, false, Optional.empty(), 0, List.of());
  }

  public EtcdServerSecurity withClientCertAuth() {
    return new EtcdServerSecurity(tls, true, authToken, authTokenTtlSeconds, users);
  }

  /** Auth on with {@code users} and simple tokens that expire after {@code ttlSeconds}. */
  public EtcdServerSecurity withSimpleTokens(int ttlSeconds, User... users) {
    return new EtcdServerSecurity(
        tls, clientCertAuth, Optional.of("simple"), ttlSeconds, List.of(users));
  }

  /** Auth on with {@code users} and JWT tokens; the cluster writes the signing keys. */
  public EtcdServerSecurity withJwtTokens(int ttlSeconds, User... users) {
    return new EtcdServerSecurity(
        tls, clientCertAuth, Optional.of("jwt:" + ttlSeconds), 0, List.of(users));
  }

  /** Auth on with {@code users} and etcd's default tokens. */
  public EtcdServerSecurity withUsers(User... users) {
    return new EtcdServerSecurity(
        tls, clientCertAuth, authToken, authTokenTtlSeconds, List.of(users));
  }

  boolean auth() {
    return !users.isEmpty();
  }
}
