package dev.halo.etcd;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;

/**
 * Wraps PKCS#1 (RSA) and SEC1 (EC) private keys into PKCS#8 {@code PrivateKeyInfo}, with just
 * enough DER to do it: {@code SEQUENCE { INTEGER 0, AlgorithmIdentifier, OCTET STRING key }}.
 */
final class Pkcs8 {
  private static final int INTEGER = 0x02;
  private static final int OCTET_STRING = 0x04;
  private static final int NULL = 0x05;
  private static final int OID = 0x06;
  private static final int SEQUENCE = 0x30;
  private static final int EC_PARAMETERS = 0xa0; // [0] EXPLICIT in ECPrivateKey

  // 1.2.840.113549.1.1.1 rsaEncryption and 1.2.840.10045.2.1 id-ecPublicKey, DER-encoded.
  private static final byte[] RSA_ENCRYPTION = {
    0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01
  };
  private static final byte[] EC_PUBLIC_KEY = {0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 1};

  private Pkcs8() {}

  /** PKCS#8 of a PKCS#1 {@code RSAPrivateKey}. */
  static byte[] fromPkcs1(byte[] rsaPrivateKey) throws IOException {
    readElement(rsaPrivateKey, 0, SEQUENCE); // fails early on something that is no key
    byte[] algorithm = tlv(SEQUENCE, concat(tlv(OID, RSA_ENCRYPTION), tlv(NULL, new byte[0])));
    return privateKeyInfo(algorithm, rsaPrivateKey);
  }

  /**
   * PKCS#8 of a SEC1 {@code ECPrivateKey}; the curve comes from the key's own parameters, which
   * openssl and cert-manager always write.
   */
  static byte[] fromSec1(byte[] ecPrivateKey) throws IOException {
    Element outer = readElement(ecPrivateKey, 0, SEQUENCE);
    int at = outer.contentStart();
    at = readElement(ecPrivateKey, at, INTEGER).end(); // version 1
    at = readElement(ecPrivateKey, at, OCTET_STRING).end(); // the private value
    if (at >= outer.end() || (ecPrivateKey[at] & 0xff) != EC_PARAMETERS) {
      throw new IOException(
          "the EC key names no curve; convert it to PKCS#8 (openssl pkcs8 -topk8 -nocrypt)");
    }
    Element parameters = readElement(ecPrivateKey, at, EC_PARAMETERS);
    Element curve = readElement(ecPrivateKey, parameters.contentStart(), OID);
    byte[] curveOid = Arrays.copyOfRange(ecPrivateKey, curve.start(), curve.end());
    byte[] algorithm = tlv(SEQUENCE, concat(tlv(OID, EC_PUBLIC_KEY), curveOid));
    return privateKeyInfo(algorithm, ecPrivateKey);
  }

  private static byte[] privateKeyInfo(byte[] algorithm, byte[] key) {
    byte[] version = tlv(INTEGER, new byte[] {0});
    return tlv(SEQUENCE, concat(version, algorithm, tlv(OCTET_STRING, key)));
  }

  /** One DER element: where it starts, where its content starts and where it ends. */
  private record Element(int start, int contentStart, int end) {}

  private static Element readElement(byte[] der, int at, int expectedTag) throws IOException {
    if (at + 2 > der.length || (der[at] & 0xff) != expectedTag) {
      throw new IOException("not a DER-encoded private key (unexpected structure)");
    }
    int first = der[at + 1] & 0xff;
    int length;
    int contentStart;
    if (first < 0x80) {
      length = first;
      contentStart = at + 2;
    } else {
      int bytes = first & 0x7f;
      if (bytes == 0 || bytes > 3 || at + 2 + bytes > der.length) {
        throw new IOException("not a DER-encoded private key (bad length)");
      }
      length = 0;
      for (int i = 0; i < bytes; i++) {
        length = (length << 8) | (der[at + 2 + i] & 0xff);
      }
      contentStart = at + 2 + bytes;
    }
    if (contentStart + length > der.length) {
      throw new IOException("not a DER-encoded private key (truncated)");
    }
    return new Element(at, contentStart, contentStart + length);
  }

  private static byte[] tlv(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int length = content.length;
    if (length < 0x80) {
      out.write(length);
    } else if (length < 0x100) {
      out.write(0x81);
      out.write(length);
    } else if (length < 0x10000) {
      out.write(0x82);
      out.write(length >> 8);
      out.write(length);
    } else {
      out.write(0x83);
      out.write(length >> 16);
      out.write(length >> 8);
      out.write(length);
    }
    out.writeBytes(content);
    return out.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }
}
