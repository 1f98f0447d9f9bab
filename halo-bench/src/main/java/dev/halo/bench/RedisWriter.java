package dev.halo.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * A client writing through the master Service: every {@code period} one {@code RPUSH <key> <seq>}
 * with a growing sequence number, on one connection that it opens again after any failure. Every
 * write is recorded, acknowledged (Redis answered with the list's length) or failed and why, so a
 * round can tell how long writes failed and which acknowledged writes the new master lacks.
 */
final class RedisWriter implements AutoCloseable {
  static final String KEY = "bench:writes";
  private static final Duration TIMEOUT = Duration.ofMillis(500);

  /** One write: {@code error} is null when Redis acknowledged it. */
  record Write(long seq, long sentNanos, long doneNanos, String error) {
    boolean acked() {
      return error == null;
    }
  }

  private final int port;
  private final long periodNanos;
  private final List<Write> log = new ArrayList<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread thread;
  private RespClient connection;

  private RedisWriter(int port, Duration period) {
    this.port = port;
    this.periodNanos = period.toNanos();
    this.thread = new Thread(this::loop, "redis-bench-writer");
    this.thread.setDaemon(true);
  }

  /** Starts writing to 127.0.0.1:{@code port}. */
  static RedisWriter start(int port, Duration period) {
    RedisWriter writer = new RedisWriter(port, period);
    writer.thread.start();
    return writer;
  }

  private void loop() {
    long next = System.nanoTime();
    long seq = 0;
    while (running.get()) {
      long wait = next - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
        continue;
      }
      next += periodNanos;
      if (next < System.nanoTime()) {
        next = System.nanoTime(); // a slow write does not make the next ones burst
      }
      seq++;
      long sent = System.nanoTime();
      String error = null;
      try {
        if (connection == null) {
          connection = RespClient.connect(port, TIMEOUT);
        }
        connection.call("RPUSH", KEY, Long.toString(seq));
      } catch (RespClient.RedisError e) {
        error = e.code();
      } catch (IOException e) {
        error = "connection";
        if (connection != null) {
          connection.close();
          connection = null;
        }
      }
      synchronized (log) {
        log.add(new Write(seq, sent, System.nanoTime(), error));
      }
    }
    if (connection != null) {
      connection.close();
    }
  }

  /** The writes sent at or after {@code fromNanos}, in order. */
  List<Write> since(long fromNanos) {
    synchronized (log) {
      return log.stream().filter(w -> w.sentNanos() >= fromNanos).toList();
    }
  }

  /** Every acknowledged write's sequence number sent before {@code beforeNanos}. */
  List<Long> ackedBefore(long beforeNanos) {
    synchronized (log) {
      return log.stream()
          .filter(w -> w.acked() && w.sentNanos() < beforeNanos)
          .map(Write::seq)
          .toList();
    }
  }

  /** Whether {@code count} writes in a row were acknowledged after {@code afterNanos}. */
  boolean steadyAfter(long afterNanos, int count) {
    List<Write> recent = since(afterNanos);
    if (recent.size() < count) {
      return false;
    }
    return recent.subList(recent.size() - count, recent.size()).stream().allMatch(Write::acked);
  }

  /**
   * How the writes from {@code fromNanos} went: how many failed and why, and the failure window,
   * from the first failed write's sending to the first acknowledgement after the last failure (0
   * when none failed).
   */
  static Map<String, Object> failures(List<Write> writes) {
    Map<String, Integer> reasons = new LinkedHashMap<>();
    Write firstFailure = null;
    int lastFailure = -1;
    for (int i = 0; i < writes.size(); i++) {
      Write w = writes.get(i);
      if (!w.acked()) {
        reasons.merge(w.error(), 1, Integer::sum);
        if (firstFailure == null) {
          firstFailure = w;
        }
        lastFailure = i;
      }
    }
    long windowMs = 0;
    if (firstFailure != null) {
      Write recovered = null;
      for (int i = lastFailure + 1; i < writes.size() && recovered == null; i++) {
        recovered = writes.get(i).acked() ? writes.get(i) : null;
      }
      long end =
          recovered == null ? writes.get(writes.size() - 1).doneNanos() : recovered.doneNanos();
      windowMs = TimeUnit.NANOSECONDS.toMillis(end - firstFailure.sentNanos());
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("failed", reasons.values().stream().mapToInt(Integer::intValue).sum());
    doc.put("failureWindowMs", windowMs);
    doc.put("reasons", reasons);
    return doc;
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    thread.join(TIMEOUT.toMillis() * 4);
  }

  /** Sequence numbers in {@code acked} that {@code present} lacks. */
  static List<Long> lost(List<Long> acked, java.util.Set<Long> present) {
    List<Long> lost = new ArrayList<>();
    for (long seq : acked) {
      if (!present.contains(seq)) {
        lost.add(seq);
      }
    }
    return lost;
  }
}
