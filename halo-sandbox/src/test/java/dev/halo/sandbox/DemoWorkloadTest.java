package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo workload shows its agent's term and fences writes to its group's store with it. */
class DemoWorkloadTest {
  private static final HttpClient CLIENT = HttpClient.newHttpClient();

  @TempDir Path dir;
  private final List<DemoWorkload> workloads = new ArrayList<>();

  @AfterEach
  void stop() {
    workloads.forEach(DemoWorkload::stop);
  }

  private DemoWorkload start(String pod) throws IOException {
    Files.createDirectories(dir.resolve(pod));
    DemoWorkload workload =
        DemoWorkload.start(pod, dir.resolve(pod).resolve("role"), dir.resolve("store-web"));
    workloads.add(workload);
    return workload;
  }

  /** Writes what the pod's agent would publish in {@code role.json}. */
  private void publish(String pod, String role, long term) throws IOException {
    Files.writeString(
        dir.resolve(pod).resolve("role.json"),
        "{\"role\":\""
            + role
            + "\",\"term\":"
            + term
            + ",\"validUntil\":null,\"member\":\""
            + pod
            + "\",\"leader\":\"web-0\"}\n");
  }

  private static HttpResponse<String> send(DemoWorkload w, String method, String path, String body)
      throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + w.port() + path))
            .timeout(Duration.ofSeconds(5))
            .method(method, HttpRequest.BodyPublishers.ofString(body))
            .build();
    return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void thePageShowsTheRoleAndTermTheAgentPublished() throws Exception {
    DemoWorkload web0 = start("web-0");
    assertThat(send(web0, "GET", "/", "").body()).isEqualTo("web-0 unknown term=0\n");

    publish("web-0", "master", 1234);

    HttpResponse<String> page = send(web0, "GET", "/", "");
    assertThat(page.body()).isEqualTo("web-0 master term=1234\n");
    assertThat(page.headers().firstValue("X-Halo-Term")).contains("1234");
  }

  @Test
  void aStaleMastersWriteIsRejectedOnceANewerTermHasWritten() throws Exception {
    DemoWorkload web0 = start("web-0");
    DemoWorkload web1 = start("web-1");
    publish("web-0", "master", 7);
    assertThat(send(web0, "POST", "/write", "a").statusCode()).isEqualTo(200);

    // web-1 is elected with a later term while web-0 still believes it is master.
    publish("web-1", "master", 9);
    assertThat(send(web1, "POST", "/write", "b").statusCode()).isEqualTo(200);
    HttpResponse<String> stale = send(web0, "POST", "/write", "c");

    assertThat(stale.statusCode()).isEqualTo(409);
    assertThat(stale.body()).contains("term 7 is lower than 9");
    assertThat(send(web1, "GET", "/store", "").body()).isEqualTo("7 web-0 a\n9 web-1 b\n");
  }

  @Test
  void theSameTermWritesAgainAndAForcedLowerTermIsRejected() throws Exception {
    DemoWorkload web0 = start("web-0");
    publish("web-0", "master", 7);
    assertThat(send(web0, "POST", "/write", "a").statusCode()).isEqualTo(200);
    assertThat(send(web0, "POST", "/write", "b").statusCode()).isEqualTo(200);

    HttpResponse<String> forced = send(web0, "POST", "/write?term=6", "old");

    assertThat(forced.statusCode()).isEqualTo(409);
    assertThat(forced.headers().firstValue("X-Halo-Term")).contains("6");
    assertThat(send(web0, "GET", "/store", "").body()).isEqualTo("7 web-0 a\n7 web-0 b\n");
  }

  @Test
  void aStandbyDoesNotWrite() throws Exception {
    DemoWorkload web1 = start("web-1");
    publish("web-1", "standby", 7);

    HttpResponse<String> refused = send(web1, "POST", "/write", "x");

    assertThat(refused.statusCode()).isEqualTo(409);
    assertThat(refused.body()).contains("web-1 is standby");
    assertThat(send(web1, "GET", "/store", "").body()).isEmpty();
  }
}
