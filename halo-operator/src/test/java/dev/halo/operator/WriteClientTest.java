package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WriteClientTest {
  private static final String PATCH = "{\"metadata\":{\"labels\":{\"halo.dev/role\":\"master\"}}}";

  private final AtomicInteger requests = new AtomicInteger();
  private final CountDownLatch release = new CountDownLatch(1);
  private HttpServer server;

  @AfterEach
  void stop() {
    release.countDown();
    if (server != null) {
      server.stop(0);
    }
  }

  /** A server that answers every request with {@code code}, or never answers when it is 0. */
  private Config serverAnswering(int code) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext(
        "/",
        ex -> {
          requests.incrementAndGet();
          try (ex) {
            if (code == 0) {
              release.await();
              return;
            }
            byte[] body =
                ("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":"
                        + code
                        + ",\"message\":\"boom\"}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(code, body.length);
            try (OutputStream out = ex.getResponseBody()) {
              out.write(body);
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    server.start();
    return new ConfigBuilder(Config.empty())
        .withMasterUrl("http://127.0.0.1:" + server.getAddress().getPort() + "/")
        .withRequestTimeout(2000)
        .withRequestRetryBackoffLimit(10)
        .withHttp2Disable(true)
        .build();
  }

  private static void patchLabel(KubernetesClient client) {
    client
        .pods()
        .inNamespace("shop")
        .withName("web-0")
        .patch(PatchContext.of(PatchType.JSON_MERGE), PATCH);
  }

  @Test
  void aHungWriteFailsAfterOneTimeoutInsteadOfBeingRetriedInTheClient() throws IOException {
    Config config = serverAnswering(0);
    try (KubernetesClient base = new KubernetesClientBuilder().withConfig(config).build();
        KubernetesClient writes = WriteClient.like(base)) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> patchLabel(writes))
          .isInstanceOfSatisfying(
              KubernetesClientException.class,
              e -> assertThat(WriteFailure.of(e).reason()).isEqualTo("Timeout"));
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      // One timeout (2 s); fabric8's own retries of the base configuration would take over 20 s.
      assertThat(took).isBetween(Duration.ofMillis(1900), Duration.ofSeconds(8));
      assertThat(requests).hasValue(1);
    }
  }

  @Test
  void a500IsReturnedAtOnceForTheReconcilersOwnBackoff() throws IOException {
    Config config = serverAnswering(500);
    try (KubernetesClient base = new KubernetesClientBuilder().withConfig(config).build();
        KubernetesClient writes = WriteClient.like(base)) {
      assertThatThrownBy(() -> patchLabel(writes))
          .isInstanceOfSatisfying(
              KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(500));

      assertThat(requests).hasValue(1);
    }
  }

  @Test
  void theTimeoutComesFromTheConfigurationWithinBounds() {
    assertThat(WriteClient.timeout(new ConfigBuilder(Config.empty()).withRequestTimeout(0).build()))
        .isEqualTo(WriteClient.DEFAULT_TIMEOUT);
    assertThat(
            WriteClient.timeout(new ConfigBuilder(Config.empty()).withRequestTimeout(2000).build()))
        .isEqualTo(Duration.ofSeconds(2));
    assertThat(
            WriteClient.timeout(
                new ConfigBuilder(Config.empty()).withRequestTimeout(600_000).build()))
        .isEqualTo(WriteClient.MAX_TIMEOUT);
  }
}
