package dev.halo.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The OpenAPI v3 documents {@code kubectl explain} reads ({@code /openapi/v3} and one document per
 * group version), built from the schemas of the CRDs in the store, so they follow the CRD.
 */
final class OpenApiV3 {
  private static final String PREFIX = "/openapi/v3";

  private final Supplier<String> crdList;

  /** {@code crdList} reads the store's CRD collection (a JSON list) on every call. */
  OpenApiV3(Supplier<String> crdList) {
    this.crdList = crdList;
  }

  /**
   * The answer to a GET of {@code path} (no query) under {@code /openapi/v3}: the index, a group
   * version's document, or 404.
   */
  ApiDiscovery.Reply answer(String path) {
    Map<String, ObjectNode> documents = documents();
    if (path.equals(PREFIX)) {
      ObjectNode root = Serialization.jsonMapper().createObjectNode();
      ObjectNode paths = root.putObject("paths");
      // The hash tells kubectl's cache when a document changed, as a real server's does.
      documents.forEach(
          (gv, doc) ->
              paths
                  .putObject(gv)
                  .put("serverRelativeURL", PREFIX + "/" + gv + "?hash=" + hash(doc)));
      return ApiDiscovery.Reply.json(root);
    }
    ObjectNode document =
        documents.get(path.substring(Math.min(path.length(), PREFIX.length() + 1)));
    if (document == null) {
      return new ApiDiscovery.Reply(
          404, "text/plain", "404 page not found\n".getBytes(StandardCharsets.UTF_8));
    }
    return ApiDiscovery.Reply.json(document);
  }

  /** {@code apis/<group>/<version>} to its document, for every served version of every CRD. */
  private Map<String, ObjectNode> documents() {
    Map<String, ObjectNode> documents = new LinkedHashMap<>();
    JsonNode list;
    try {
      list = Serialization.jsonMapper().readTree(crdList.get());
    } catch (IOException e) {
      return documents;
    }
    for (JsonNode crd : list.path("items")) {
      JsonNode spec = crd.path("spec");
      String group = spec.path("group").asText();
      String kind = spec.path("names").path("kind").asText();
      for (JsonNode version : spec.path("versions")) {
        JsonNode schema = version.path("schema").path("openAPIV3Schema");
        if (!version.path("served").asBoolean(true) || !schema.isObject()) {
          continue;
        }
        String name = version.path("name").asText();
        ObjectNode document =
            documents.computeIfAbsent("apis/" + group + "/" + name, gv -> emptyDocument());
        // kubectl explain finds the kind of a resource through the GVK on its object path.
        String collection =
            "/apis/"
                + group
                + "/"
                + name
                + ("Cluster".equals(spec.path("scope").asText()) ? "" : "/namespaces/{namespace}")
                + "/"
                + spec.path("names").path("plural").asText();
        ObjectNode item = document.with("paths").putObject(collection + "/{name}");
        for (String verb : new String[] {"get", "put", "patch", "delete"}) {
          item.putObject(verb)
              .putObject("x-kubernetes-group-version-kind")
              .put("group", group)
              .put("kind", kind)
              .put("version", name);
        }
        document
            .with("components")
            .with("schemas")
            .set(schemaName(group, name, kind), published(schema, group, name, kind));
      }
    }
    return documents;
  }

  private static ObjectNode emptyDocument() {
    ObjectNode document = Serialization.jsonMapper().createObjectNode();
    document.put("openapi", "3.0.0");
    document.putObject("info").put("title", "Kubernetes").put("version", "v1.32.0-halo-sandbox");
    document.putObject("paths");
    document.putObject("components").putObject("schemas");
    return document;
  }

  /** The CRD's schema as a real server publishes it: with apiVersion, kind and metadata. */
  private static ObjectNode published(JsonNode schema, String group, String version, String kind) {
    ObjectNode copy = (ObjectNode) schema.deepCopy();
    ObjectNode properties = copy.with("properties");
    ObjectNode fields = Serialization.jsonMapper().createObjectNode();
    fields
        .putObject("apiVersion")
        .put("type", "string")
        .put(
            "description",
            "The versioned schema of this object: " + group + "/" + version + " here.");
    fields
        .putObject("kind")
        .put("type", "string")
        .put("description", "The REST resource this object represents: " + kind + " here.");
    fields
        .putObject("metadata")
        .put("type", "object")
        .put("description", "Standard object metadata: name, namespace, labels, annotations...");
    properties.fields().forEachRemaining(f -> fields.set(f.getKey(), f.getValue()));
    copy.set("properties", fields);
    copy.putArray("x-kubernetes-group-version-kind")
        .addObject()
        .put("group", group)
        .put("kind", kind)
        .put("version", version);
    return copy;
  }

  /**
   * {@code dev.halo.v1alpha1.HighAvailabilityGroup}: the group reversed, as real servers name it.
   */
  static String schemaName(String group, String version, String kind) {
    String[] parts = group.split("\\.");
    StringBuilder name = new StringBuilder();
    for (int i = parts.length - 1; i >= 0; i--) {
      name.append(parts[i]).append('.');
    }
    return name + version + "." + kind;
  }

  private static String hash(JsonNode document) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-512")
              .digest(Serialization.asJson(document).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().withUpperCase().formatHex(digest, 0, 64);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
