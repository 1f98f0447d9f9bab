package dev.halo.sandbox;

import dev.halo.sandbox.EmbeddedApiServer.ApiRequest;
import dev.halo.sandbox.EmbeddedApiServer.Fault;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Makes the embedded API server misbehave for a while: answer 503, or hold requests. */
final class FaultInjector {
  private static final Logger log = LoggerFactory.getLogger(FaultInjector.class);

  private record FaultWindow(Fault fault, Predicate<ApiRequest> affected, long untilNanos) {}

  private final Vertx vertx;
  private final Consumer<HttpServerRequest> handler;
  private volatile FaultWindow fault;

  /** {@code handler} serves a held request once its fault has ended. */
  FaultInjector(Vertx vertx, Consumer<HttpServerRequest> handler) {
    this.vertx = vertx;
    this.handler = handler;
  }

  void inject(Fault kind, Predicate<ApiRequest> affected, Duration duration) {
    fault = new FaultWindow(kind, affected, System.nanoTime() + duration.toNanos());
    log.atInfo()
        .addKeyValue("fault", kind)
        .addKeyValue("durationMs", duration.toMillis())
        .log("api server: fault injected");
  }

  void clear() {
    fault = null;
  }

  /** Whether the fault took the request (answered it, or holds it); false to serve it now. */
  boolean faulted(HttpServerRequest request) {
    FaultWindow window = fault;
    if (window == null) {
      return false;
    }
    long left = window.untilNanos() - System.nanoTime();
    if (left <= 0) {
      fault = null;
      return false;
    }
    ApiRequest seen =
        new ApiRequest(request.method().name(), request.uri(), request.getHeader("User-Agent"));
    if (!window.affected().test(seen)) {
      return false;
    }
    if (window.fault() == Fault.ERRORS) {
      request
          .response()
          .setStatusCode(503)
          .putHeader("Content-Type", "application/json")
          .end(
              "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                  + "\"message\":\"injected fault: the API server is unavailable\","
                  + "\"reason\":\"ServiceUnavailable\",\"code\":503}");
      return true;
    }
    request.pause();
    vertx.setTimer(
        Math.max(1, left / 1_000_000),
        id -> {
          request.resume();
          handler.accept(request);
        });
    return true;
  }
}
