package dev.halo.sandbox;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.vertx.core.Future;
import io.vertx.core.http.ServerWebSocket;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;

/** The mock's WebSocket view of a Vert.x 5 server WebSocket, as fabric8 clients watch over it. */
final class VertxWebSocket implements WebSocket {
  private static final short WEBSOCKET_SERVER_ERROR = 1011;

  private final RecordedRequest request;
  private final ServerWebSocket ws;
  private final FieldSelector selector;
  private final AtomicBoolean closing = new AtomicBoolean();

  private VertxWebSocket(RecordedRequest request, ServerWebSocket ws, FieldSelector selector) {
    this.request = request;
    this.ws = ws;
    this.selector = selector;
  }

  /**
   * Connects the store's watch {@code listener} to an accepted WebSocket, which sends only the
   * events {@code selector} passes.
   */
  static void open(
      ServerWebSocket ws,
      WebSocketListener listener,
      RecordedRequest request,
      Response response,
      FieldSelector selector) {
    WebSocket socket = new VertxWebSocket(request, ws, selector);
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

  @Override
  public RecordedRequest request() {
    return request;
  }

  @Override
  public boolean send(String text) {
    if (!selector.requirements().isEmpty() && !passes(text)) {
      return true;
    }
    Future<Void> sent = ws.writeTextMessage(text);
    return !sent.isComplete() || sent.succeeded();
  }

  private boolean passes(String event) {
    try {
      return selector.passes(Serialization.jsonMapper().readTree(event));
    } catch (IOException e) {
      return true;
    }
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
