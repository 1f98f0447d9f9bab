package dev.halo.kubectl;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS context of a kubeconfig target: its CA (else the JDK's), and its client certificate and
 * key in PEM (PKCS#8, PKCS#1 RSA or SEC1 EC, as kubeadm, kind and k3s write them).
 */
final class Tls {
  private static final byte[] RSA_ALGORITHM = {
    0x30,
    0x0d,
    0x06,
    0x09,
    0x2a,
    (byte) 0x86,
    0x48,
    (byte) 0x86,
    (byte) 0xf7,
    0x0d,
    0x01,
    0x01,
    0x01,
    0x05,
    0x00
  };
  private static final byte[] EC_PUBLIC_KEY_OID = {
    0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01
  };

  private Tls() {}

  static SSLContext context(KubeConfig.Target t) {
    try {
      TrustManager[] trust = null;
      if (t.insecure()) {
        trust = new TrustManager[] {new TrustAll()};
      } else if (t.caPem() != null) {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        int i = 0;
        for (Certificate c : certificates(t.caPem())) {
          ks.setCertificateEntry("ca-" + i++, c);
        }
        TrustManagerFactory tmf =
            TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        trust = tmf.getTrustManagers();
      }
      KeyManagerFactory kmf = null;
      KubeConfig.Credentials c = t.credentials();
      if (c.certPem() != null && c.keyPem() != null) {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        char[] none = new char[0];
        ks.setKeyEntry(
            "client",
            privateKey(c.keyPem()),
            none,
            certificates(c.certPem()).toArray(Certificate[]::new));
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, none);
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf == null ? null : kmf.getKeyManagers(), trust, new SecureRandom());
      return ctx;
    } catch (GeneralSecurityException | java.io.IOException | IllegalArgumentException e) {
      throw new Failure(
          Failure.CONFIG,
          "cannot use the certificates of context \""
              + t.context()
              + "\" (certificate-authority, client-certificate, client-key): "
              + e.getMessage());
    }
  }

  private static Collection<? extends Certificate> certificates(byte[] pem)
      throws GeneralSecurityException {
    return CertificateFactory.getInstance("X.509")
        .generateCertificates(new ByteArrayInputStream(pem));
  }

  static PrivateKey privateKey(byte[] pem) throws GeneralSecurityException {
    String text = new String(pem, StandardCharsets.US_ASCII);
    String type = text.replaceAll("(?s).*-----BEGIN ([A-Z ]+)-----.*", "$1");
    String body = text.replaceAll("(?s).*-----BEGIN [A-Z ]+-----(.*)-----END.*", "$1");
    byte[] der = Base64.getMimeDecoder().decode(body.strip());
    return switch (type) {
      case "RSA PRIVATE KEY" ->
          KeyFactory.getInstance("RSA")
              .generatePrivate(new PKCS8EncodedKeySpec(pkcs8(RSA_ALGORITHM, der)));
      case "EC PRIVATE KEY" ->
          KeyFactory.getInstance("EC")
              .generatePrivate(
                  new PKCS8EncodedKeySpec(
                      pkcs8(tlv(0x30, concat(EC_PUBLIC_KEY_OID, curveOid(der))), der)));
      case "PRIVATE KEY" -> pkcs8Key(der);
      default -> throw new GeneralSecurityException("unknown key type " + type);
    };
  }

  private static PrivateKey pkcs8Key(byte[] der) throws GeneralSecurityException {
    for (String alg : new String[] {"RSA", "EC", "Ed25519"}) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // try the next algorithm
      }
    }
    throw new GeneralSecurityException("the client key is neither RSA, EC nor Ed25519");
  }

  /** The named curve of a SEC1 key: the OID under its [0] tag. */
  private static byte[] curveOid(byte[] sec1) throws GeneralSecurityException {
    int i = headerLength(sec1, 0);
    while (i < sec1.length) {
      int tag = sec1[i] & 0xff;
      int len = length(sec1, i);
      int head = headerLength(sec1, i);
      if (tag == 0xa0) {
        byte[] oid = new byte[len];
        System.arraycopy(sec1, i + head, oid, 0, len);
        return oid;
      }
      i += head + len;
    }
    throw new GeneralSecurityException("the EC key names no curve");
  }

  private static int length(byte[] der, int at) {
    int b = der[at + 1] & 0xff;
    if (b < 0x80) {
      return b;
    }
    int n = b & 0x7f;
    int len = 0;
    for (int k = 0; k < n; k++) {
      len = (len << 8) | (der[at + 2 + k] & 0xff);
    }
    return len;
  }

  private static int headerLength(byte[] der, int at) {
    int b = der[at + 1] & 0xff;
    return b < 0x80 ? 2 : 2 + (b & 0x7f);
  }

  private static byte[] pkcs8(byte[] algorithm, byte[] key) {
    return tlv(0x30, concat(new byte[] {0x02, 0x01, 0x00}, algorithm, tlv(0x04, key)));
  }

  private static byte[] tlv(int tag, byte[] value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int len = value.length;
    if (len < 0x80) {
      out.write(len);
    } else if (len < 0x100) {
      out.write(0x81);
      out.write(len);
    } else {
      out.write(0x82);
      out.write(len >> 8);
      out.write(len & 0xff);
    }
    out.writeBytes(value);
    return out.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /** insecure-skip-tls-verify: true, as kubectl honours it. */
  private static final class TrustAll implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
