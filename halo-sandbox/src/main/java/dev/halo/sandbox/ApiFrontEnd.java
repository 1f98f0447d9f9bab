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
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Vert.x request handler of {@link EmbeddedApiServer}: answers discovery itself, sends patches
 * through the {@link PatchTranslator}, everything else to the store, and turns the store's answers
 * into Tables, Status errors, WebSocket or streaming watches.
 */
final class ApiFrontEnd {
  private static final Logger log = LoggerFactory.getLogger(ApiFrontEnd.class);
  private static final String CRD_PATHS = "/apis/apiextensions.k8s.io/";

  private final Dispatcher dispatcher;
  private final ApiDiscovery discovery;
  private final PatchTranslator patches;
  private final StreamingWatch watches;
  private final Predicate<RecordedRequest> expired;
  private final SchemaAdmission admission;
  private final ScaleSubresource scales;
  private volatile boolean validating;

  ApiFrontEnd(
      Dispatcher dispatcher,
      ApiDiscovery discovery,
      PatchTranslator patches,
      Predicate<RecordedRequest> expired,
      StreamingWatch watches,
      SchemaAdmission admission) {
    this.dispatcher = dispatcher;
    this.discovery = discovery;
    this.patches = patches;
    this.expired = expired;
    this.watches = watches;
    this.admission = admission;
    this.scales = new ScaleSubresource(dispatcher, patches, this::admittedOrThrow);
  }

  private RecordedRequest admittedOrThrow(RecordedRequest request) {
    if (!validating) {
      return request;
    }
    SchemaAdmission.Either admitted = admission.admit(request);
    if (admitted.refusal() != null) {
      throw new ScaleSubresource.Refused(admitted.refusal());
    }
    return admitted.request();
  }

  /** Whether writes of custom resources are checked against their CRD's schema. */
  void validateSchemas(boolean on) {
    validating = on;
  }

  // fabric8's own MockWebServer is written against Vert.x 4 and its WebSocket handshake calls
  // ServerWebSocket.accept(), which Vert.x 5 (brought by jetcd) no longer has: every watch failed
  // with NoSuchMethodError. This front end is the same request handling on Vert.x 5.
  void handle(HttpServerRequest request) {
    log.atDebug()
        .addKeyValue("method", request.method())
        .addKeyValue("uri", request.uri())
        .addKeyValue("accept", request.getHeader("Accept"))
        .addKeyValue("contentType", request.getHeader("Content-Type"))
        .log("request");
    if (hasBody(request)) {
      request
          .body()
          .onSuccess(body -> dispatch(request, body.getBytes()))
          .onFailure(e -> fail(request, e));
    } else {
      dispatch(request, null);
    }
  }

