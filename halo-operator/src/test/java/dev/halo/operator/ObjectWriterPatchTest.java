package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.HighAvailabilityGroupStatus;
import dev.halo.operator.model.OperatorDefaults;
import dev.halo.operator.model.TestGroups;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A label or status write is one PATCH: the operator does not read the object first, which would
 * double the round trips on the way to a new master's label.
 */
class ObjectWriterPatchTest {
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private HttpServer server;
  private KubernetesClient client;
  private ObjectWriter writer;
  private final HighAvailabilityGroup hag = TestGroups.valid("shop", "web");

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        ex -> {
          requests.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath());
          ex.getRequestBody().readAllBytes();
          String path = ex.getRequestURI().getPath();
          String body =
              path.contains("/pods/")
                  ? "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-0\","
                      + "\"namespace\":\"shop\",\"resourceVersion\":\"7\"}}"
                  : "{\"apiVersion\":\"halo.dev/v1alpha1\",\"kind\":\"HighAvailabilityGroup\","
                      + "\"metadata\":{\"name\":\"web\",\"namespace\":\"shop\","
                      + "\"resourceVersion\":\"8\"}}";
          byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().set("Content-Type", "application/json");
          ex.sendResponseHeaders(200, bytes.length);
          try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
          }
        });
    server.start();
    client =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder()
                    .withMasterUrl("http://127.0.0.1:" + server.getAddress().getPort())
                    .withRequestRetryBackoffLimit(0)
                    .build())
            .build();
    GuardedWrites writes = new GuardedWrites(new NoEvents(), System::currentTimeMillis);
    writer =
        new ObjectWriter(
            client,
            OperatorDefaults.of("halo/halo:test"),
            writes,
            new WatchFreshness(Duration.ofSeconds(30), System::nanoTime));
  }

  @AfterEach
  void stopServer() {
    client.close();
    server.stop(0);
  }

  @Test
  void demotingAPodSendsOnePatchAndNoRead() {
    Pod pod = new PodBuilder().withNewMetadata().withName("web-0").endMetadata().build();

    boolean done = writer.demoteRemembered(hag, "web-0", new ArrayList<>(List.of(pod)));

    assertThat(done).isTrue();
    assertThat(requests).containsExactly("PATCH /api/v1/namespaces/shop/pods/web-0");
  }

  @Test
  void writingTheStatusSendsOnePatchAndNoRead() {
    writer.patchStatus(hag, new HighAvailabilityGroupStatus());

    assertThat(requests)
        .containsExactly(
            "PATCH /apis/halo.dev/v1alpha1/namespaces/shop/highavailabilitygroups/web/status");
  }

  /** Events are not what these tests look at. */
  private static final class NoEvents implements GuardedWrites.Events {
    @Override
    public void warning(HighAvailabilityGroup hag, String reason, String message) {}

    @Override
    public void normal(HighAvailabilityGroup hag, String reason, String message) {}

    @Override
    public void forget(HighAvailabilityGroup hag, String reason) {}
  }
}
