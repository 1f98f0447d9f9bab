package dev.halo.operator.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Deep copies and stable hashes of model objects, through fabric8's JSON serialization. */
final class ModelJson {
  // Map keys sorted, so that the same content always gives the same JSON whatever map it is in.
  private static final KubernetesSerialization CANONICAL =
      new KubernetesSerialization(
          new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true),
          false);

  private ModelJson() {}

  /** A deep copy, so that building objects never mutates the group they are built from. */
  static <T> T copy(T value) {
    return value == null ? null : CANONICAL.clone(value);
  }

  /** The first {@code hexChars} hex digits of the SHA-256 of the canonical JSON of a value. */
  static String hash(Object value, int hexChars) {
    byte[] json = CANONICAL.asJson(value).getBytes(StandardCharsets.UTF_8);
    return HexFormat.of().formatHex(sha256().digest(json)).substring(0, hexChars);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
