package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.halo.operator.model.ServerVersion;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the operator takes for the API server's release, from its {@code /version} answer. */
class ApiServerVersionTest {
  private HttpServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  private KubernetesClient clientOf(String url) {
    return new KubernetesClientBuilder()
        .withConfig(
            new ConfigBuilder()
                .withMasterUrl(url)
                .withRequestRetryBackoffLimit(0)
                .withConnectionTimeout(2_000)
                .build())
        .build();
  }

  private String serving(String versionJson) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4);
    server.createContext(
        "/version",
        ex -> {
          byte[] body = versionJson.getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().set("Content-Type", "application/json");
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
  }

  private static String version(String major, String minor, String gitVersion) {
    return "{\"major\":\""
        + major
        + "\",\"minor\":\""
        + minor
        + "\",\"gitVersion\":\""
        + gitVersion
        + "\",\"gitCommit\":\"abc\",\"gitTreeState\":\"clean\","
        + "\"buildDate\":\"2024-03-15T00:00:00Z\",\"goVersion\":\"go1.21\","
        + "\"compiler\":\"gc\",\"platform\":\"linux/amd64\"}";
  }

  @Test
  void readsAManagedServersVersion() throws IOException {
    try (KubernetesClient client = clientOf(serving(version("1", "29+", "v1.29.3-gke.1")))) {
      assertThat(ApiServerVersion.read(client)).isEqualTo(new ServerVersion(1, 29));
    }
  }

  @Test
  void readsANewServersVersion() throws IOException {
    try (KubernetesClient client = clientOf(serving(version("1", "33", "v1.33.1")))) {
      assertThat(ApiServerVersion.read(client)).isEqualTo(new ServerVersion(1, 33));
    }
  }

  @Test
  void assumesTheOldestSupportedReleaseForAVersionItCannotRead() throws IOException {
    try (KubernetesClient client = clientOf(serving(version("one", "thirty", "latest")))) {
      assertThat(ApiServerVersion.read(client)).isEqualTo(ServerVersion.OLDEST_SUPPORTED);
    }
  }

  @Test
  void assumesTheOldestSupportedReleaseWhenTheServerDoesNotAnswer() throws IOException {
    String url = serving("{}");
    server.stop(0);
    server = null;
    try (KubernetesClient client = clientOf(url)) {
      assertThat(ApiServerVersion.read(client)).isEqualTo(ServerVersion.OLDEST_SUPPORTED);
    }
  }
}
