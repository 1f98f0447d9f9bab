package dev.halo.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A small certificate authority for tests and the sandbox: writes a CA, etcd server certificates
 * (IP SAN 127.0.0.1, DNS localhost) and client certificates (CN = the etcd user) as PEM files, keys
 * in PKCS#8 or, as cert-manager and openssl write them, PKCS#1 (RSA) and SEC1 (EC); expired ones on
 * demand.
 */
public final class CertificateAuthority {
  private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());
  private static final Duration VALID = Duration.ofDays(1);

  /** How a private key is written. */
  public enum KeyFormat {
    /** {@code BEGIN PRIVATE KEY}, RSA. */
    PKCS8,
    /** {@code BEGIN RSA PRIVATE KEY}. */
    PKCS1,
    /** {@code BEGIN EC PRIVATE KEY}, P-256. */
    SEC1
  }

  /** A certificate and its key, as files. */
  public record Issued(Path cert, Path key) {}

  private final Path dir;
  private final String name;
  private final KeyPair keys;
  private final X509Certificate certificate;

  private CertificateAuthority(Path dir, String name) throws GeneralSecurityException, IOException {
    this.dir = dir;
    this.name = name;
    this.keys = rsa();
    Instant now = Instant.now();
    this.certificate =
        sign(
            new JcaX509v3CertificateBuilder(
                    new X500Name("CN=" + name),
                    serial(),
                    Date.from(now.minus(Duration.ofMinutes(5))),
                    Date.from(now.plus(VALID)),
                    new X500Name("CN=" + name),
                    keys.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                .addExtension(
                    Extension.keyUsage,
                    true,
                    new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign)));
  }

  /** A new CA whose files go into {@code dir}; {@link #caFile()} holds its certificate. */
  public static CertificateAuthority create(Path dir, String name) {
    try {
      Files.createDirectories(dir);
      CertificateAuthority ca = new CertificateAuthority(dir, name);
      ca.writePem(ca.caFile(), ca.certificate);
      return ca;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot create test CA " + name, e);
    }
  }

  public Path caFile() {
    return dir.resolve(name + "-ca.crt");
  }

  /** A server certificate for etcd on this machine: SANs 127.0.0.1 and localhost. */
  public Issued server(String fileName) {
    GeneralNames sans =
        new GeneralNames(
            new GeneralName[] {
              new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
              new GeneralName(GeneralName.dNSName, "localhost")
            });
    return issue(fileName, "etcd", KeyFormat.PKCS8, false, KeyPurposeId.id_kp_serverAuth, sans);
  }

  /** A client certificate whose CN is {@code user}, valid for a day (or expired yesterday). */
  public Issued client(String fileName, String user, KeyFormat format, boolean expired) {
    return issue(fileName, user, format, expired, KeyPurposeId.id_kp_clientAuth, null);
  }

  private Issued issue(
      String fileName,
      String cn,
      KeyFormat format,
      boolean expired,
      KeyPurposeId purpose,
      GeneralNames sans) {
    try {
      KeyPair pair = format == KeyFormat.SEC1 ? ec() : rsa();
      Instant now = Instant.now();
      Instant from = expired ? now.minus(Duration.ofDays(2)) : now.minus(Duration.ofMinutes(5));
      Instant until = expired ? now.minus(Duration.ofDays(1)) : now.plus(VALID);
      JcaX509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
              certificate,
              serial(),
              Date.from(from),
              Date.from(until),
              new X500Name("CN=" + cn),
              pair.getPublic());
      builder.addExtension(
          Extension.keyUsage,
          true,
          new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      // etcd checks ExtKeyUsage; both purposes keep one certificate usable either way.
      builder.addExtension(
          Extension.extendedKeyUsage,
          false,
          new ExtendedKeyUsage(
              new KeyPurposeId[] {
                purpose, KeyPurposeId.id_kp_clientAuth, KeyPurposeId.id_kp_serverAuth
              }));
      if (sans != null) {
        builder.addExtension(Extension.subjectAlternativeName, false, sans);
      }
      X509Certificate cert = sign(builder);
      Issued issued = new Issued(dir.resolve(fileName + ".crt"), dir.resolve(fileName + ".key"));
      writePem(issued.cert(), cert);
      try (Writer out = Files.newBufferedWriter(issued.key());
          JcaPEMWriter pem = new JcaPEMWriter(out)) {
        // The JCA writer writes RSA keys as PKCS#1 and EC keys as SEC1 unless asked for PKCS#8.
        if (format == KeyFormat.PKCS8) {
          pem.writeObject(new JcaPKCS8Generator(pair.getPrivate(), null));
        } else if (format == KeyFormat.SEC1) {
          pem.writeObject(sec1WithCurve(pair));
        } else {
          pem.writeObject(pair.getPrivate());
        }
      }
      return issued;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot issue test certificate " + fileName, e);
    }
  }

  /** SEC1 with the curve named inside, as openssl and cert-manager write it (BC leaves it out). */
  private static org.bouncycastle.util.io.pem.PemObject sec1WithCurve(KeyPair pair)
      throws IOException {
    org.bouncycastle.asn1.pkcs.PrivateKeyInfo info =
        org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(pair.getPrivate().getEncoded());
    org.bouncycastle.asn1.sec.ECPrivateKey inner =
        org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey());
    org.bouncycastle.asn1.sec.ECPrivateKey withCurve =
        new org.bouncycastle.asn1.sec.ECPrivateKey(
            256, inner.getKey(), info.getPrivateKeyAlgorithm().getParameters());
    return new org.bouncycastle.util.io.pem.PemObject("EC PRIVATE KEY", withCurve.getEncoded());
  }

  private X509Certificate sign(org.bouncycastle.cert.X509v3CertificateBuilder builder)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(
              builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(keys.getPrivate())));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private void writePem(Path file, Object object) {
    try (Writer out = Files.newBufferedWriter(file);
        JcaPEMWriter pem = new JcaPEMWriter(out)) {
      pem.writeObject(object);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes an RSA key pair for etcd's JWT tokens; returns {@code [public, private]} files. */
  public static Path[] jwtKeys(Path dir) {
    try {
      KeyPair pair = rsa();
      Path pub = dir.resolve("jwt.pub");
      Path key = dir.resolve("jwt.key");
      try (Writer out = Files.newBufferedWriter(pub);
          JcaPEMWriter pem = new JcaPEMWriter(out)) {
        pem.writeObject(pair.getPublic());
      }
      try (Writer out = Files.newBufferedWriter(key);
          JcaPEMWriter pem = new JcaPEMWriter(out)) {
        pem.writeObject(pair.getPrivate());
      }
      return new Path[] {pub, key};
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot write JWT keys", e);
    }
  }

  private static BigInteger serial() {
    return BigInteger.valueOf(SERIALS.incrementAndGet());
  }

  private static KeyPair rsa() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    return generator.generateKeyPair();
  }

  private static KeyPair ec() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }
}
