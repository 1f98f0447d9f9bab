package dev.halo.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.halo.common.Backoff;
import dev.halo.common.Threads;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the workload about role changes through the role file and the webhook. Both run off the
 * caller's thread, so a demotion is visible on {@code /role} at once and never waits for a slow
 * disk or receiver; a newer change supersedes webhook retries of an older one.
 */
final class RolePublisher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RolePublisher.class);
  private static final int WEBHOOK_ATTEMPTS = 5;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Optional<Path> roleFile;
  private final Optional<URI> webhook;
  private final AtomicLong sequence = new AtomicLong();
  private final ExecutorService fileWriter = daemon("halo-role-file");
  private final ScheduledExecutorService webhookSender =
      Executors.newSingleThreadScheduledExecutor(r -> Threads.daemon("halo-role-webhook", r));
  private final Optional<HttpClient> http;

  RolePublisher(Optional<Path> roleFile, Optional<URI> webhook) {
    this.roleFile = roleFile;
    this.webhook = webhook;
    this.http =
        webhook.map(u -> HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build());
  }

  /** Writes the starting role synchronously, before the agent campaigns. */
  void initialize(Role role) throws IOException {
    if (roleFile.isPresent()) {
      writeFile(roleFile.get(), role);
    }
  }

  /** Publishes a change without blocking the caller. */
  void publish(Role role, String leader, long revision) {
    long seq = sequence.incrementAndGet();
    roleFile.ifPresent(path -> fileWriter.execute(() -> writeIfLatest(path, role, seq)));
    webhook.ifPresent(
        url ->
            send(
                url,
                seq,
                body(role, leader, revision),
                1,
                Backoff.equalJitter(Duration.ofMillis(200), Duration.ofSeconds(2))));
  }

  private void writeIfLatest(Path path, Role role, long seq) {
    if (seq != sequence.get()) {
      return;
    }
    try {
      writeFile(path, role);
    } catch (IOException e) {
      log.atError()
          .addKeyValue("file", path)
          .addKeyValue("error", e.toString())
          .log("cannot write the role file; check the volume mounted there");
    }
  }

  private static void writeFile(Path path, Role role) throws IOException {
    Path tmp = path.resolveSibling("." + path.getFileName() + ".tmp");
    Files.writeString(tmp, role.wire() + "\n", StandardCharsets.UTF_8);
    Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static String body(Role role, String leader, long revision) {
    try {
      return JSON.writeValueAsString(
          Map.of("role", role.wire(), "leader", leader, "revision", revision));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private void send(URI url, long seq, String body, int attempt, Backoff retries) {
    HttpRequest request =
        HttpRequest.newBuilder(url)
            .timeout(Duration.ofSeconds(2))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    http.orElseThrow()
        .sendAsync(request, HttpResponse.BodyHandlers.discarding())
        .whenComplete(
            (response, error) -> {
              boolean ok = error == null && response.statusCode() / 100 == 2;
              if (ok || seq != sequence.get()) {
                return;
              }
              String why = error != null ? error.toString() : "HTTP " + response.statusCode();
              if (attempt >= WEBHOOK_ATTEMPTS) {
                log.atError()
                    .addKeyValue("url", url)
                    .addKeyValue("error", why)
                    .log("role webhook failed; giving up on this change");
                return;
              }
              log.atWarn()
                  .addKeyValue("url", url)
                  .addKeyValue("attempt", attempt)
                  .addKeyValue("error", why)
                  .log("role webhook failed; retrying");
              webhookSender.schedule(
                  () -> send(url, seq, body, attempt + 1, retries),
                  retries.nextDelayMillis(),
                  TimeUnit.MILLISECONDS);
            });
  }

  private static ExecutorService daemon(String name) {
    return Executors.newSingleThreadExecutor(r -> Threads.daemon(name, r));
  }

  @Override
  public void close() {
    fileWriter.shutdown();
    webhookSender.shutdownNow();
  }
}
