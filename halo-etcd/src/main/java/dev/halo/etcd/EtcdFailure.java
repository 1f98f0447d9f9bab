package dev.halo.etcd;

import dev.halo.common.AgentVariables;
import dev.halo.common.Failures;
import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * What an etcd call's failure means, in words that say what to do: etcd unreachable, the TLS
 * handshake failed, a certificate expired (ours or etcd's), authentication failed or permission was
 * denied. Taken from gRPC status messages, etcd's error texts and SSL exception causes.
 *
 * @param kind the kind of failure
 * @param message what happened and what to do; never a secret
 */
public record EtcdFailure(Kind kind, String message) {

  /** The kinds of failure; {@link #reason()} is the condition and Warning reason. */
  public enum Kind {
    UNREACHABLE("Unreachable"),
    TLS_FAILED("TLSFailed"),
    CERTIFICATE_EXPIRED("CertificateExpired"),
    AUTH_FAILED("AuthFailed"),
    PERMISSION_DENIED("PermissionDenied");

    private final String reason;

    Kind(String reason) {
      this.reason = reason;
    }

    public String reason() {
      return reason;
    }
  }

  // etcd's words for a token that is no longer good; the call succeeds with a new one.
  private static final List<String> STALE_TOKEN =
      List.of(
          "invalid auth token",
          "auth store is old",
          "revision of auth store is old",
          "user name is empty");

  /** Whether {@code error} says the call's token expired or is stale (re-authenticate, retry). */
  public static boolean isStaleToken(Throwable error) {
    for (String message : messages(error)) {
      if (isStaleToken(message)) {
        return true;
      }
    }
    return false;
  }

  static boolean isStaleToken(String message) {
    return STALE_TOKEN.stream().anyMatch(message::contains);
  }

  /** A stale token, or a watch canceled as "permission denied", which an expired token causes. */
  static boolean isStaleTokenOrDenied(String message) {
    return isStaleToken(message) || message.contains("permission denied");
  }

  /** What {@code error} of a call to etcd with {@code security} means. */
  public static EtcdFailure classify(Throwable error, EtcdSecurity security) {
    List<Throwable> chain = chain(error);
    String text = String.join(" | ", messages(error)).toLowerCase(Locale.ROOT);
    Optional<EtcdFailure> expired = expired(chain, text, security);
    if (expired.isPresent()) {
      return expired.get();
    }
    if (isTls(chain, text)) {
      return new EtcdFailure(Kind.TLS_FAILED, tlsMessage(text, security));
    }
    if (text.contains("authentication failed")
        || text.contains("invalid user id or password")
        || (security.passwordAuth() && text.contains("user name not found"))) {
      return new EtcdFailure(Kind.AUTH_FAILED, authMessage(security, Failures.rootMessage(error)));
    }
    if (text.contains("user name is empty") || text.contains("invalid auth token")) {
      return new EtcdFailure(
          Kind.AUTH_FAILED,
          security.passwordAuth()
              ? authMessage(security, "etcd refused a fresh token")
              : "etcd has authentication on and knows no user for this client: set "
                  + AgentVariables.ETCD_USER
                  + " and "
                  + AgentVariables.ETCD_PASSWORD_FILE
                  + ", or a client certificate whose CN is an etcd user");
    }
    if (text.contains("permission denied")) {
      return new EtcdFailure(
          Kind.PERMISSION_DENIED,
          "etcd denied "
              + who(security)
              + " access to Halo's keys: grant its role readwrite on the group's key prefix"
              + " (see docs/etcd-security.md)");
    }
    return new EtcdFailure(Kind.UNREACHABLE, Failures.rootMessage(error));
  }

  private static Optional<EtcdFailure> expired(
      List<Throwable> chain, String text, EtcdSecurity security) {
    boolean serverCertExpired =
        chain.stream()
            .anyMatch(
                t ->
                    t instanceof CertificateExpiredException
                        || t instanceof CertificateNotYetValidException);
    if (serverCertExpired) {
      return Optional.of(
          new EtcdFailure(
              Kind.CERTIFICATE_EXPIRED,
              "etcd's server certificate has expired (or is not valid yet): renew etcd's"
                  + " certificate"));
    }
    if (!isTls(chain, text) && !text.contains("certificate")) {
      return Optional.empty();
    }
    return ownCertificateExpiry(security)
        .map(
            notAfter ->
                new EtcdFailure(
                    Kind.CERTIFICATE_EXPIRED,
                    "our client certificate "
                        + AgentVariables.ETCD_CERT
                        + "="
                        + security.certFile().orElseThrow()
                        + " expired at "
                        + notAfter
                        + ": renew it (etcd refuses expired client certificates)"));
  }

  /** When our client certificate expired, if it has. */
  private static Optional<Instant> ownCertificateExpiry(EtcdSecurity security) {
    if (security.certFile().isEmpty()) {
      return Optional.empty();
    }
    try {
      X509Certificate leaf = PemFiles.certificates(security.certFile().get()).get(0);
      Instant notAfter = leaf.getNotAfter().toInstant();
      return notAfter.isBefore(Instant.now()) ? Optional.of(notAfter) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static boolean isTls(List<Throwable> chain, String text) {
    return chain.stream().anyMatch(t -> t instanceof SSLException)
        || text.contains("ssl")
        || text.contains("tls")
        || text.contains("pkix path")
        || text.contains("certification path")
        || text.contains("bad_certificate")
        || text.contains("unknown_ca")
        || text.contains("certificate_required");
  }

  private static String tlsMessage(String text, EtcdSecurity security) {
    String ca =
        security
            .caFile()
            .map(f -> AgentVariables.ETCD_CACERT + "=" + f)
            .orElse("the JDK's default CAs (" + AgentVariables.ETCD_CACERT + " is not set)");
    if (text.contains("pkix path") || text.contains("certification path")) {
      return "TLS handshake with etcd failed: etcd's server certificate is not signed by a CA in "
          + ca
          + "; give the CA that signed etcd's certificate";
    }
    if (text.contains("no subject alternative") || text.contains("no name matching")) {
      return "TLS handshake with etcd failed: etcd's server certificate does not name the host"
          + " in the endpoint URL; use a name it carries, or set "
          + AgentVariables.ETCD_SERVER_NAME
          + " to one";
    }
    if (text.contains("bad_certificate")
        || text.contains("unknown_ca")
        || text.contains("certificate_required")
        || text.contains("certificate_unknown")) {
      return security.clientCertificate()
          ? "TLS handshake with etcd failed: etcd rejected our client certificate "
              + security.certFile().get()
              + " (is it signed by etcd's --trusted-ca-file?)"
          : "TLS handshake with etcd failed: etcd asks for a client certificate; set "
              + AgentVariables.ETCD_CERT
              + " and "
              + AgentVariables.ETCD_KEY;
    }
    if (text.contains("not an ssl/tls record") || text.contains("unrecognized ssl message")) {
      return "etcd does not speak TLS on this port: use http:// endpoints without TLS settings,"
          + " or enable TLS on etcd";
    }
    return "TLS handshake with etcd failed: " + text;
  }

  private static String authMessage(EtcdSecurity security, String detail) {
    return "authentication failed: etcd rejected user "
        + security.user().orElse("(none)")
        + " with the password in "
        + AgentVariables.ETCD_PASSWORD_FILE
        + "="
        + security.passwordFile().map(Path::toString).orElse("(none)")
        + ": check the user name and the file's content ("
        + detail
        + ")";
  }

  /** The etcd user the calls act as: the configured user, else the client certificate's CN. */
  private static String who(EtcdSecurity security) {
    if (security.user().isPresent()) {
      return "user " + security.user().get();
    }
    if (security.certFile().isPresent()) {
      try {
        String subject =
            PemFiles.certificates(security.certFile().get())
                .get(0)
                .getSubjectX500Principal()
                .getName();
        return "user " + commonName(subject) + " (the client certificate's CN)";
      } catch (IOException e) {
        return "the client certificate's user";
      }
    }
    return "this client";
  }

  private static String commonName(String subject) {
    for (String part : subject.split(",")) {
      if (part.strip().startsWith("CN=")) {
        return part.strip().substring(3);
      }
    }
    return subject;
  }

  private static List<Throwable> chain(Throwable error) {
    List<Throwable> chain = new ArrayList<>();
    for (Throwable t = error; t != null && !chain.contains(t); t = t.getCause()) {
      chain.add(t);
    }
    return chain;
  }

  private static List<String> messages(Throwable error) {
    List<String> messages = new ArrayList<>();
    for (Throwable t : chain(error)) {
      messages.add(t.getClass().getSimpleName() + ": " + t.getMessage());
    }
    return messages;
  }
}
