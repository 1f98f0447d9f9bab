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
 * <p>Between changes the JSON is brought up to date every {@code refreshEvery}: a master's {@code
 * validUntil} moves with each renewal, and a bound stated once at the promotion would run out while
 * the agent is still rightly master (rewriting on every renewal, every 500 ms at TTL 5, would cost
 * more for little gain); a standby's term and leader follow the leader it last read, written only
 * when they changed. Every master write takes {@code validUntil} from {@link Live} at that moment
 * and is skipped when that is empty (no longer master, or the deadline passed: the demotion's own
 * write follows), so the file never states a bound the agent does not hold.
 */
final class RolePublisher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RolePublisher.class);
  private static final int WEBHOOK_ATTEMPTS = 5;

  /**
   * What the publisher reads from the agent between role changes: {@code validUntil}, the deadline
   * as wall-clock time while master (empty otherwise); {@code leader}, the leader last read (its
   * create revision is its term; empty before any).
   */
  record Live(
      Supplier<Optional<Instant>> validUntil,
      Supplier<Optional<ElectionClient.Candidate>> leader) {}

  /** A change as published, with its place in the order of changes. */
  private record Published(long seq, RoleNotice notice) {}

  private final Optional<Path> roleFile;
  private final Optional<URI> webhook;
  private final String member;
  private final Duration refreshEvery;
  private final Live live;
  private final AtomicLong sequence = new AtomicLong();
  private final ScheduledExecutorService fileWriter =
      Executors.newSingleThreadScheduledExecutor(r -> Threads.daemon("halo-role-file", r));
  private final ScheduledExecutorService webhookSender =
      Executors.newSingleThreadScheduledExecutor(r -> Threads.daemon("halo-role-webhook", r));
  private final Optional<HttpClient> http;
  private volatile Published latest;
  // On the file writer's thread only: the JSON as last written, and whether refreshes fail.
  private RoleNotice written;
  private boolean refreshFailing;

  RolePublisher(
      Optional<Path> roleFile,
      Optional<URI> webhook,
      String member,
      Duration refreshEvery,
      Live live) {
    this.roleFile = roleFile;
    this.webhook = webhook;
    this.member = member;
    this.refreshEvery = refreshEvery;
    this.live = live;
    this.latest = new Published(0, new RoleNotice(Role.STANDBY, 0, Optional.empty(), member, ""));
    this.http =
        webhook.map(u -> HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build());
  }

  /** {@code <role file>.json}, beside the role file. */
  static Path jsonFile(Path roleFile) {
    return roleFile.resolveSibling(roleFile.getFileName() + ".json");
  }

  /**
   * Writes the starting role (standby, term 0) synchronously, before the agent campaigns, and
   * starts keeping the JSON up to date.
   */
  void initialize() throws IOException {
    if (roleFile.isPresent()) {
      Path path = roleFile.get();
      write(path, latest.notice());
      written = latest.notice();
      long ms = refreshEvery.toMillis();
      fileWriter.scheduleWithFixedDelay(() -> refresh(path), ms, ms, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Publishes a change without blocking the caller. A promotion that is already void (the agent no
   * longer master, or its deadline passed) is not published: its demotion is.
   */
  synchronized void publish(Role role, long term, String leader) {
    Optional<Instant> validUntil = role == Role.MASTER ? live.validUntil().get() : Optional.empty();
    if (role == Role.MASTER && validUntil.isEmpty()) {
      log.atInfo().addKeyValue("term", term).log("promotion already void; not published");
      return;
    }
    RoleNotice notice = new RoleNotice(role, term, validUntil, member, leader);
    Published change = new Published(sequence.incrementAndGet(), notice);
    latest = change;
    roleFile.ifPresent(path -> fileWriter.execute(() -> writeChange(path, change)));
    webhook.ifPresent(
        url ->
            send(
                url,
                change.seq(),
                notice.webhookJson(),
                1,
                Backoff.equalJitter(Duration.ofMillis(200), Duration.ofSeconds(2))));
  }

  /** Writes a change to both files unless a newer one superseded it. */
  private void writeChange(Path path, Published change) {
    Optional<RoleNotice> now = current(change.notice());
    if (change.seq() != sequence.get() || now.isEmpty()) {
      return;
    }
    try {
      write(path, now.get());
      written = now.get();
    } catch (IOException e) {
      log.atError()
          .addKeyValue("file", path)
          .addKeyValue("error", e.toString())
          .log("cannot write the role file; check the volume mounted there");
    }
  }

  /** Rewrites the JSON alone when what it states has moved on since the last change. */
  private void refresh(Path path) {
    Published change = latest;
    Optional<RoleNotice> now = current(change.notice());
    if (now.isEmpty() || now.get().equals(written) || change.seq() != sequence.get()) {
      return;
    }
    try {
      replace(jsonFile(path), now.get().json());
      written = now.get();
      refreshFailing = false;
    } catch (IOException e) {
      if (!refreshFailing) {
        log.atError()
            .addKeyValue("file", jsonFile(path))
            .addKeyValue("error", e.toString())
            .log("cannot update the role JSON; check the volume mounted there");
      }
      refreshFailing = true;
    }
  }

  /**
   * {@code notice} as of now: a master's with the deadline now, empty when it no longer holds; a
   * standby's with the leader last read.
   */
  private Optional<RoleNotice> current(RoleNotice notice) {
    if (notice.role() == Role.MASTER) {
      return live.validUntil()
          .get()
          .map(
              v ->
                  new RoleNotice(
                      Role.MASTER, notice.term(), Optional.of(v), member, notice.leader()));
    }
    return Optional.of(
        live.leader()
            .get()
            .map(
                c ->
                    new RoleNotice(
                        Role.STANDBY, c.createRevision(), Optional.empty(), member, c.value()))
            .orElse(notice));
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
