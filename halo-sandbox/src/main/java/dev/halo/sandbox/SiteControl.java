package dev.halo.sandbox;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The sandbox's switch for cutting sites off, on a free loopback port: {@code POST
 * /sites/<site>/cut} isolates a site from the others ({@link SiteNetwork#cut}), {@code POST
 * /sites/<site>/heal} connects it again, {@code GET /sites} lists each site and whether it is cut.
 * The sandbox prints the curl lines to paste, as it does for its other faults.
 */
public final class SiteControl implements AutoCloseable {
  private final HttpServer server;
  private final SiteNetwork network;

  private SiteControl(HttpServer server, SiteNetwork network) {
    this.server = server;
    this.network = network;
  }

  /** Listens on a free port of 127.0.0.1 for {@code network}'s sites. */
  public static SiteControl start(SiteNetwork network) {
    try {
      HttpServer server =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      SiteControl control = new SiteControl(server, network);
      server.createContext("/sites", control::handle);
      server.start();
      return control;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen for the site control: " + e.getMessage(), e);
    }
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** The curl command that cuts ({@code action} "cut") or heals {@code site}. */
  public String command(String action, String site) {
    return "curl -X POST " + url() + "/sites/" + site + "/" + action;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      List<String> path =
          List.of(exchange.getRequestURI().getPath().replaceAll("^/+|/+$", "").split("/"));
      try {
        if (path.size() == 1 && method.equals("GET")) {
          reply(exchange, 200, status());
        } else if (path.size() == 3 && method.equals("POST") && act(path.get(2), path.get(1))) {
          reply(exchange, 200, status());
        } else {
          reply(
              exchange,
              404,
              "use GET /sites, POST /sites/<site>/cut or POST /sites/<site>/heal; the sites are "
                  + String.join(", ", network.sites())
                  + "\n");
        }
      } catch (IllegalArgumentException e) {
        reply(exchange, 404, e.getMessage() + "\n");
      }
    }
  }

  private boolean act(String action, String site) {
    switch (action) {
      case "cut" -> network.cut(site);
      case "heal" -> network.heal(site);
      default -> {
        return false;
      }
    }
    return true;
  }

  private String status() {
    StringBuilder s = new StringBuilder();
    for (String site : network.sites()) {
      s.append(site).append(network.isCut(site) ? " cut\n" : " connected\n");
    }
    return s.toString();
  }

  private static void reply(HttpExchange exchange, int code, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
