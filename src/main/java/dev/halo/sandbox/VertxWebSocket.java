package dev.halo.sandbox;

import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.vertx.core.Future;
import io.vertx.core.http.ServerWebSocket;
import java.util.concurrent.atomic.AtomicBoolean;

/** The mock's WebSocket view of a Vert.x 5 server WebSocket, as fabric8 clients watch over it. */
final class VertxWebSocket implements WebSocket {
  private static final short WEBSOCKET_SERVER_ERROR = 1011;

  private final RecordedRequest request;
  private final ServerWebSocket ws;
  private final AtomicBoolean closing = new AtomicBoolean();

  private VertxWebSocket(RecordedRequest request, ServerWebSocket ws) {
    this.request = request;
    this.ws = ws;
  }

  /** Connects the store's watch {@code listener} to an accepted WebSocket. */
  static void open(
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
