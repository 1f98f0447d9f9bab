package dev.halo.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EtcdSecurityTest {
  private static final List<URI> HTTP = List.of(URI.create("http://etcd:2379"));
  private static final List<URI> HTTPS = List.of(URI.create("https://etcd:2379"));
  @TempDir Path dir;
  private Path ca;
  private Path cert;
  private Path key;
  private Path password;

  @BeforeEach
  void files() throws IOException {
    ca = Files.writeString(dir.resolve("ca.crt"), "ca");
    cert = Files.writeString(dir.resolve("tls.crt"), "cert");
    key = Files.writeString(dir.resolve("tls.key"), "key");
    password = Files.writeString(dir.resolve("password"), "secret\n");
  }

  @Test
  void theEnvironmentOfSettingsReadsBackAsTheSameSettings() {
    EtcdSecurity settings =
        EtcdSecurity.none()
            .withCaFile(Path.of("/etc/halo/etcd/ca/ca.crt"))
            .withClientCertificate(Path.of("/tls/tls.crt"), Path.of("/tls/tls.key"))
            .withUser("halo-agent", Path.of("/credentials/password"))
            .withServerName("etcd.internal");

    Map<String, String> env = settings.toEnvironment();

    assertThat(env).hasSize(6).containsEntry("HALO_ETCD_SERVER_NAME", "etcd.internal");
    assertThat(EtcdSecurity.fromEnvironment(env)).isEqualTo(settings);
    assertThat(EtcdSecurity.none().toEnvironment()).isEmpty();
  }

  @Test
  void nothingSetIsPlaintextWithoutAuthAndValidOnHttp() {
    EtcdSecurity none = EtcdSecurity.fromEnvironment(Map.of("HALO_ETCD_USER", "  "));

    assertThat(none).isEqualTo(EtcdSecurity.none());
    assertThat(none.tls()).isFalse();
    assertThat(none.problems(HTTP)).isEmpty();
  }

  @Test
  void readsEveryVariable() {
    EtcdSecurity s =
        EtcdSecurity.fromEnvironment(
            Map.of(
                "HALO_ETCD_CACERT", ca.toString(),
                "HALO_ETCD_CERT", cert.toString(),
                "HALO_ETCD_KEY", key.toString(),
                "HALO_ETCD_USER", "halo",
                "HALO_ETCD_PASSWORD_FILE", password.toString(),
                "HALO_ETCD_SERVER_NAME", "etcd.example"));

    assertThat(s)
        .isEqualTo(
            EtcdSecurity.none()
                .withCaFile(ca)
                .withClientCertificate(cert, key)
                .withUser("halo", password)
                .withServerName("etcd.example"));
    assertThat(s.problems(HTTPS)).as("a client certificate and a user together").isEmpty();
  }

  @Test
  void aCertificateNeedsItsKeyAndAKeyItsCertificate() {
    EtcdSecurity certOnly =
        EtcdSecurity.fromEnvironment(
            Map.of("HALO_ETCD_CACERT", ca.toString(), "HALO_ETCD_CERT", cert.toString()));
    EtcdSecurity keyOnly =
        EtcdSecurity.fromEnvironment(
            Map.of("HALO_ETCD_CACERT", ca.toString(), "HALO_ETCD_KEY", key.toString()));

    assertThat(certOnly.problems(HTTPS))
        .containsExactly(
            "HALO_ETCD_CERT is set without HALO_ETCD_KEY: give the client certificate's key");
    assertThat(keyOnly.problems(HTTPS))
        .containsExactly(
            "HALO_ETCD_KEY is set without HALO_ETCD_CERT: give the client certificate");
  }

  @Test
  void aUserNeedsAPasswordFileAndAPasswordFileAUser() {
    assertThat(EtcdSecurity.fromEnvironment(Map.of("HALO_ETCD_USER", "halo")).problems(HTTP))
        .singleElement()
        .asString()
        .startsWith("HALO_ETCD_USER is set without HALO_ETCD_PASSWORD_FILE");
    assertThat(
            EtcdSecurity.fromEnvironment(Map.of("HALO_ETCD_PASSWORD_FILE", password.toString()))
                .problems(HTTP))
        .containsExactly(
            "HALO_ETCD_PASSWORD_FILE is set without HALO_ETCD_USER: give the etcd user");
  }

  @Test
  void tlsFilesOnHttpEndpointsAreAnError() {
    assertThat(EtcdSecurity.none().withCaFile(ca).problems(HTTP))
        .singleElement()
        .asString()
        .contains("HALO_ETCD_CACERT")
        .contains("http://etcd:2379")
        .contains("use https:// URLs");
  }

  @Test
  void httpsEndpointsWithoutAnyTlsSettingAreAnError() {
    assertThat(EtcdSecurity.none().withUser("halo", password).problems(HTTPS))
        .singleElement()
        .asString()
        .startsWith("HALO_ETCD_ENDPOINTS has https:// URLs but no TLS setting is given")
        .contains("set HALO_ETCD_CACERT");
  }

  @Test
  void mixedSchemesAreAnError() {
    List<URI> mixed = List.of(URI.create("http://a:2379"), URI.create("https://b:2379"));

    assertThat(EtcdSecurity.none().withCaFile(ca).problems(mixed))
        .singleElement()
        .asString()
        .contains("mixes http:// and https://");
  }

  @Test
  void aMissingFileIsNamedWithItsVariable() {
    Path missing = dir.resolve("nope.crt");

    assertThat(EtcdSecurity.none().withCaFile(missing).problems(HTTPS))
        .containsExactly(
            "HALO_ETCD_CACERT="
                + missing
                + " does not exist: mount the Secret that holds it there, readable by this"
                + " process");
  }
}
