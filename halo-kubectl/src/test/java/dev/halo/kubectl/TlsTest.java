package dev.halo.kubectl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import org.junit.jupiter.api.Test;

/** Client keys as kubeadm, kind and k3s write them (made once with openssl for these tests). */
class TlsTest {
  private static byte[] key(String name) throws IOException {
    try (InputStream in = TlsTest.class.getResourceAsStream("keys/" + name)) {
      return in.readAllBytes();
    }
  }

  @Test
  void readsAPkcs1RsaKey() throws Exception {
    PrivateKey k = Tls.privateKey(key("rsa-pkcs1.key"));

    assertThat(k).isInstanceOf(RSAPrivateKey.class);
    assertThat(((RSAPrivateKey) k).getModulus().bitLength()).isEqualTo(2048);
  }

  @Test
  void readsASec1EcKeyAsTheSameKeyAsItsPkcs8Form() throws Exception {
    PrivateKey sec1 = Tls.privateKey(key("ec-sec1.key"));
    PrivateKey pkcs8 = Tls.privateKey(key("ec-pkcs8.key"));

    assertThat(sec1).isInstanceOf(ECPrivateKey.class);
    assertThat(((ECPrivateKey) sec1).getS()).isEqualTo(((ECPrivateKey) pkcs8).getS());
  }

  @Test
  void aClientCertificateAndItsKeyMakeATlsContext() throws Exception {
    KubeConfig.Target t =
        new KubeConfig.Target(
            "c",
            "https://k",
            "default",
            "u",
            new KubeConfig.Credentials(null, null, key("ec.crt"), key("ec-sec1.key")),
            key("ec.crt"),
            false);

    assertThat(Tls.context(t).getProtocol()).isEqualTo("TLS");
  }

  @Test
  void anUnreadableKeyIsAConfigFailureNamingTheContext() throws Exception {
    KubeConfig.Target t =
        new KubeConfig.Target(
            "prod",
            "https://k",
            "default",
            "u",
            new KubeConfig.Credentials(
                null,
                null,
                key("ec.crt"),
                "-----BEGIN DSA PRIVATE KEY-----\nAA==\n-----END DSA PRIVATE KEY-----\n"
                    .getBytes()),
            null,
            false);

    assertThatThrownBy(() -> Tls.context(t))
        .isInstanceOf(Failure.class)
        .hasMessageContaining("context \"prod\"")
        .hasMessageContaining("unknown key type DSA PRIVATE KEY");
  }
}
