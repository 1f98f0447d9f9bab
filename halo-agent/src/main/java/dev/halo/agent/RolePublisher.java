package dev.halo.agent;

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
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the workload about role changes through the role file, {@code <role file>.json} and the
 * webhook. All run off the caller's thread, so a demotion is visible on {@code /role} at once and
 * never waits for a slow disk or receiver; a newer change supersedes pending writes and webhook
 * retries of an older one.
 *
 * <p>While master, the JSON's {@code validUntil} is rewritten every {@code refreshEvery}: the
 * deadline moves with each renewal, and a bound stated once at the promotion would run out while
 * the agent is still rightly master. Rewriting on every renewal (every 500 ms at TTL 5) would cost
 * more for little gain. Every master write takes {@code validUntil} from {@code liveValidUntil} at
 * that moment and is skipped when that is empty (no longer master, or the deadline passed: the
 * demotion's own write follows), so the file never states a bound the agent does not hold.
 */
final class RolePublisher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RolePublisher.class);
  private static final int WEBHOOK_ATTEMPTS = 5;

  private final Optional<Path> roleFile;
  private final Optional<URI> webhook;
  private final String member;
  private final Duration refreshEvery;
  private final Supplier<Optional<Instant>> liveValidUntil;
  private final AtomicLong sequence = new AtomicLong();
  private final ScheduledExecutorService fileWriter =
      Executors.newSingleThreadScheduledExecutor(r -> Threads.daemon("halo-role-file", r));
  private final ScheduledExecutorService webhookSender =
      Executors.newSingleThreadScheduledExecutor(r -> Threads.daemon("halo-role-webhook", r));
  private final Optional<HttpClient> http;
  private Future<?> refresh;
  private boolean refreshFailing;

  /**
   * {@code liveValidUntil} gives the agent's deadline as wall-clock time while it is master, and
   * empty otherwise.
   */
  RolePublisher(
      Optional<Path> roleFile,
      Optional<URI> webhook,
      String member,
      Duration refreshEvery,
      Supplier<Optional<Instant>> liveValidUntil) {
    this.roleFile = roleFile;
    this.webhook = webhook;
    this.member = member;
    this.refreshEvery = refreshEvery;
    this.liveValidUntil = liveValidUntil;
    this.http =
        webhook.map(u -> HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build());
  }

  /** {@code <role file>.json}, beside the role file. */
  static Path jsonFile(Path roleFile) {
    return roleFile.resolveSibling(roleFile.getFileName() + ".json");
  }

  /** Writes the starting role (standby, term 0) synchronously, before the agent campaigns. */
  void initialize() throws IOException {
    if (roleFile.isPresent()) {
      write(roleFile.get(), new RoleNotice(Role.STANDBY, 0, Optional.empty(), member, ""));
    }
  }

  /**
   * Publishes a change without blocking the caller. A promotion that is already void (the agent no
   * longer master, or its deadline passed) is not published: its demotion is.
   */
  synchronized void publish(Role role, long term, String leader) {
    Optional<Instant> validUntil = role == Role.MASTER ? liveValidUntil.get() : Optional.empty();
    if (role == Role.MASTER && validUntil.isEmpty()) {
      log.atInfo().addKeyValue("term", term).log("promotion already void; not published");
      return;
    }
    RoleNotice notice = new RoleNotice(role, term, validUntil, member, leader);
    long seq = sequence.incrementAndGet();
    if (refresh != null) {
      refresh.cancel(false);
      refresh = null;
    }
    if (roleFile.isPresent()) {
      Path path = roleFile.get();
      fileWriter.execute(() -> writeIfLatest(path, notice, seq, true));
      if (role == Role.MASTER) {
        long ms = refreshEvery.toMillis();
        refresh =
            fileWriter.scheduleWithFixedDelay(
                () -> writeIfLatest(path, notice, seq, false), ms, ms, TimeUnit.MILLISECONDS);
      }
    }
    webhook.ifPresent(
        url ->
            send(
                url,
                seq,
                notice.webhookJson(),
                1,
                Backoff.equalJitter(Duration.ofMillis(200), Duration.ofSeconds(2))));
  }

  /**
   * Writes {@code notice} unless a newer change superseded it; a master's with {@code validUntil}
   * as of now. {@code transition} false: a refresh, which rewrites only the JSON.
   */
  private void writeIfLatest(Path path, RoleNotice notice, long seq, boolean transition) {
    if (seq != sequence.get()) {
      return;
    }
    RoleNotice now = notice;
    if (notice.role() == Role.MASTER) {
      Optional<Instant> validUntil = liveValidUntil.get();
      if (validUntil.isEmpty()) {
        return;
      }
      now = new RoleNotice(Role.MASTER, notice.term(), validUntil, member, notice.leader());
    }
    try {
      if (transition) {
        write(path, now);
      } else {
        replace(jsonFile(path), now.json());
      }
      refreshFailing = false;
    } catch (IOException e) {
      if (transition || !refreshFailing) {
        log.atError()
            .addKeyValue("file", transition ? path : jsonFile(path))
            .addKeyValue("error", e.toString())
            .log("cannot write the role file; check the volume mounted there");
      }
      refreshFailing = !transition;
    }
  }

  /**
   * The JSON first, then the one word: an app that reads {@code master} in the role file finds that
   * promotion's term in the JSON.
   */
  private static void write(Path path, RoleNotice notice) throws IOException {
    replace(jsonFile(path), notice.json());
    replace(path, notice.role().wire());
  }

  /** Replaces {@code path} atomically: a temp file in the same directory, then a rename. */
  private static void replace(Path path, String line) throws IOException {
    Path tmp = path.resolveSibling("." + path.getFileName() + ".tmp");
    Files.writeString(tmp, line + "\n", StandardCharsets.UTF_8);
    Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
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

  @Override
  public void close() {
    fileWriter.shutdown();
    webhookSender.shutdownNow();
  }
}
