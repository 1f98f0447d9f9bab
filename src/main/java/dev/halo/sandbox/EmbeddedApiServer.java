package dev.halo.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.RootPathsBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.VersionInfo;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.dsl.MockServerExpectation;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.fabric8.mockwebserver.internal.MockServerExpectationImpl;
import io.fabric8.zjsonpatch.JsonDiff;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-memory Kubernetes API for tests: fabric8's mock API server in CRUD mode (a {@link
 * KubernetesMixedDispatcher}, whose {@code KubernetesCrudDispatcher} is the store) over plain HTTP
 * on 127.0.0.1, with the HighAvailabilityGroup CRD installed from the generated {@value
 * #CRD_RESOURCE} (so tests must run after {@code process-classes}). Stubs recorded with {@link
 * #expect()} answer before the store, as with {@code KubernetesMockServer.expect()}.
 *
 * <p>It does not use fabric8's {@code KubernetesMockServer}/{@code MockWebServer}: those are
 * written against Vert.x 4, and with the Vert.x 5 that jetcd brings every watch fails on the server
 * with {@code NoSuchMethodError: ServerWebSocket.accept()} (plain requests still work, so the
 * failure only shows as informers that never see an event). A small Vert.x 5 front end here does
 * the same request handling and WebSocket upgrade and passes every request to the dispatcher. It
 * also fixes merge patches (below).
 *
 * <p>How the API behaves (fabric8 7.5.2 CRUD store; checked by {@code EmbeddedApiServerTest}):
 *
 * <ul>
 *   <li><b>Status subresource.</b> Installing the CRD through the API registers its status
 *       subresource: {@code patchStatus}, {@code editStatus} and {@code updateStatus} of a HAG
 *       change only {@code .status} and not the generation, and a PATCH/PUT of the main resource
 *       keeps the stored status. Core kinds (pods) have no status subresource in the store: {@code
 *       /status} writes still only touch {@code .status}, but a write of the pod itself changes its
 *       status too.
 *   <li><b>Merge patches.</b> The stock store merges a JSON merge patch with Jackson's {@code
 *       readerForUpdating}: it <em>appends to lists</em> (two merge patches of {@code
 *       status.conditions} leave both lists' items) and stores {@code null} instead of removing the
 *       field (a label patched to null stays, valued null), and answers strategic merge patches
 *       with 415. This front end applies JSON merge patches and strategic merge patches (as plain
 *       merge patches: lists are replaced, not merged by key) by RFC 7386 and hands the store the
 *       equivalent JSON patch. JSON patch (RFC 6902, what {@code edit}/{@code editStatus} send) and
 *       PUT are the store's own. Server-side apply gets 415.
 *   <li><b>resourceVersion conflicts</b> are enforced when the body carries a {@code
 *       metadata.resourceVersion}: a stale one gets 409 ("the object has been modified") on PUT and
 *       PATCH of the object and on PATCH of {@code /status}. A PUT of {@code /status} ({@code
 *       updateStatus}/{@code replaceStatus}) is never checked (the store compares the stored object
 *       with itself). Bodies without a resourceVersion (plain merge patches, {@code edit}) are
 *       never rejected. Every write bumps one global counter, like a real API server.
 *   <li><b>deletionTimestamp through a patch</b> is honoured, with finalizer semantics: a patch
 *       setting {@code metadata.deletionTimestamp} on an object <em>without</em> finalizers deletes
 *       it at once (watchers get DELETED, never a terminating MODIFIED); with a finalizer (in the
 *       same or an earlier write) the object is stored terminating (watchers get MODIFIED with the
 *       deletionTimestamp and {@code deletionGracePeriodSeconds}), and the write that empties the
 *       finalizers removes it. A DELETE of an object with finalizers only sets deletionTimestamp
 *       (no grace period); without finalizers it removes it at once. Nothing stops a client from
 *       changing or clearing a deletionTimestamp, unlike Kubernetes. Client side, fabric8's {@code
 *       edit()} leaves deletionTimestamp out of its diff: set it with a raw JSON or merge patch.
 *   <li><b>Watches</b> are WebSocket only (a plain {@code ?watch=true} GET gets an error, so {@code
 *       kubectl get -w} does not work). Every new watch first replays all matching objects as
 *       ADDED, whatever resourceVersion it asked for (informers absorb that). No bookmarks, no 410
 *       Gone; a restarted server breaks clients' watches.
 *   <li>No garbage collection (ownerReferences are stored, nothing acts on them), no defaulting (a
 *       new pod has no status at all) and no schema validation.
 * </ul>
 */
public final class EmbeddedApiServer implements AutoCloseable {
  /** The CRD as generated at {@code process-classes}. */
  public static final String CRD_RESOURCE =
      "META-INF/fabric8/highavailabilitygroups.halo.dev-v1.yml";

  private static final Logger log = LoggerFactory.getLogger(EmbeddedApiServer.class);
  private static final short WEBSOCKET_SERVER_ERROR = 1011;
  private static final String MERGE_PATCH = "application/merge-patch+json";
  private static final String STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";
  private static final String JSON_PATCH = "application/json-patch+json";

