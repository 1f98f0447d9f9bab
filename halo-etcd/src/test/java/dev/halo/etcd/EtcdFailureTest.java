package dev.halo.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.etcd.EtcdFailure.Kind;
import io.grpc.Status;
import java.net.ConnectException;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.util.concurrent.CompletionException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

class EtcdFailureTest {
  private static final EtcdSecurity PASSWORD =
      EtcdSecurity.none().withUser("halo", Path.of("/etc/halo/password"));
  private static final EtcdSecurity TLS = EtcdSecurity.none().withCaFile(Path.of("/etc/ca.crt"));

  /** A failure as jetcd hands it over: the status description first, gRPC's exception inside. */
  private static Throwable etcdSays(Status status) {
    return new CompletionException(
        new RuntimeException(status.getDescription(), status.asRuntimeException()));
  }

  private static Throwable handshake(Throwable cause) {
    SSLHandshakeException ssl = new SSLHandshakeException(cause.getMessage());
    ssl.initCause(cause);
    return etcdSays(Status.UNAVAILABLE.withDescription("io exception").withCause(ssl));
  }

  @Test
  void aWrongPasswordIsAnAuthFailureNamingTheUserAndTheFileNeverThePassword() {
    EtcdFailure f =
        EtcdFailure.classify(
            etcdSays(
                Status.INVALID_ARGUMENT.withDescription(
                    "authenticating as etcd user halo: etcdserver: authentication failed,"
                        + " invalid user ID or password")),
            PASSWORD);

    assertThat(f.kind()).isEqualTo(Kind.AUTH_FAILED);
    assertThat(f.kind().reason()).isEqualTo("AuthFailed");
    assertThat(f.message()).contains("user halo").contains("/etc/halo/password");
  }

  @Test
  void permissionDeniedNamesTheUser() {
    EtcdFailure f =
        EtcdFailure.classify(
            etcdSays(Status.PERMISSION_DENIED.withDescription("etcdserver: permission denied")),
            PASSWORD);

    assertThat(f.kind()).isEqualTo(Kind.PERMISSION_DENIED);
    assertThat(f.message()).contains("user halo").contains("grant");
  }

  @Test
  void anUntrustedServerCertificateIsATlsFailureNamingTheCaFile() {
    EtcdFailure f =
        EtcdFailure.classify(
            handshake(
                new CertificateException(
                    "PKIX path building failed: unable to find valid certification path to"
                        + " requested target")),
            TLS);

    assertThat(f.kind()).isEqualTo(Kind.TLS_FAILED);
    assertThat(f.message()).contains("HALO_ETCD_CACERT=/etc/ca.crt").contains("not signed");
  }

  @Test
  void aServerCertificateForAnotherNameIsATlsFailureThatPointsAtTheServerName() {
    EtcdFailure f =
        EtcdFailure.classify(
            handshake(
                new CertificateException(
                    "No subject alternative names matching IP address 10.0.0.1 found")),
            TLS);

    assertThat(f.kind()).isEqualTo(Kind.TLS_FAILED);
    assertThat(f.message()).contains("HALO_ETCD_SERVER_NAME");
  }

  @Test
  void anExpiredServerCertificateIsCertificateExpired() {
    CertificateException validator = new CertificateException("validity check failed");
    validator.initCause(new CertificateExpiredException("NotAfter: Mon Jan 01 00:00:00 UTC 2024"));

    EtcdFailure f = EtcdFailure.classify(handshake(validator), TLS);

    assertThat(f.kind()).isEqualTo(Kind.CERTIFICATE_EXPIRED);
    assertThat(f.message()).contains("etcd's server certificate");
  }

  @Test
  void aRefusedConnectionIsUnreachable() {
    EtcdFailure f =
        EtcdFailure.classify(
            etcdSays(
                Status.UNAVAILABLE
                    .withDescription("io exception")
                    .withCause(new ConnectException("Connection refused"))),
            TLS);

    assertThat(f.kind()).isEqualTo(Kind.UNREACHABLE);
    assertThat(f.kind().reason()).isEqualTo("Unreachable");
    assertThat(f.message()).contains("Connection refused");
  }

  @Test
  void etcdsStaleTokenWordsAskForANewToken() {
    for (String words :
        new String[] {
          "etcdserver: invalid auth token",
          "etcdserver: revision of auth store is old",
          "etcdserver: user name is empty"
        }) {
      assertThat(EtcdFailure.isStaleToken(etcdSays(Status.UNAUTHENTICATED.withDescription(words))))
          .as(words)
          .isTrue();
    }
    assertThat(
            EtcdFailure.isStaleToken(
                etcdSays(
                    Status.PERMISSION_DENIED.withDescription("etcdserver: permission denied"))))
        .isFalse();
  }

  @Test
  void authOnWithoutAnyUserSaysWhatToSet() {
    EtcdFailure f =
        EtcdFailure.classify(
            etcdSays(Status.INVALID_ARGUMENT.withDescription("etcdserver: user name is empty")),
            TLS);

    assertThat(f.kind()).isEqualTo(Kind.AUTH_FAILED);
    assertThat(f.message()).contains("HALO_ETCD_USER").contains("CN");
  }
}