  private void dispatch(HttpServerRequest request, byte[] body) {
    MockResponse response;
    RecordedRequest recorded;
    FieldSelector selector = FieldSelector.NONE;
    try {
      if (request.method() == io.vertx.core.http.HttpMethod.GET) {
        Optional<ApiDiscovery.Reply> reply = discovery.answer(request.uri());
        if (reply.isPresent()) {
          send(request.response(), reply.get());
          return;
        }
      }
      String uri = StreamingWatch.normalize(request.uri());
      String fieldSelector = request.getParam("fieldSelector");
      if (request.method() == io.vertx.core.http.HttpMethod.GET && fieldSelector != null) {
        Optional<ResourcePath> target = ResourcePath.parse(uri);
        try {
          selector =
              FieldSelector.parse(
                  fieldSelector,
                  target.map(ResourcePath::group).orElse(""),
                  target.map(ResourcePath::plural).orElse(""));
        } catch (FieldSelector.Unsupported e) {
          badRequest(request, e.getMessage());
          return;
        }
        uri = withoutFieldSelector(uri, selector);
      }
      if (request.method() != io.vertx.core.http.HttpMethod.GET) {
        uri = withoutFieldManager(uri);
      }
      Headers.Builder headers = Headers.builder();
      request.headers().forEach(h -> headers.add(h.getKey(), h.getValue()));
      recorded =
          new RecordedRequest(
              request.version().alpnName().toUpperCase(Locale.ROOT),
              HttpMethod.fromVertx(request.method()),
              uri,
              headers.build(),
              new Buffer(body));
      if (recorded.method() == HttpMethod.GET && expired.test(recorded)) {
        gone(request);
        return;
      }
      if (recorded.method() != HttpMethod.GET && recorded.getPath().startsWith(CRD_PATHS)) {
        admission.invalidate();
      }
      Optional<ResourcePath> target = ResourcePath.parse(recorded.getPath());
      Optional<ApiResource.ScalePaths> scale =
          target
              .filter(p -> "scale".equals(p.subresource()))
              .flatMap(discovery::find)
              .flatMap(ApiResource::scale);
      Optional<MockResponse> refusedPod = PodAdmission.refusal(recorded, discovery.minor());
      SchemaAdmission.Either admitted;
      if (refusedPod.isPresent()) {
        admitted = SchemaAdmission.Either.refuse(refusedPod.get());
      } else if (scale.isPresent() || !validating) {
        admitted = SchemaAdmission.Either.pass(recorded);
      } else {
        admitted = admission.admit(recorded);
      }
      if (scale.isPresent()) {
        response = scales.answer(recorded, scale.get());
      } else if (admitted.refusal() != null) {
        response = admitted.refusal();
      } else {
        recorded = admitted.request();
        response =
            PatchTranslator.translates(recorded)
                ? patches.patch(recorded)
                : dispatcher.dispatch(recorded);
      }
    } catch (RuntimeException e) {
      fail(request, e);
      return;
    }
    if (response.getWebSocketListener() != null) {
      if (StreamingWatch.isStreamingWatch(request)) {
        watches.serve(request, recorded, response, selector);
        return;
      }
      FieldSelector selected = selector;
      RecordedRequest watched = recorded;
      MockResponse opened = response;
      request
          .toWebSocket()
          .onSuccess(
              ws ->
                  VertxWebSocket.open(ws, opened.getWebSocketListener(), watched, opened, selected))
          .onFailure(e -> fail(request, e));
      return;
    }
    HttpServerResponse out = request.response().setStatusCode(response.code());
    response.getHeaders().toMultimap().forEach((k, v) -> out.headers().add(k, v));
    byte[] bytes = response.getBody() == null ? new byte[0] : response.getBody().getBytes();
    if (!selector.requirements().isEmpty() && response.code() == 200) {
      bytes = selector.filterList(bytes);
    }
    if (recorded.method() == HttpMethod.GET && response.code() == 200) {
      bytes = typedList(recorded, bytes);
    }
    if (recorded.method() == HttpMethod.GET
        && response.code() == 200
        && ServerSideTable.wanted(recorded.getHeader("Accept"))) {
      Optional<byte[]> table = table(recorded, bytes);
      if (table.isPresent()) {
        bytes = table.get();
      }
    }
    if (bytes.length == 0 && response.code() >= 400) {
      bytes = status(recorded, response.code());
    }
    if (bytes.length > 0) {
      if (!out.headers().contains("Content-Type") && bytes[0] == '{') {
        out.putHeader("Content-Type", "application/json");
      }
      out.send(io.vertx.core.buffer.Buffer.buffer(bytes));
    } else {
      out.end();
    }
  }

  /**
   * Ends a watch at once with the event a real API server sends when the resourceVersion asked for
   * is no longer in its history (410 Gone): the client lists again.
   */
  private static void gone(HttpServerRequest request) {
    log.atInfo()
        .addKeyValue("uri", request.uri())
        .log("watch resumes past a deletion it cannot replay; answering 410 Gone");
    String event =
        "{\"type\":\"ERROR\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Status\","
            + "\"metadata\":{},\"status\":\"Failure\",\"message\":\"too old resource version\","
            + "\"reason\":\"Expired\",\"code\":410}}";
    if (StreamingWatch.isStreamingWatch(request)) {
      request
          .response()
          .setStatusCode(200)
          .putHeader("Content-Type", "application/json")
          .end(event + "\n");
      return;
    }
    request
        .toWebSocket()
        .onSuccess(ws -> ws.writeTextMessage(event).onComplete(done -> ws.close()))
        .onFailure(e -> log.atDebug().addKeyValue("error", e.toString()).log("watch upgrade"));
  }

