package dev.halo.etcd;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM certificates and private keys with the JDK alone. Keys may be PKCS#8 ({@code BEGIN
 * PRIVATE KEY}), PKCS#1 ({@code BEGIN RSA PRIVATE KEY}, cert-manager's default) or SEC1 ({@code
 * BEGIN EC PRIVATE KEY}); the last two are wrapped into PKCS#8, which is all the JDK reads.
 */
public final class PemFiles {
  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)\\s*-----END \\1-----");

  private PemFiles() {}

  /** The certificates in {@code file}, in order (leaf first in a chain); at least one. */
  public static List<X509Certificate> certificates(Path file) throws IOException {
    List<X509Certificate> certificates = new ArrayList<>();
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      for (Block block : blocks(file)) {
        if (block.type().equals("CERTIFICATE")) {
          Certificate c = factory.generateCertificate(new ByteArrayInputStream(block.der()));
          certificates.add((X509Certificate) c);
        }
      }
    } catch (CertificateException e) {
      throw new IOException(file + " holds a certificate that cannot be read: " + e.getMessage());
    }
    if (certificates.isEmpty()) {
      throw new IOException(file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
    return certificates;
  }

  /** The private key in {@code file}. */
  public static PrivateKey privateKey(Path file) throws IOException {
    for (Block block : blocks(file)) {
      switch (block.type()) {
        case "PRIVATE KEY":
          return pkcs8(file, block.der(), "RSA", "EC", "Ed25519", "Ed448");
        case "RSA PRIVATE KEY":
          return pkcs8(file, Pkcs8.fromPkcs1(block.der()), "RSA");
        case "EC PRIVATE KEY":
          return pkcs8(file, Pkcs8.fromSec1(block.der()), "EC");
        case "ENCRYPTED PRIVATE KEY":
          throw new IOException(
              file
                  + " holds an encrypted key; give it unencrypted (openssl pkcs8 -topk8 -nocrypt),"
                  + " protected by the Secret's access rules instead");
        default:
          // EC PARAMETERS and other blocks that come along with a key
      }
    }
    throw new IOException(
        file
            + " holds no PEM private key (-----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or"
            + " EC PRIVATE KEY)");
  }

  private static PrivateKey pkcs8(Path file, byte[] der, String... algorithms) throws IOException {
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String algorithm : algorithms) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (GeneralSecurityException e) {
        // try the next algorithm
      }
    }
    throw new IOException(
        file + " holds a private key of an unknown kind; give an RSA, EC or Ed25519 key");
  }

  private record Block(String type, byte[] der) {}

  private static List<Block> blocks(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.US_ASCII);
    List<Block> blocks = new ArrayList<>();
    Matcher m = BLOCK.matcher(text);
    while (m.find()) {
      try {
        blocks.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
      } catch (IllegalArgumentException e) {
        throw new IOException(file + " has a damaged PEM block (" + m.group(1) + ")");
      }
    }
    return blocks;
  }
}
