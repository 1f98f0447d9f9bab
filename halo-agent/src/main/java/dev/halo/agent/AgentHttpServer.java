package dev.halo.agent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.halo.common.DrainHook;
import dev.halo.common.Threads;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The agent's local HTTP API: {@code /role}, {@code /status}, {@code /healthz} and {@code
 * /metrics}, which change nothing, and {@code /drain} ({@link DrainEndpoint}), the pod's {@code
 * preStop} hook, which takes the pod's token and hands over.
 */
final class AgentHttpServer implements AutoCloseable {
  private final HttpServer server;

  AgentHttpServer(
      String address,
      int port,
      RoleState roleState,
      Supplier<AgentStatus> status,
      Supplier<String> metrics,
      HttpHandler drain)
      throws IOException {
    server = HttpServer.create(new InetSocketAddress(address, port), 64);
    server.setExecutor(Executors.newFixedThreadPool(2, r -> Threads.daemon("halo-agent-http", r)));
    server.createContext("/role", ex -> reply(ex, "text/plain", roleState.role().wire() + "\n"));
    server.createContext("/status", ex -> reply(ex, "application/json", Json.write(status.get())));
    server.createContext("/healthz", ex -> reply(ex, "text/plain", "ok\n"));
    server.createContext(
        "/metrics", ex -> reply(ex, "text/plain; version=0.0.4; charset=utf-8", metrics.get()));
    server.createContext(DrainHook.PATH, drain);
  }

  void start() {
    server.start();
  }

  /** The bound port (useful when configured with port 0). */
  int port() {
    return server.getAddress().getPort();
  }

  private static void reply(HttpExchange ex, String type, String body) throws IOException {
    try (ex) {
      if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        ex.sendResponseHeaders(405, -1);
        return;
      }
      if (!ex.getRequestURI().getPath().equals(ex.getHttpContext().getPath())) {
        ex.sendResponseHeaders(404, -1);
        return;
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", type);
      ex.getResponseHeaders().set("Cache-Control", "no-store");
      if ("HEAD".equals(ex.getRequestMethod())) {
        ex.sendResponseHeaders(200, -1);
        return;
      }
      ex.sendResponseHeaders(200, bytes.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
