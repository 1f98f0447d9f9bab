package dev.halo.operator.validation;

import static dev.halo.operator.validation.Problems.quote;

import dev.halo.api.v1alpha1.HealthSpec;
import dev.halo.api.v1alpha1.HttpGetCheck;
import dev.halo.api.v1alpha1.TcpSocketCheck;

/** Checks how the agent probes the workload. */
final class HealthRules {
  static final int MIN_PERIOD_MILLIS = 100;

  private HealthRules() {}

  static void check(HealthSpec health, Problems problems) {
    if (health == null) {
      return;
    }
    HttpGetCheck http = health.getHttpGet();
    TcpSocketCheck tcp = health.getTcpSocket();
    if (http != null && tcp != null) {
      problems.add(
          Rule.HEALTH_BOTH_CHECKS,
          "spec.health",
          "sets both httpGet and tcpSocket; keep one of them");
    } else if (http == null && tcp == null) {
      problems.add(
          Rule.HEALTH_NO_CHECK,
          "spec.health",
          "sets neither httpGet nor tcpSocket; set one of them, or remove spec.health");
    }
    if (http != null) {
      port("spec.health.httpGet.port", http.getPort(), problems);
      path(http.getPath(), problems);
    }
    if (tcp != null) {
      port("spec.health.tcpSocket.port", tcp.getPort(), problems);
    }
    Integer period = health.getPeriodMillis();
    if (period != null && period < MIN_PERIOD_MILLIS) {
      problems.add(
          Rule.HEALTH_PERIOD_TOO_SHORT,
          "spec.health.periodMillis",
          "is " + period + "; use at least " + MIN_PERIOD_MILLIS + " (milliseconds)");
    }
    Integer failures = health.getFailureThreshold();
    if (failures != null && failures < 1) {
      problems.add(
          Rule.HEALTH_FAILURE_THRESHOLD,
          "spec.health.failureThreshold",
          "is " + failures + "; use at least 1");
    }
  }

  /** Adds a problem unless {@code port} is set and within 1..65535. */
  static void port(String field, Integer port, Problems problems) {
    if (port == null) {
      problems.add(Rule.PORT_MISSING, field, "is missing; give a port from 1 to 65535");
    } else if (port < 1 || port > 65535) {
      problems.add(Rule.PORT_RANGE, field, "is " + port + "; use a port from 1 to 65535");
    }
  }

  private static void path(String path, Problems problems) {
    if (path != null && !path.startsWith("/")) {
      problems.add(
          Rule.HEALTH_PATH_RELATIVE,
          "spec.health.httpGet.path",
          quote(path) + " does not start with '/'; use " + quote("/" + path.strip()));
    }
  }
}
