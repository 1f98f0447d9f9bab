package dev.halo.sandbox;

import dev.halo.common.Threads;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A client that sends {@code GET /} to a local port every few milliseconds, one new connection per
 * request (like a curl loop), and records who answered: the first word of a 200 reply is the pod
 * name of a {@link DemoWorkload}.
 */
public final class SteadyClient implements AutoCloseable {
  /** One request: when it ended (monotonic nanos), and the pod that answered, if any. */
  public record Reply(long atNanos, Optional<String> pod) {
    public boolean ok() {
      return pod.isPresent();
    }
  }

  private static final int TIMEOUT_MS = 1000;

  private final int port;
  private final long periodMillis;
  private final List<Reply> replies = new ArrayList<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread thread;

  private SteadyClient(int port, long periodMillis) {
    this.port = port;
    this.periodMillis = periodMillis;
    this.thread = Threads.daemon("sandbox-steady-client", this::loop);
  }

  public static SteadyClient start(int port, long periodMillis) {
    SteadyClient client = new SteadyClient(port, periodMillis);
    client.thread.start();
    return client;
  }

  private void loop() {
    while (running.get()) {
      Optional<String> pod = request(port);
      synchronized (replies) {
        replies.add(new Reply(System.nanoTime(), pod));
      }
      try {
        Thread.sleep(periodMillis);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** One {@code GET /}; the answering pod, or empty on any failure. */
  static Optional<String> request(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), TIMEOUT_MS);
      socket.setSoTimeout(TIMEOUT_MS);
      OutputStream out = socket.getOutputStream();
      out.write(
          "GET / HTTP/1.0\r\nHost: sandbox\r\nConnection: close\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      if (!response.startsWith("HTTP/1.1 200") && !response.startsWith("HTTP/1.0 200")) {
        return Optional.empty();
      }
      int body = response.indexOf("\r\n\r\n");
      String text = body < 0 ? "" : response.substring(body + 4).strip();
      return text.isEmpty() ? Optional.empty() : Optional.of(text.split("\\s+")[0]);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Every reply so far, in order. */
  public List<Reply> replies() {
    synchronized (replies) {
      return List.copyOf(replies);
    }
  }

  /** How many replies from index {@code from} on (see {@link #count()}) came from {@code pod}. */
  public long repliesFromSince(String pod, int from) {
    synchronized (replies) {
      return replies.subList(Math.min(from, replies.size()), replies.size()).stream()
          .filter(r -> r.pod().filter(pod::equals).isPresent())
          .count();
    }
  }

  /** How many replies so far. */
  public int count() {
    synchronized (replies) {
      return replies.size();
    }
  }

  /** The pod of the last successful reply, if there was one. */
  public Optional<String> lastPod() {
    synchronized (replies) {
      for (int i = replies.size() - 1; i >= 0; i--) {
        if (replies.get(i).ok()) {
          return replies.get(i).pod();
        }
      }
    }
    return Optional.empty();
  }

  @Override
  public void close() {
    running.set(false);
    thread.interrupt();
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
