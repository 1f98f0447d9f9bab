package dev.halo.agent;

import dev.halo.agent.AgentConfig.HealthCheck;
import dev.halo.common.Threads;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes the workload on a fixed period and reports when it becomes healthy (one success) or
 * unhealthy (the configured number of consecutive failures), like a kubelet probe.
 */
final class HealthProbe implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HealthProbe.class);

  private final HealthCheck check;
  private final Duration period;
  private final int failureThreshold;
  private final Consumer<Boolean> listener;
  private final Duration timeout;
  private final ScheduledExecutorService exec =
      Executors.newSingleThreadScheduledExecutor(r -> Threads.daemon("halo-health-probe", r));
  private HttpClient http;
  private Boolean healthy;
  private int consecutiveFailures;

  /** {@code listener} gets {@code true} when the workload turns healthy, {@code false} when not. */
  HealthProbe(
      HealthCheck check, Duration period, int failureThreshold, Consumer<Boolean> listener) {
    this.check = check;
    this.period = period;
    this.failureThreshold = failureThreshold;
    this.listener = listener;
    this.timeout = period.compareTo(Duration.ofSeconds(1)) < 0 ? period : Duration.ofSeconds(1);
  }

  void start() {
    exec.scheduleWithFixedDelay(this::probeOnce, 0, period.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Whether the last verdict was healthy. */
  boolean healthy() {
    return Boolean.TRUE.equals(healthy);
  }

  private void probeOnce() {
    String failure = probe();
    if (failure == null) {
      consecutiveFailures = 0;
      if (!Boolean.TRUE.equals(healthy)) {
        healthy = true;
        log.atInfo().addKeyValue("check", describe()).log("workload healthy");
        listener.accept(true);
      }
      return;
    }
    consecutiveFailures++;
    if (consecutiveFailures >= failureThreshold && !Boolean.FALSE.equals(healthy)) {
      healthy = false;
      log.atWarn()
          .addKeyValue("check", describe())
          .addKeyValue("failures", consecutiveFailures)
          .addKeyValue("error", failure)
          .log("workload unhealthy; leaving the election until it recovers");
      listener.accept(false);
    }
  }

  /** Runs the check; returns null when healthy, else what went wrong. */
  private String probe() {
    try {
      if (check instanceof HealthCheck.Http h) {
        HttpRequest request = HttpRequest.newBuilder(h.url()).timeout(timeout).GET().build();
        int status =
            httpClient().send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        return status >= 200 && status < 400 ? null : "HTTP " + status;
      }
      HealthCheck.Tcp t = (HealthCheck.Tcp) check;
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(t.host(), t.port()), (int) timeout.toMillis());
      }
      return null;
    } catch (IOException e) {
      return e.getClass().getSimpleName() + ": " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  private HttpClient httpClient() {
    if (http == null) {
      http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }
    return http;
  }

  private String describe() {
    return check instanceof HealthCheck.Http h
        ? h.url().toString()
        : ((HealthCheck.Tcp) check).host() + ":" + ((HealthCheck.Tcp) check).port();
  }

  @Override
  public void close() {
    exec.shutdownNow();
  }
}