  /**
   * The store answers every list as {@code kind: List}; client-go decoding into a typed list
   * ({@code kubectl describe} reading an {@code EventList}) then finds no items. A real server says
   * {@code EventList}, {@code PodList}...
   */
  private byte[] typedList(RecordedRequest request, byte[] body) {
    String head = new String(body, 0, Math.min(body.length, 80), StandardCharsets.UTF_8);
    if (!head.contains("\"kind\":\"List\"")) {
      return body;
    }
    Optional<ApiResource> resource =
        ResourcePath.parse(request.getPath())
            .filter(p -> p.name() == null && p.subresource() == null)
            .flatMap(discovery::find);
    if (resource.isEmpty()) {
      return body;
    }
    try {
      JsonNode list = Serialization.jsonMapper().readTree(body);
      if (list instanceof ObjectNode object && list.path("items").isArray()) {
        object.put("apiVersion", resource.get().groupVersion());
        object.put("kind", resource.get().kind() + "List");
        return Serialization.asJson(object).getBytes(StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      // not JSON: pass it on as the store wrote it
    }
    return body;
  }

  private Optional<byte[]> table(RecordedRequest request, byte[] body) {
    Optional<ApiResource> resource =
        ResourcePath.parse(request.getPath())
            .filter(p -> p.subresource() == null)
            .flatMap(discovery::find);
    if (resource.isEmpty()) {
      return Optional.empty();
    }
    try {
      JsonNode object = Serialization.jsonMapper().readTree(body);
      ObjectNode table = ServerSideTable.of(resource.get(), object, Instant.now());
      return Optional.of(Serialization.asJson(table).getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** A Kubernetes Status for an error the store answered without a body (kubectl prints it). */
  private static byte[] status(RecordedRequest request, int code) {
    Optional<ResourcePath> path = ResourcePath.parse(request.getPath());
    String what =
        path.map(p -> p.plural() + (p.name() == null ? "" : " \"" + p.name() + "\""))
            .orElse(request.getPath());
    String reason =
        switch (code) {
          case 404 -> "NotFound";
          case 409 -> "Conflict";
          default -> "";
        };
    String message =
        switch (code) {
          case 404 -> what + " not found";
          case 409 -> what + " already exists or was modified";
          default -> "request failed with HTTP " + code;
        };
    ObjectNode status = Serialization.jsonMapper().createObjectNode();
    status.put("kind", "Status").put("apiVersion", "v1").put("status", "Failure");
    status.put("message", message).put("reason", reason).put("code", code);
    path.ifPresent(p -> status.putObject("details").put("name", p.name()).put("kind", p.plural()));
    return Serialization.asJson(status).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The URI to hand the store: fabric8's store selects only on fields it indexes and ignores the
   * others, so the front end filters and the store sees only the {@code metadata.name} terms, which
   * narrow its watches.
   */
  static String withoutFieldSelector(String uri, FieldSelector selector) {
    int q = uri.indexOf('?');
    if (q < 0) {
      return uri;
    }
    StringBuilder query = new StringBuilder();
    for (String param : uri.substring(q + 1).split("&")) {
      if (!param.isEmpty() && !param.startsWith("fieldSelector=")) {
        query.append(query.length() == 0 ? "" : "&").append(param);
      }
    }
    String byName = selector.nameTerms();
    if (!byName.isEmpty()) {
      query.append(query.length() == 0 ? "" : "&").append("fieldSelector=");
      query.append(URLEncoder.encode(byName, StandardCharsets.UTF_8));
    }
    return uri.substring(0, q) + (query.length() == 0 ? "" : "?" + query);
  }

  /**
   * The URI to hand the store for a write: the store keeps no managedFields, and it finds the
   * status subresource only in a path without a query, so {@code fieldManager} (which a real server
   * records in managedFields) is dropped here.
   */
  static String withoutFieldManager(String uri) {
    int q = uri.indexOf('?');
    if (q < 0) {
      return uri;
    }
    String query =
        String.join(
            "&",
            Arrays.stream(uri.substring(q + 1).split("&"))
                .filter(p -> !p.isEmpty() && !p.startsWith("fieldManager="))
                .toList());
    return uri.substring(0, q) + (query.isEmpty() ? "" : "?" + query);
  }

  /** Answers 400 BadRequest with a Status carrying {@code message}, as the real server does. */
  private static void badRequest(HttpServerRequest request, String message) {
    ObjectNode status = Serialization.jsonMapper().createObjectNode();
    status.put("kind", "Status").put("apiVersion", "v1").putObject("metadata");
    status.put("status", "Failure").put("message", message);
    status.put("reason", "BadRequest").put("code", 400);
    request
        .response()
        .setStatusCode(400)
        .putHeader("Content-Type", "application/json")
        .end(Serialization.asJson(status));
  }

  private static void send(HttpServerResponse out, ApiDiscovery.Reply reply) {
    out.setStatusCode(reply.code()).putHeader("Content-Type", reply.contentType());
    out.send(io.vertx.core.buffer.Buffer.buffer(reply.body()));
  }

  private static void fail(HttpServerRequest request, Throwable e) {
    if (!request.response().headWritten()) {
      request.response().setStatusCode(500).setStatusMessage(String.valueOf(e.getMessage())).end();
    }
  }

  private static boolean hasBody(HttpServerRequest request) {
    String length = request.getHeader("Content-Length");
    if (length != null && !length.isBlank()) {
      return Long.parseLong(length.trim()) > 0;
    }
    return request.headers().contains("Content-Type")
        || request.headers().contains("Transfer-Encoding");
  }
}
