package dev.halo.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The {@code /scale} subresource of a custom resource whose CRD declares one, as a real API server
 * serves it: an {@code autoscaling/v1 Scale} read from and written to the object itself at the
 * CRD's {@code specReplicasPath}, {@code statusReplicasPath} and {@code labelSelectorPath}. This is
 * what {@code kubectl scale hag web --replicas=5} and the disruption controller use.
 */
final class ScaleSubresource {
  private static final String MERGE_PATCH = "application/merge-patch+json";

  private final Dispatcher store;
  private final UnaryOperator<RecordedRequest> admitted;
  private final PatchTranslator patches;

  /**
   * {@code admitted} runs a write through schema admission and returns it, or throws {@link
   * Refused} with the refusal.
   */
  ScaleSubresource(
      Dispatcher store, PatchTranslator patches, UnaryOperator<RecordedRequest> admitted) {
    this.store = store;
    this.patches = patches;
    this.admitted = admitted;
  }

  /** A write the schema refused; the response is the refusal to send. */
  static final class Refused extends RuntimeException {
    private final transient MockResponse response;

    Refused(MockResponse response) {
      super("refused by schema admission", null, false, false);
      this.response = response;
    }

    MockResponse response() {
      return response;
    }
  }

  /** Answers a request for {@code .../<name>/scale} of a resource with {@code paths}. */
  MockResponse answer(RecordedRequest request, ApiResource.ScalePaths paths) {
    String objectPath = objectPath(request.getPath());
    MockResponse current = store.dispatch(request(HttpMethod.GET, objectPath, null, null));
    if (current.code() != 200) {
      return current;
    }
    JsonNode object = read(current.getBody().readUtf8());
    if (request.method() == HttpMethod.GET) {
      return json(200, scale(object, paths));
    }
    if (request.method() != HttpMethod.PUT && request.method() != HttpMethod.PATCH) {
      return status(405, "MethodNotAllowed", request.method() + " is not allowed on /scale");
    }
    JsonNode body;
    try {
      body = Serialization.jsonMapper().readTree(request.getUtf8Body());
    } catch (IOException e) {
      return status(400, "BadRequest", "the Scale in the request is not JSON: " + e.getMessage());
    }
    String wantedVersion = body.path("metadata").path("resourceVersion").asText("");
    String storedVersion = object.path("metadata").path("resourceVersion").asText("");
    if (request.method() == HttpMethod.PUT
        && !wantedVersion.isEmpty()
        && !wantedVersion.equals(storedVersion)) {
      return status(
          409,
          "Conflict",
          "Operation cannot be fulfilled on the scale of "
              + object.path("metadata").path("name").asText()
              + ": the object has been modified; please apply your changes to the latest version"
              + " and try again");
    }
    Optional<Integer> replicas = requestedReplicas(request, body);
    if (replicas.isEmpty()) {
      return json(200, scale(object, paths));
    }
    ObjectNode patch = Serialization.jsonMapper().createObjectNode();
    ObjectNode at = patch;
    String[] fields = fields(paths.specReplicas());
    for (int i = 0; i < fields.length - 1; i++) {
      at = at.putObject(fields[i]);
    }
    at.put(fields[fields.length - 1], replicas.get());
    RecordedRequest write =
        request(HttpMethod.PATCH, objectPath, MERGE_PATCH, Serialization.asJson(patch));
    MockResponse written;
    try {
      written = patches.patch(admitted.apply(write));
    } catch (Refused refused) {
      return refused.response();
    }
    // The store answers a patch with 202 and the patched object.
    if (written.code() / 100 != 2) {
      return written;
    }
    return json(200, scale(read(written.getBody().readUtf8()), paths));
  }

  /** The Scale of {@code object}. */
  static ObjectNode scale(JsonNode object, ApiResource.ScalePaths paths) {
    ObjectNode scale = Serialization.jsonMapper().createObjectNode();
    scale.put("kind", "Scale").put("apiVersion", "autoscaling/v1");
    JsonNode meta = object.path("metadata");
    ObjectNode scaleMeta = scale.putObject("metadata");
    for (String field : new String[] {"name", "namespace", "uid", "resourceVersion"}) {
      if (meta.hasNonNull(field)) {
        scaleMeta.set(field, meta.get(field));
      }
    }
    if (meta.hasNonNull("creationTimestamp")) {
      scaleMeta.set("creationTimestamp", meta.get("creationTimestamp"));
    }
    scale.putObject("spec").put("replicas", at(object, paths.specReplicas()).asInt(0));
    ObjectNode status = scale.putObject("status");
    status.put("replicas", at(object, paths.statusReplicas()).asInt(0));
    if (!paths.labelSelector().isEmpty()) {
      JsonNode selector = at(object, paths.labelSelector());
      if (selector.isTextual()) {
        status.put("selector", selector.asText());
      }
    }
    return scale;
  }

  /** The replica count a PUT of a Scale or a merge or JSON patch of one asks for, if any. */
  static Optional<Integer> requestedReplicas(RecordedRequest request, JsonNode body) {
    if (body.isArray()) {
      for (JsonNode op : body) {
        if ("/spec/replicas".equals(op.path("path").asText())
            && ("replace".equals(op.path("op").asText()) || "add".equals(op.path("op").asText()))
            && op.path("value").canConvertToInt()) {
          return Optional.of(op.path("value").asInt());
        }
      }
      return Optional.empty();
    }
    JsonNode replicas = body.path("spec").path("replicas");
    return replicas.isIntegralNumber() ? Optional.of(replicas.asInt()) : Optional.empty();
  }

  private static JsonNode at(JsonNode object, String path) {
    JsonNode at = object;
    for (String field : fields(path)) {
      at = at.path(field);
    }
    return at;
  }

  private static String[] fields(String path) {
    return (path.startsWith(".") ? path.substring(1) : path).split("\\.");
  }

  private static String objectPath(String path) {
    int query = path.indexOf('?');
    String bare = query < 0 ? path : path.substring(0, query);
    return bare.substring(0, bare.length() - "/scale".length());
  }

  private static RecordedRequest request(
      HttpMethod method, String path, String contentType, String body) {
    Headers.Builder headers = Headers.builder();
    if (contentType != null) {
      headers.add("Content-Type", contentType);
    }
    byte[] bytes = body == null ? null : body.getBytes(StandardCharsets.UTF_8);
    return new RecordedRequest("HTTP/1.1", method, path, headers.build(), new Buffer(bytes));
  }

  private static JsonNode read(String json) {
    try {
      return Serialization.jsonMapper().readTree(json);
    } catch (IOException e) {
      throw new IllegalStateException("the store answered with no JSON object", e);
    }
  }

  private static MockResponse json(int code, JsonNode body) {
    return new MockResponse()
        .setResponseCode(code)
        .setHeader("Content-Type", "application/json")
        .setBody(Serialization.asJson(body));
  }

  private static MockResponse status(int code, String reason, String message) {
    ObjectNode status = Serialization.jsonMapper().createObjectNode();
    status.put("kind", "Status").put("apiVersion", "v1").putObject("metadata");
    status.put("status", "Failure").put("message", message).put("reason", reason);
    status.put("code", code);
    return json(code, status);
  }
}
