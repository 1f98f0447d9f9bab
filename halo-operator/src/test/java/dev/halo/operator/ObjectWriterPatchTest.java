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

  @Test
  void anAnnotationItRemovedStaysRemovedInACopyOlderThanTheRemoval() {
    HighAvailabilityGroup older = copyAt("5", "web-2");
    assertThat(writer.annotation(older, "halo.dev/switchover-to")).contains("web-2");

    writer.removeAnnotation(older, "halo.dev/switchover-to"); // the server answers version 8

    assertThat(requests)
        .containsExactly(
            "PATCH /apis/halo.dev/v1alpha1/namespaces/shop/highavailabilitygroups/web");
    assertThat(writer.annotation(copyAt("7", "web-2"), "halo.dev/switchover-to")).isEmpty();
    // Asked again after the removal: a newer copy counts, as does a version that is no number.
    assertThat(writer.annotation(copyAt("9", "web-1"), "halo.dev/switchover-to")).contains("web-1");
    assertThat(writer.annotation(copyAt("x", "web-1"), "halo.dev/switchover-to")).contains("web-1");
    // Another annotation of the same old copy is not affected.
    HighAvailabilityGroup both = copyAt("7", "web-2");
    both.getMetadata().getAnnotations().put("halo.dev/switchover", "web-0");
    assertThat(writer.annotation(both, "halo.dev/switchover")).contains("web-0");
    // A deleted group's removals are forgotten.
    writer.forgetGroup(older);
    assertThat(writer.annotation(copyAt("7", "web-2"), "halo.dev/switchover-to")).contains("web-2");
  }

  private HighAvailabilityGroup copyAt(String resourceVersion, String switchoverTo) {
    HighAvailabilityGroup copy = TestGroups.valid("shop", "web");
    copy.getMetadata().setResourceVersion(resourceVersion);
    copy.getMetadata()
        .setAnnotations(
            new java.util.HashMap<>(java.util.Map.of("halo.dev/switchover-to", switchoverTo)));
    return copy;
  }
}