  private final Map<ServerRequest, Queue<ServerResponse>> responses = new ConcurrentHashMap<>();
  private final Context context = new Context(Serialization.jsonMapper());
  private final KubernetesMixedDispatcher dispatcher = new KubernetesMixedDispatcher(responses);
  private final Vertx vertx;
  private final HttpServer http;
  private final String url;
  private final KubernetesClient client;
  private final List<Consumer<ApiRequest>> requestListeners = new CopyOnWriteArrayList<>();

  /** A request as it reached the server: method, URI (path and query) and User-Agent header. */
  public record ApiRequest(String method, String uri, String userAgent) {}

  private EmbeddedApiServer() {
    expect()
        .get()
        .withPath("/")
        .andReturn(200, new RootPathsBuilder().addToPaths("/api", "/apis").build())
        .always();
    expect()
        .get()
        .withPath("/version")
        .andReturn(
            200,
            new VersionInfo.Builder()
                .withMajor("1")
                .withMinor("30")
                .withGitVersion("v1.30.0-halo-mock")
                .build())
        .always();
    this.vertx = Vertx.vertx();
    try {
      this.http =
          vertx
              .createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
              .requestHandler(this::handle)
              .listen()
              .toCompletionStage()
              .toCompletableFuture()
              .get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      vertx.close();
      throw new IllegalStateException("cannot start the mock Kubernetes API server", e);
    }
    this.url = "http://127.0.0.1:" + http.actualPort();
    this.client = newClient();
  }

  /** Starts an empty API server with the HighAvailabilityGroup CRD installed. */
  public static EmbeddedApiServer start() {
    long start = System.nanoTime();
    EmbeddedApiServer mock = new EmbeddedApiServer();
    try {
      mock.installCrd();
    } catch (RuntimeException e) {
      mock.close();
      throw e;
    }
    log.atInfo()
        .addKeyValue("url", mock.url)
        .addKeyValue("tookMs", (System.nanoTime() - start) / 1_000_000)
        .log("mock kubernetes started");
    return mock;
  }

