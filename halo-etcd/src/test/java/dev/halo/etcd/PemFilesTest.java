package dev.halo.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemFilesTest {
  @TempDir Path dir;

  private static Path resource(String name) throws URISyntaxException {
    return Path.of(PemFilesTest.class.getResource("/pem/" + name).toURI());
  }

  @Test
  void readsAPkcs1RsaKeyAsTheSameKeyAsItsPkcs8Form() throws Exception {
    PrivateKey pkcs1 = PemFiles.privateKey(resource("rsa-pkcs1.pem"));
    PrivateKey pkcs8 = PemFiles.privateKey(resource("rsa-pkcs8.pem"));

    assertThat(pkcs1.getAlgorithm()).isEqualTo("RSA");
    assertThat(pkcs1.getEncoded()).isEqualTo(pkcs8.getEncoded());
  }

  @Test
  void readsSec1EcKeysWithTheirCurveAsTheSameKeyAsTheirPkcs8Form() throws Exception {
    for (String curve : new String[] {"ec", "ec384"}) {
      PrivateKey sec1 = PemFiles.privateKey(resource(curve + "-sec1.pem"));
      PrivateKey pkcs8 = PemFiles.privateKey(resource(curve + "-pkcs8.pem"));

      assertThat(sec1.getAlgorithm()).isEqualTo("EC");
      assertThat(((java.security.interfaces.ECPrivateKey) sec1).getS())
          .as(curve)
          .isEqualTo(((java.security.interfaces.ECPrivateKey) pkcs8).getS());
      assertThat(((java.security.interfaces.ECPrivateKey) sec1).getParams().getCurve())
          .as(curve)
          .isEqualTo(((java.security.interfaces.ECPrivateKey) pkcs8).getParams().getCurve());
    }
  }

  @Test
  void refusesAnEncryptedKeyWithTheCommandThatDecryptsIt() throws IOException {
    Path file = dir.resolve("encrypted.pem");
    Files.writeString(
        file, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");

    assertThatThrownBy(() -> PemFiles.privateKey(file))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("encrypted")
        .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
  }

  @Test
  void saysWhenAFileHoldsNoKeyOrNoCertificate() throws IOException {
    Path file = dir.resolve("empty.pem");
    Files.writeString(file, "nothing here\n");

    assertThatThrownBy(() -> PemFiles.privateKey(file)).hasMessageContaining("no PEM private key");
    assertThatThrownBy(() -> PemFiles.certificates(file))
        .hasMessageContaining("no PEM certificate");
  }

  @Test
  void refusesDamagedDerInsteadOfReadingGarbage() throws IOException {
    Path file = dir.resolve("damaged.pem");
    Files.writeString(
        file, "-----BEGIN RSA PRIVATE KEY-----\nAQID\n-----END RSA PRIVATE KEY-----\n");

    assertThatThrownBy(() -> PemFiles.privateKey(file)).hasMessageContaining("not a DER");
  }
}
