package dev.halo.agent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.halo.common.DrainHook;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /drain?token=...} ({@link DrainHook}), the {@code preStop} hook of the pod's
 * containers: starts the {@link Drain} (or joins the one under way) and answers once it is over,
 * then after the settle time and the template's own {@code preStop} sleep. The exchange is answered
 * from a timer, so a waiting hook holds no HTTP thread and {@code /healthz} keeps answering. A
 * wrong token gets 403 and changes nothing.
 */
final class DrainEndpoint implements HttpHandler {
  private static final Logger log = LoggerFactory.getLogger(DrainEndpoint.class);

  /** Waiting requests at most; more get 503 (a hook per container, so a handful at most). */
  static final int MAX_WAITING = 16;

  /** The longest wait a request may ask for. */
  static final long MAX_TIMEOUT_SECONDS = 600;

  private final Drain drain;
  private final String token;
  private final ScheduledExecutorService timer;
  private final AtomicInteger waiting = new AtomicInteger();

  DrainEndpoint(Drain drain, String token, ScheduledExecutorService timer) {
    this.drain = drain;
    this.token = token;
    this.timer = timer;
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    String method = ex.getRequestMethod();
    if (!"GET".equals(method) && !"POST".equals(method)) {
      ex.getResponseHeaders().set("Allow", "GET, POST");
      reply(ex, 405, "use GET or POST\n");
      return;
    }
    if (!ex.getRequestURI().getPath().equals(DrainHook.PATH)) {
      reply(ex, 404, "not found\n");
      return;
    }
    Map<String, String> query = query(ex.getRequestURI().getRawQuery());
    if (!token.equals(query.get(DrainHook.TOKEN))) {
      log.atWarn()
          .addKeyValue("from", ex.getRemoteAddress())
          .log("drain refused: wrong or missing token (only the pod's own preStop hook may drain)");
      reply(ex, 403, "wrong or missing token: this endpoint is the pod's own preStop hook\n");
      return;
    }
    long timeoutSeconds;
    long settleMillis;
    long thenSleepSeconds;
    try {
      timeoutSeconds = number(query, DrainHook.TIMEOUT_SECONDS, 25, MAX_TIMEOUT_SECONDS);
      settleMillis = number(query, DrainHook.SETTLE_MILLIS, 0, MAX_TIMEOUT_SECONDS * 1000);
      thenSleepSeconds = number(query, DrainHook.THEN_SLEEP_SECONDS, 0, MAX_TIMEOUT_SECONDS);
    } catch (IllegalArgumentException e) {
      reply(ex, 400, e.getMessage() + "\n");
      return;
    }
    if (waiting.incrementAndGet() > MAX_WAITING) {
      waiting.decrementAndGet();
      reply(ex, 503, "too many drain requests waiting\n");
      return;
    }
    long after = settleMillis + TimeUnit.SECONDS.toMillis(thenSleepSeconds);
    drain
        .start(Duration.ofSeconds(timeoutSeconds))
        .thenAccept(
            result ->
                timer.schedule(
                    () -> answer(ex, result),
                    result.outcome() == Drain.Outcome.HANDED_OVER
                        ? after
                        : TimeUnit.SECONDS.toMillis(thenSleepSeconds),
                    TimeUnit.MILLISECONDS));
  }

  private void answer(HttpExchange ex, Drain.Result result) {
    waiting.decrementAndGet();
    try {
      reply(ex, 200, result.describe() + " in " + result.tookMillis() + " ms\n");
    } catch (IOException e) {
      log.atDebug().addKeyValue("error", e.toString()).log("drain answer not delivered");
    }
  }

  private static long number(Map<String, String> query, String name, long dflt, long max) {
    String value = query.get(name);
    if (value == null) {
      return dflt;
    }
    try {
      long n = Long.parseLong(value);
      if (n < 0 || n > max) {
        throw new IllegalArgumentException(name + " must be between 0 and " + max + ": " + value);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " is not a number: " + value, e);
    }
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> params = new HashMap<>();
    if (raw == null) {
      return params;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        params.put(
            URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return params;
  }

  private static void reply(HttpExchange ex, int status, String body) throws IOException {
    try (ex) {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "text/plain");
      ex.getResponseHeaders().set("Cache-Control", "no-store");
      ex.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
  }
}
