package dev.halo.sandbox;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The workload the local kubelet runs in place of a pod's images: one HTTP server on 127.0.0.1 that
 * answers {@code GET /} with {@code "<pod> <role> term=<term>"} and the header {@code X-Halo-Term},
 * the role and term being what the pod's agent last wrote to {@code <role file>.json} (beside
 * {@code HALO_ROLE_FILE}), so a client sees which pod served it, what that pod believes it is and
 * under which term.
 *
 * <ul>
 *   <li>{@code GET /health}: 200 {@code ok} or 503 {@code unhealthy}; {@code POST /health?healthy=
 *       false} (or {@code true}) flips it, so a user can make the workload fail its probe with
 *       curl.
 *   <li>{@code POST /write} with a value as the body: writes it to the group's {@link FencedStore}
 *       with this pod's term, if its agent says master (409 otherwise). {@code POST
 *       /write?term=<n>} writes with term n whatever the agent says, as a master that lost its role
 *       without knowing would: the store refuses it (409) when a newer term has written.
 *   <li>{@code GET /store}: the store's accepted writes, one {@code <term> <pod> <value>} a line.
 *   <li>{@code POST /} (the agent's role webhook): 204, the body is remembered.
 * </ul>
 */
final class DemoWorkload {
  private static final String LOCALHOST = "127.0.0.1";
  private static final String TERM_HEADER = "X-Halo-Term";
  private static final Pattern TERM_QUERY = Pattern.compile("(?:^|&)term=(\\d{1,18})(?:&|$)");
  private static final int MAX_VALUE_BYTES = 1024;

  private final HttpServer server;
  private final String podName;
  private final Path roleFile;
  private final FencedStore store;
  final AtomicBoolean healthy = new AtomicBoolean(true);
  final AtomicReference<String> webhook = new AtomicReference<>();

  /** What the pod's agent last published: its role and term. */
  record Published(String role, long term) {}

  private DemoWorkload(HttpServer server, String podName, Path roleFile, FencedStore store) {
    this.server = server;
    this.podName = podName;
    this.roleFile = roleFile;
    this.store = store;
  }

  /** Starts the workload of {@code podName} on a free port, writing to the store {@code store}. */
  static DemoWorkload start(String podName, Path roleFile, Path store) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(LOCALHOST, 0), 64);
    DemoWorkload workload = new DemoWorkload(server, podName, roleFile, new FencedStore(store));
    server.createContext("/health", workload::health);
    server.createContext("/write", workload::write);
    server.createContext("/store", workload::listStore);
    server.createContext("/", workload::root);
    server.start();
    return workload;
  }

  /**
   * The workload of {@code podName} without a server (LocalKubelet.Options#withoutWorkloadServers):
   * port 0, nothing listens; its health flag still decides the container's readiness.
   */
  static DemoWorkload serverless(String podName, Path roleFile) {
    return new DemoWorkload(null, podName, roleFile, null);
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

  /**
   * What the pod's agent last published in {@code <role file>.json} (one file, so role and term
   * belong together); role {@code unknown} and term 0 until the agent first writes it.
   */
  Published published() {
    Path json = roleFile.resolveSibling(roleFile.getFileName() + ".json");
    try {
      Map<String, Object> fields = Http.json(Files.readString(json));
      if (fields.get("role") instanceof String role && fields.get("term") instanceof Number term) {
        return new Published(role, term.longValue());
      }
    } catch (IOException | IllegalArgumentException e) {
      // NoSuchFileException until the agent first writes it
    }
    return new Published("unknown", 0);
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
      return;
    }
    Published now = published();
    ex.getResponseHeaders().set(TERM_HEADER, Long.toString(now.term()));
    reply(ex, 200, podName + " " + now.role() + " term=" + now.term() + "\n");
  }

  private void write(HttpExchange ex) throws IOException {
    if (!"POST".equals(ex.getRequestMethod())) {
      reply(ex, 405, "use POST /write with the value as the body (and ?term=<n> to force one)\n");
      return;
    }
    byte[] body = ex.getRequestBody().readNBytes(MAX_VALUE_BYTES);
    String value = new String(body, StandardCharsets.UTF_8);
    Published now = published();
    String query = ex.getRequestURI().getQuery();
    Matcher forced = TERM_QUERY.matcher(query == null ? "" : query);
    long term;
    if (forced.find()) {
      term = Long.parseLong(forced.group(1));
    } else if (now.role().equals("master")) {
      term = now.term();
    } else {
      reply(ex, 409, podName + " is " + now.role() + ": write to the master (the Service)\n");
      return;
    }
    FencedStore.Outcome outcome = store.write(term, podName, value);
    ex.getResponseHeaders().set(TERM_HEADER, Long.toString(term));
    if (outcome.accepted()) {
      reply(ex, 200, "accepted: " + podName + " wrote with term " + term + "\n");
    } else {
      reply(
          ex,
          409,
          "rejected: term "
              + term
              + " is lower than "
              + outcome.highestTerm()
              + ", the highest term the store has seen; a newer master has written\n");
    }
  }

  private void listStore(HttpExchange ex) throws IOException {
    StringBuilder lines = new StringBuilder();
    store.entries().forEach(line -> lines.append(line).append('\n'));
    reply(ex, 200, lines.toString());
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
