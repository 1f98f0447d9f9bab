package dev.halo.sandbox;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The workload the local kubelet runs in place of a pod's images: one HTTP server on 127.0.0.1 that
 * answers {@code GET /} with {@code "<pod> <role>"}, the role being what the pod's agent last wrote
 * to its role file ({@code HALO_ROLE_FILE}), so a client sees which pod served it and what that pod
 * believes it is.
 *
 * <ul>
 *   <li>{@code GET /health}: 200 {@code ok} or 503 {@code unhealthy}; {@code POST /health?healthy=
 *       false} (or {@code true}) flips it, so a user can make the workload fail its probe with
 *       curl.
 *   <li>{@code POST /} (the agent's role webhook): 204, the body is remembered.
 * </ul>
 */
final class DemoWorkload {
  private static final String LOCALHOST = "127.0.0.1";

  private final HttpServer server;
  private final String podName;
  private final Path roleFile;
  final AtomicBoolean healthy = new AtomicBoolean(true);
  final AtomicReference<String> webhook = new AtomicReference<>();

  private DemoWorkload(HttpServer server, String podName, Path roleFile) {
    this.server = server;
    this.podName = podName;
    this.roleFile = roleFile;
  }

  /** Starts the workload of {@code podName} on a free port. */
  static DemoWorkload start(String podName, Path roleFile) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(LOCALHOST, 0), 64);
    DemoWorkload workload = new DemoWorkload(server, podName, roleFile);
    server.createContext("/health", workload::health);
    server.createContext("/", workload::root);
    server.start();
    return workload;
  }

  /**
   * The workload of {@code podName} without a server (LocalKubelet.Options#withoutWorkloadServers):
   * port 0, nothing listens; its health flag still decides the container's readiness.
   */
  static DemoWorkload serverless(String podName, Path roleFile) {
    return new DemoWorkload(null, podName, roleFile);
  }

  /** The port it listens on; 0 without a server. */
  int port() {
    return server == null ? 0 : server.getAddress().getPort();
  }

  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  /** What the pod's agent last published: {@code master}, {@code standby} or {@code unknown}. */
  String role() {
    try {
      String role = Files.readString(roleFile).strip();
      return role.isEmpty() ? "unknown" : role;
    } catch (IOException e) { // NoSuchFileException until the agent first writes it
      return "unknown";
    }
  }

  private void health(HttpExchange ex) throws IOException {
    if ("POST".equals(ex.getRequestMethod())) {
      String query = ex.getRequestURI().getQuery();
      if ("healthy=true".equals(query) || "healthy=false".equals(query)) {
        healthy.set(query.endsWith("true"));
      } else {
        reply(ex, 400, "use POST /health?healthy=true or ?healthy=false\n");
        return;
      }
    }
    reply(ex, healthy.get() ? 200 : 503, healthy.get() ? "ok\n" : "unhealthy\n");
  }

  private void root(HttpExchange ex) throws IOException {
    if ("POST".equals(ex.getRequestMethod())) {
      webhook.set(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      ex.sendResponseHeaders(204, -1);
      ex.close();
    } else {
      reply(ex, 200, podName + " " + role() + "\n");
    }
  }

  private static void reply(HttpExchange ex, int code, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    ex.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }
}