  private void installCrd() {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    try (InputStream in = loader.getResourceAsStream(CRD_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            CRD_RESOURCE + " is not on the classpath: it is generated at process-classes");
      }
      CustomResourceDefinition crd =
          client.apiextensions().v1().customResourceDefinitions().load(in).item();
      client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + CRD_RESOURCE, e);
    }
  }

  /** The shared client (namespace {@code default}); do not close it, close() does. */
  public KubernetesClient client() {
    return client;
  }

  /** A new client of this server, e.g. for an operator that closes its own; the caller closes. */
  public KubernetesClient newClient() {
    return new KubernetesClientBuilder().withConfig(config()).build();
  }

  /** A client configuration for this server (namespace {@code default}, no credentials). */
  public Config config() {
    return new ConfigBuilder(Config.empty())
        .withMasterUrl(url + "/")
        .withNamespace("default")
        .withHttp2Disable(true)
        .withRequestRetryBackoffLimit(3)
        .build();
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String url() {
    return url;
  }

  /**
   * Records a stubbed response, as {@code KubernetesMockServer.expect()} does; stubs answer before
   * the CRUD store (e.g. {@code expect().post().withPath(...).andReturn(500, "boom").once()}).
   */
  public MockServerExpectation expect() {
    return new MockServerExpectationImpl(responses, context);
  }

  /** Calls {@code listener} with every request before it is handled (on a server thread). */
  public void onRequest(Consumer<ApiRequest> listener) {
    requestListeners.add(listener);
  }

  /** Drops every stub recorded with {@link #expect()} (including the built-in discovery ones). */
  public void clearExpectations() {
    responses.clear();
  }

  @Override
  public void close() {
    try {
      client.close();
    } finally {
      try {
        dispatcher.shutdown();
        http.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        log.atWarn().addKeyValue("error", e.toString()).log("mock kubernetes did not stop cleanly");
      } finally {
        try {
          vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
          log.atWarn().addKeyValue("error", e.toString()).log("vert.x did not stop cleanly");
        }
      }
    }
  }

  // fabric8's own MockWebServer is written against Vert.x 4 and its WebSocket handshake calls
  // ServerWebSocket.accept(), which Vert.x 5 (brought by jetcd) no longer has: every watch failed
  // with NoSuchMethodError. This front end is the same request handling on Vert.x 5.
  private void handle(HttpServerRequest request) {
    if (!requestListeners.isEmpty()) {
      ApiRequest seen =
          new ApiRequest(request.method().name(), request.uri(), request.getHeader("User-Agent"));
      requestListeners.forEach(l -> l.accept(seen));
    }
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
    try {
      Headers.Builder headers = Headers.builder();
      request.headers().forEach(h -> headers.add(h.getKey(), h.getValue()));
      recorded =
          new RecordedRequest(
              request.version().alpnName().toUpperCase(Locale.ROOT),
              HttpMethod.fromVertx(request.method()),
              request.uri(),
              headers.build(),
              new Buffer(body));
      response = isMergePatch(recorded) ? mergePatch(recorded) : dispatcher.dispatch(recorded);
    } catch (RuntimeException e) {
      fail(request, e);
      return;
    }
    if (response.getWebSocketListener() != null) {
      WebSocketListener listener = response.getWebSocketListener();
      request
          .toWebSocket()
          .onSuccess(ws -> openWebSocket(ws, listener, recorded, response))
          .onFailure(e -> fail(request, e));
      return;
    }
    HttpServerResponse out = request.response().setStatusCode(response.code());
    response.getHeaders().toMultimap().forEach((k, v) -> out.headers().add(k, v));
    if (response.getBody() != null && response.getBody().size() > 0) {
      out.send(io.vertx.core.buffer.Buffer.buffer(response.getBody().getBytes()));
    } else {
      out.end();
    }
  }

  private static boolean isMergePatch(RecordedRequest request) {
    String type = request.getHeader("Content-Type");
    return request.method() == HttpMethod.PATCH
        && type != null
        && (type.startsWith(MERGE_PATCH) || type.startsWith(STRATEGIC_MERGE_PATCH));
  }

  /**
   * Applies a JSON merge patch (or a strategic merge patch, treated as one) by RFC 7386 and hands
   * the store the equivalent JSON patch: the stock mock merges with Jackson, which appends to lists
   * and stores nulls instead of removing fields, and rejects strategic merge patches with 415.
   */
  private MockResponse mergePatch(RecordedRequest request) {
    JsonNode patch;
    try {
      patch = Serialization.jsonMapper().readTree(request.getUtf8Body());
    } catch (IOException e) {
      return new MockResponse().setResponseCode(400).setBody("invalid merge patch: " + e);
    }
    String path = request.getPath();
    int query = path.indexOf('?');
    String objectPath = query < 0 ? path : path.substring(0, query);
    if (objectPath.endsWith("/status")) {
      objectPath = objectPath.substring(0, objectPath.length() - "/status".length());
    }
    MockResponse current =
        dispatcher.dispatch(
            new RecordedRequest(
                request.getHttpVersion(),
                HttpMethod.GET,
                objectPath,
                Headers.builder().build(),
                new Buffer(null)));
    if (current.code() != 200 || !patch.isObject()) {
      return current.code() != 200 ? current : dispatcher.dispatch(request);
    }
    JsonNode before;
    try {
      before = Serialization.jsonMapper().readTree(current.getBody().readUtf8());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    JsonNode after = mergeRfc7386(before.deepCopy(), patch);
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
    headers.add("Content-Type", JSON_PATCH);
    return dispatcher.dispatch(
        new RecordedRequest(
            request.getHttpVersion(),
            HttpMethod.PATCH,
            path,
            headers.build(),
            new Buffer(
                Serialization.asJson(JsonDiff.asJson(before, after))
                    .getBytes(StandardCharsets.UTF_8))));
  }

  /** RFC 7386: objects merge recursively, null removes, anything else replaces. */
  static JsonNode mergeRfc7386(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch;
    }
    ObjectNode result =
        target != null && target.isObject()
            ? (ObjectNode) target
            : Serialization.jsonMapper().createObjectNode();
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

  private static void openWebSocket(
      ServerWebSocket ws, WebSocketListener listener, RecordedRequest request, Response response) {
    WebSocket socket = new VertxWebSocket(request, ws);
    listener.onBeforeAccept(socket, response);
    ws.textMessageHandler(text -> listener.onMessage(socket, text));
    ws.binaryMessageHandler(bytes -> listener.onMessage(socket, bytes.getBytes()));
    ws.frameHandler(
        frame -> {
          if (frame.isClose()) {
            listener.onClosing(socket, frame.closeStatusCode(), frame.closeReason());
          }
        });
    ws.endHandler(
        v ->
            listener.onClosed(
                socket,
                ws.closeStatusCode() == null ? WEBSOCKET_SERVER_ERROR : ws.closeStatusCode(),
                ws.closeReason()));
    ws.exceptionHandler(e -> listener.onFailure(socket, e, response));
    listener.onOpen(socket, response);
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

  /** The mock's WebSocket view of a Vert.x 5 server WebSocket. */
  private static final class VertxWebSocket implements WebSocket {
    private final RecordedRequest request;
    private final ServerWebSocket ws;
    private final AtomicBoolean closing = new AtomicBoolean();

    VertxWebSocket(RecordedRequest request, ServerWebSocket ws) {
      this.request = request;
      this.ws = ws;
    }

    @Override
    public RecordedRequest request() {
      return request;
    }

    @Override
    public boolean send(String text) {
      Future<Void> sent = ws.writeTextMessage(text);
      return !sent.isComplete() || sent.succeeded();
    }

    @Override
    public boolean send(byte[] bytes) {
      Future<Void> sent = ws.writeBinaryMessage(io.vertx.core.buffer.Buffer.buffer(bytes));
      return !sent.isComplete() || sent.succeeded();
    }

    @Override
    public boolean close(int code, String reason) {
      if (closing.compareAndSet(false, true)) {
        ws.close((short) code, reason);
      }
      return true;
    }
  }
}
