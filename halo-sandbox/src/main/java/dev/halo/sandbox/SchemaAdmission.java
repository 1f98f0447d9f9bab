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
import io.fabric8.zjsonpatch.JsonPatch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Validates creates, updates and patches of custom resources against their CRD's schema before the
 * store sees them ({@link SchemaValidator}): an invalid object gets 422 with the field paths, a
 * valid one goes on with its unknown fields pruned.
 */
final class SchemaAdmission {
  private static final YAMLMapper YAML = new YAMLMapper();

  private final Dispatcher store;
  private final Supplier<String> crdList;
  // group/version/plural -> (kind, schema), read again after any write to a CRD.
  private volatile Map<String, Schema> schemas;

  private record Schema(String kind, JsonNode openApi) {}

  SchemaAdmission(Dispatcher store, Supplier<String> crdList) {
    this.store = store;
    this.crdList = crdList;
  }

  /** Forget the schemas read so far (a CRD was written). */
  void invalidate() {
    schemas = null;
  }

  /**
   * What to do with a write: the request to hand the store (the same one, or one carrying the
   * pruned object), or a 422 response refusing it. Anything but a write of a custom resource passes
   * unchanged.
   */
  Either admit(RecordedRequest request) {
    HttpMethod method = request.method();
    if (method != HttpMethod.POST && method != HttpMethod.PUT && method != HttpMethod.PATCH) {
      return Either.pass(request);
    }
    Optional<ResourcePath> path = ResourcePath.parse(request.getPath());
    Schema schema =
        path.map(p -> schemas().get(p.group() + "/" + p.version() + "/" + p.plural())).orElse(null);
    if (schema == null
        || (path.get().subresource() != null && !"status".equals(path.get().subresource()))) {
      return Either.pass(request);
    }
    Optional<JsonNode> before = Optional.empty();
    JsonNode after;
    try {
      if (method == HttpMethod.PATCH) {
        before = stored(request);
        if (before.isEmpty()
            && !request.getHeader("Content-Type").startsWith(PatchTranslator.APPLY_PATCH)) {
          return Either.pass(request); // 404 from the store
        }
        after = patched(before.orElse(null), request);
      } else {
        after = Serialization.jsonMapper().readTree(body(request));
      }
    } catch (IOException | RuntimeException e) {
      return Either.pass(request); // the store answers what it makes of it
    }
    if (!(after instanceof ObjectNode object)) {
      return Either.pass(request);
    }
    SchemaValidator.Result result = SchemaValidator.check(object, schema.openApi());
    if (!result.causes().isEmpty()) {
      String name = object.path("metadata").path("name").asText(path.get().name());
      return Either.refuse(invalid(path.get(), schema.kind(), name, result.causes()));
    }
    if (result.pruned().isEmpty()) {
      return Either.pass(request);
    }
    return Either.pass(pruned(request, before, object));
  }

  /** A request and the store's answer, or the answer refusing it. */
  record Either(RecordedRequest request, MockResponse refusal) {
    static Either pass(RecordedRequest request) {
      return new Either(request, null);
    }

    static Either refuse(MockResponse refusal) {
      return new Either(null, refusal);
    }
  }

  private Optional<JsonNode> stored(RecordedRequest request) throws IOException {
    String path = request.getPath();
    int query = path.indexOf('?');
    String objectPath = query < 0 ? path : path.substring(0, query);
    if (objectPath.endsWith("/status")) {
      objectPath = objectPath.substring(0, objectPath.length() - "/status".length());
    }
    MockResponse current =
        store.dispatch(
            new RecordedRequest(
                request.getHttpVersion(),
                HttpMethod.GET,
                objectPath,
                Headers.builder().build(),
                new Buffer(null)));
    if (current.code() != 200 || current.getBody() == null) {
      return Optional.empty();
    }
    return Optional.of(Serialization.jsonMapper().readTree(current.getBody().readUtf8()));
  }

