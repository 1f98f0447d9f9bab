package dev.halo.kubectl;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The run that the class data sharing archive is made from ({@code java
 * -XX:ArchiveClassesAtExit=kubectl-halo.jsa ... __train}): the commands against a loopback API
 * server that serves one canned group, so the archive holds the classes a real {@code status},
 * {@code history}, {@code explain}, {@code switchover} and {@code pause} load. Needs no cluster, so
 * {@code make kubectl-plugin} and the launcher's first run can make it anywhere.
 */
final class ClassArchiveTraining {
  static final String COMMAND = "__train";

  private ClassArchiveTraining() {}

  static void run() {
    byte[] groups;
    try (InputStream in = ClassArchiveTraining.class.getResourceAsStream("training-groups.json")) {
      groups = in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException("the jar lacks training-groups.json", e);
    }
    HttpServer server;
    Path kubeconfig;
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.createContext("/", ex -> answer(ex, groups));
      server.start();
      kubeconfig = Files.createTempFile("kubectl-halo-training", ".yaml");
      Files.writeString(
          kubeconfig,
          String.join(
              "\n",
              "apiVersion: v1",
              "kind: Config",
              "clusters:",
              "- name: training",
              "  cluster:",
              "    server: http://127.0.0.1:" + server.getAddress().getPort(),
              "contexts:",
              "- name: training",
              "  context: {cluster: training, user: training, namespace: default}",
              "current-context: training",
              "users:",
              "- name: training",
              "  user:",
              "    token: \"training\"",
              ""));
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the training server: " + e, e);
    }
    try {
      PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
      Map<String, String> env = Map.of("KUBECONFIG", kubeconfig.toString());
      for (String[] argv :
          new String[][] {
            {"status"},
            {"status", "training", "-o", "yaml"},
            {"history", "training", "-o", "json"},
            {"history", "training"},
            {"status", "missing"},
            {"switchover", "training"},
            {"explain", "training"},
            {"pause", "training"},
          }) {
        KubectlHalo.run(argv, sink, sink, env);
      }
    } finally {
      server.stop(0);
      try {
        Files.deleteIfExists(kubeconfig);
      } catch (IOException e) {
        // a temporary file; nothing depends on it
      }
    }
  }

  private static void answer(HttpExchange ex, byte[] groups) throws IOException {
    String path = ex.getRequestURI().getPath();
    byte[] body = groups;
    int code = 200;
    if (path.endsWith("/missing")) {
      code = 404;
      body = "{\"kind\":\"Status\",\"code\":404}".getBytes(StandardCharsets.UTF_8);
    } else if (!path.endsWith("/highavailabilitygroups")) {
      // One group: the list's first item would do, but the list parses the same way.
      String text = new String(groups, StandardCharsets.UTF_8);
      body =
          text.substring(text.indexOf("[{") + 1, text.lastIndexOf("}]") + 1)
              .getBytes(StandardCharsets.UTF_8);
    }
    ex.getRequestBody().readAllBytes();
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(code, body.length);
    try (var out = ex.getResponseBody()) {
      out.write(body);
    }
  }
}
