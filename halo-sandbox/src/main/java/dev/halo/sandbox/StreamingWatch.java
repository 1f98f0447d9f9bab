package dev.halo.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a plain HTTP watch ({@code ?watch=true} without a WebSocket upgrade, as kubectl and
 * client-go send it) from the CRUD store's WebSocket watch listener: one JSON event per line in a
 * chunked response, honouring {@code timeoutSeconds}, {@code resourceVersion} and the field
 * selector.
 */
final class StreamingWatch {
  private static final Logger log = LoggerFactory.getLogger(StreamingWatch.class);
  private static final int NORMAL_CLOSURE = 1000;

  private final Vertx vertx;
  private final ApiDiscovery discovery;

  StreamingWatch(Vertx vertx, ApiDiscovery discovery) {
    this.vertx = vertx;
    this.discovery = discovery;
  }

  /** Whether a request is a watch that wants a streamed HTTP response rather than a WebSocket. */
  static boolean isStreamingWatch(HttpServerRequest request) {
    String watch = request.getParam("watch");
    return request.method() == HttpMethod.GET
        && ("true".equals(watch) || "1".equals(watch))
        && !"websocket".equalsIgnoreCase(request.getHeader("Upgrade"));
  }

  /**
   * The store only recognises {@code watch=true}; client-go may send {@code watch=1}. Returns the
   * URI to hand the store.
   */
  static String normalize(String uri) {
    return uri.replaceAll("([?&])watch=1(?=&|$)", "$1watch=true");
  }

  /** Streams the events of the store's watch {@code response} (which carries the listener). */
  void serve(
      HttpServerRequest request,
      RecordedRequest recorded,
      MockResponse response,
      FieldSelector selector) {
    WebSocketListener listener = response.getWebSocketListener();
    long since = sinceVersion(request.getParam("resourceVersion"));
    Optional<ApiResource> table =
        ServerSideTable.wanted(request.getHeader("Accept"))
            ? ResourcePath.parse(recorded.getPath()).flatMap(discovery::find)
            : Optional.empty();
    HttpServerResponse out = request.response();
    out.setStatusCode(200).setChunked(true).putHeader("Content-Type", "application/json");
    out.writeHead();
    LineSocket socket = new LineSocket(recorded, out, since, table, selector);
    AtomicBoolean finished = new AtomicBoolean();
    long timeout = timeoutMillis(request.getParam("timeoutSeconds"));
    long timer = timeout > 0 ? vertx.setTimer(timeout, id -> socket.close(NORMAL_CLOSURE, "")) : 0;
    Runnable finish =
        () -> {
          if (finished.compareAndSet(false, true)) {
            vertx.cancelTimer(timer);
            // onClosed waits for the listener's executor to stop: not on the event loop.
            vertx.executeBlocking(
                () -> {
                  listener.onClosed(socket, NORMAL_CLOSURE, "watch ended");
                  return null;
                });
          }
        };
    socket.onEnd = finish;
    out.closeHandler(v -> finish.run());
    out.endHandler(v -> finish.run());
    log.atDebug().addKeyValue("path", recorded.getPath()).log("streaming watch opened");
    listener.onOpen(socket, response);
  }

  private static long sinceVersion(String resourceVersion) {
    if (resourceVersion == null || resourceVersion.isEmpty() || resourceVersion.equals("0")) {
      return -1;
    }
    try {
      return Long.parseLong(resourceVersion);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static long timeoutMillis(String timeoutSeconds) {
    try {
      return timeoutSeconds == null ? 0 : Long.parseLong(timeoutSeconds) * 1000;
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** The store's view of the response: each message it sends becomes one line. */
  private static final class LineSocket implements WebSocket {
    private final RecordedRequest request;
    private final HttpServerResponse out;
    private final long since;
    private final Optional<ApiResource> table;
    private final FieldSelector selector;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Runnable onEnd = () -> {};

    LineSocket(
        RecordedRequest request,
        HttpServerResponse out,
        long since,
        Optional<ApiResource> table,
        FieldSelector selector) {
      this.request = request;
      this.out = out;
      this.since = since;
      this.table = table;
      this.selector = selector;
    }

    @Override
    public RecordedRequest request() {
      return request;
    }

    @Override
    public boolean send(String text) {
      if (closed.get()) {
        return false;
      }
      ObjectNode event;
      try {
        event = (ObjectNode) Serialization.jsonMapper().readTree(text);
      } catch (IOException | ClassCastException e) {
        return true;
      }
      JsonNode object = event.path("object");
      if (!selector.passes(event)) {
        return true;
      }
      // The store replays every matching object as ADDED on a new watch; a client that names a
      // resourceVersion (kubectl after its LIST) has seen those already.
      if ("ADDED".equals(event.path("type").asText())
          && object.path("metadata").path("resourceVersion").asLong(Long.MAX_VALUE) <= since) {
        return true;
      }
      table.ifPresent(r -> event.set("object", ServerSideTable.of(r, object, Instant.now())));
      out.write(Serialization.asJson(event) + "\n");
      return true;
    }

    @Override
    public boolean send(byte[] bytes) {
      return send(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public boolean close(int code, String reason) {
      if (closed.compareAndSet(false, true)) {
        if (!out.ended() && !out.closed()) {
          out.end();
        }
        onEnd.run();
      }
      return true;
    }
  }
}