  private static JsonNode patched(JsonNode before, RecordedRequest request) throws IOException {
    String type = request.getHeader("Content-Type");
    if (type.startsWith(PatchTranslator.APPLY_PATCH)) {
      JsonNode patch = YAML.readTree(body(request));
      return before == null ? patch : PatchTranslator.mergeRfc7386(before.deepCopy(), patch);
    }
    JsonNode patch = Serialization.jsonMapper().readTree(body(request));
    if (type.startsWith(PatchTranslator.STRATEGIC_MERGE_PATCH)) {
      return PatchTranslator.mergeStrategic(before.deepCopy(), patch);
    }
    if (type.startsWith(PatchTranslator.MERGE_PATCH)) {
      return PatchTranslator.mergeRfc7386(before.deepCopy(), patch);
    }
    return JsonPatch.apply(patch, before); // application/json-patch+json
  }

  // getUtf8Body() drains the buffer, and the store still has to read it.
  private static String body(RecordedRequest request) {
    return request.getBody() == null
        ? ""
        : new String(request.getBody().getBytes(), StandardCharsets.UTF_8);
  }

  /** The request again, carrying the pruned object (a PATCH becomes the JSON patch to it). */
  private static RecordedRequest pruned(
      RecordedRequest request, Optional<JsonNode> before, ObjectNode after) {
    boolean patch = request.method() == HttpMethod.PATCH;
    if (patch && before.isEmpty()) {
      return request; // an apply that creates: PatchTranslator posts the patch; nothing to prune
    }
    JsonNode body = patch ? JsonDiff.asJson(before.get(), after) : after;
    return new RecordedRequest(
        request.getHttpVersion(),
        request.method(),
        request.getPath(),
        PatchTranslator.headersWithType(
            request, patch ? "application/json-patch+json" : "application/json"),
        new Buffer(Serialization.asJson(body).getBytes(StandardCharsets.UTF_8)));
  }

  /** The 422 a real server sends: {@code HighAvailabilityGroup.halo.dev "x" is invalid: ...}. */
  static MockResponse invalid(
      ResourcePath path, String kind, String name, List<SchemaValidator.Cause> causes) {
    String qualified = kind + (path.group().isEmpty() ? "" : "." + path.group());
    String lines =
        causes.size() == 1
            ? causes.get(0).line()
            : "["
                + String.join(", ", causes.stream().map(SchemaValidator.Cause::line).toList())
                + "]";
    ObjectNode status = Serialization.jsonMapper().createObjectNode();
    status.put("kind", "Status").put("apiVersion", "v1").putObject("metadata");
    status.put("status", "Failure");
    status.put("message", qualified + " \"" + name + "\" is invalid: " + lines);
    status.put("reason", "Invalid");
    ObjectNode details = status.putObject("details");
    details.put("name", name).put("group", path.group()).put("kind", kind);
    ArrayNode list = details.putArray("causes");
    for (SchemaValidator.Cause c : causes) {
      list.addObject()
          .put("reason", c.reason())
          .put("message", c.message())
          .put("field", c.field());
    }
    status.put("code", 422);
    return new MockResponse()
        .setResponseCode(422)
        .addHeader("Content-Type", "application/json")
        .setBody(Serialization.asJson(status));
  }

  private Map<String, Schema> schemas() {
    Map<String, Schema> known = schemas;
    if (known != null) {
      return known;
    }
    known = new HashMap<>();
    try {
      for (JsonNode crd : Serialization.jsonMapper().readTree(crdList.get()).path("items")) {
        JsonNode spec = crd.path("spec");
        String kind = spec.path("names").path("kind").asText();
        for (JsonNode version : spec.path("versions")) {
          JsonNode schema = version.path("schema").path("openAPIV3Schema");
          if (schema.isObject()) {
            known.put(
                spec.path("group").asText()
                    + "/"
                    + version.path("name").asText()
                    + "/"
                    + spec.path("names").path("plural").asText(),
                new Schema(kind, schema));
          }
        }
      }
    } catch (IOException e) {
      return Map.of();
    }
    schemas = known;
    return known;
  }
}
