package dev.halo.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.zjsonpatch.JsonDiff;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * Turns JSON merge, strategic merge and server-side apply patches into the JSON patch the CRUD
 * store handles correctly, and an apply of a missing object into a create.
 */
final class PatchTranslator {
  static final String MERGE_PATCH = "application/merge-patch+json";
  static final String STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";
  static final String APPLY_PATCH = "application/apply-patch+yaml";
  private static final String JSON_PATCH = "application/json-patch+json";
  private static final YAMLMapper YAML = new YAMLMapper();

  private final Dispatcher store;

  PatchTranslator(Dispatcher store) {
    this.store = store;
  }

  /** Whether this request is a patch this class translates. */
  static boolean translates(RecordedRequest request) {
    String type = request.getHeader("Content-Type");
    return request.method() == HttpMethod.PATCH
        && type != null
        && (type.startsWith(MERGE_PATCH)
            || type.startsWith(STRATEGIC_MERGE_PATCH)
            || type.startsWith(APPLY_PATCH));
  }

  /**
   * Applies the patch to the stored object (RFC 7386 for merge and apply patches; strategic merge
   * patches also merge lists of named items by name and drop their {@code $} directives) and hands
   * the store the equivalent JSON patch. The stock mock merges with Jackson, which appends to lists
   * and stores nulls instead of removing fields, and rejects the other two types with 415.
   */
  MockResponse patch(RecordedRequest request) {
    String type = request.getHeader("Content-Type");
    boolean apply = type.startsWith(APPLY_PATCH);
    JsonNode patch;
    try {
      patch =
          apply
              ? YAML.readTree(request.getUtf8Body())
              : Serialization.jsonMapper().readTree(request.getUtf8Body());
    } catch (IOException e) {
      return new MockResponse().setResponseCode(400).setBody("invalid patch: " + e.getMessage());
    }
    String path = request.getPath();
    int query = path.indexOf('?');
    String objectPath = query < 0 ? path : path.substring(0, query);
    if (objectPath.endsWith("/status")) {
      objectPath = objectPath.substring(0, objectPath.length() - "/status".length());
    }
    MockResponse current = store.dispatch(get(request, objectPath));
    if (current.code() == 404 && apply && patch.isObject()) {
      return create(request, objectPath, (ObjectNode) patch);
    }
    if (current.code() != 200 || !patch.isObject()) {
      return current.code() != 200 ? current : store.dispatch(request);
    }
    JsonNode before = read(current);
    JsonNode after =
        type.startsWith(STRATEGIC_MERGE_PATCH)
            ? mergeStrategic(before.deepCopy(), patch)
            : mergeRfc7386(before.deepCopy(), patch);
    return store.dispatch(
        new RecordedRequest(
            request.getHttpVersion(),
            HttpMethod.PATCH,
            path,
            headersWithType(request, JSON_PATCH),
            new Buffer(
                Serialization.asJson(JsonDiff.asJson(before, after))
                    .getBytes(StandardCharsets.UTF_8))));
  }

  private MockResponse create(RecordedRequest request, String objectPath, ObjectNode object) {
    Optional<ResourcePath> target = ResourcePath.parse(objectPath);
    if (target.isEmpty() || target.get().name() == null) {
      return new MockResponse().setResponseCode(404);
    }
    ObjectNode metadata = object.with("metadata");
    metadata.put("name", target.get().name());
    if (target.get().namespace() != null) {
      metadata.put("namespace", target.get().namespace());
    }
    MockResponse created =
        store.dispatch(
            new RecordedRequest(
                request.getHttpVersion(),
                HttpMethod.POST,
                target.get().collectionPath(),
                headersWithType(request, "application/json"),
                new Buffer(Serialization.asJson(object).getBytes(StandardCharsets.UTF_8))));
    return created.code() == 200 ? created.setResponseCode(201) : created;
  }

  private static RecordedRequest get(RecordedRequest request, String path) {
    return new RecordedRequest(
        request.getHttpVersion(),
        HttpMethod.GET,
        path,
        Headers.builder().build(),
        new Buffer(null));
  }

  private static JsonNode read(MockResponse response) {
    try {
      return Serialization.jsonMapper().readTree(response.getBody().readUtf8());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The request's headers with its content type replaced (and no stale Content-Length). */
  static Headers headersWithType(RecordedRequest request, String contentType) {
    Headers.Builder headers = Headers.builder();
    request
        .getHeaders()
        .toMultimap()
        .forEach(
            (k, values) -> {
              if (!k.equalsIgnoreCase("Content-Type") && !k.equalsIgnoreCase("Content-Length")) {
                values.forEach(v -> headers.add(k, v));
              }
            });
    headers.add("Content-Type", contentType);
    return headers.build();
  }

  /** RFC 7386: objects merge recursively, null removes, anything else replaces. */
  static JsonNode mergeRfc7386(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch;
    }
    ObjectNode result = asObject(target);
    patch
        .fields()
        .forEachRemaining(
            field -> {
              if (field.getValue().isNull()) {
                result.remove(field.getKey());
              } else {
                result.set(
                    field.getKey(), mergeRfc7386(result.get(field.getKey()), field.getValue()));
              }
            });
    return result;
  }

  /**
   * A strategic merge patch without the schema: like RFC 7386, except that a list whose items all
   * have a {@code name} merges item by item (what the schema says for containers, ports, env,
   * volumes...), an item {@code {"$patch": "delete"}} removes its match, and other {@code $}
   * directives are dropped.
   */
  static JsonNode mergeStrategic(JsonNode target, JsonNode patch) {
    if (patch.isArray()) {
      ArrayNode copy = Serialization.jsonMapper().createArrayNode();
      patch.forEach(item -> copy.add(item.isObject() ? mergeStrategic(null, item) : item));
      return copy;
    }
    if (!patch.isObject()) {
      return patch;
    }
    ObjectNode result = asObject(target);
    for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String key = field.getKey();
      JsonNode value = field.getValue();
      if (key.startsWith("$")) {
        continue;
      }
      JsonNode current = result.get(key);
      if (value.isNull()) {
        result.remove(key);
      } else if (value.isArray() && current != null && isNamedList(current, value)) {
        result.set(key, mergeNamedLists((ArrayNode) current, value));
      } else {
        result.set(key, mergeStrategic(current, value));
      }
    }
    return result;
  }

  private static boolean isNamedList(JsonNode current, JsonNode patch) {
    if (!current.isArray() || patch.isEmpty()) {
      return false;
    }
    for (JsonNode item : current) {
      if (!item.isObject() || !item.has("name")) {
        return false;
      }
    }
    for (JsonNode item : patch) {
      if (!item.isObject() || !item.has("name")) {
        return false;
      }
    }
    return true;
  }

  private static ArrayNode mergeNamedLists(ArrayNode current, JsonNode patch) {
    ArrayNode result = current.deepCopy();
    for (JsonNode item : patch) {
      String name = item.get("name").asText();
      int index = -1;
      for (int i = 0; i < result.size(); i++) {
        if (name.equals(result.get(i).path("name").asText())) {
          index = i;
        }
      }
      if ("delete".equals(item.path("$patch").asText())) {
        if (index >= 0) {
          result.remove(index);
        }
      } else if (index >= 0) {
        result.set(index, mergeStrategic(result.get(index), item));
      } else {
        result.add(mergeStrategic(null, item));
      }
    }
    return result;
  }

  private static ObjectNode asObject(JsonNode target) {
    return target != null && target.isObject()
        ? (ObjectNode) target
        : Serialization.jsonMapper().createObjectNode();
  }
}
