package dev.halo.agent;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/** The agent's Prometheus metrics. */
final class AgentMetrics {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Counter keepAliveFailures;
  private final Counter keepAlivesSent;

  AgentMetrics(RoleState roleState, String member) {
    registry.config().commonTags("member", member);
    Gauge.builder("halo.agent.is.master", roleState, s -> s.role() == Role.MASTER ? 1 : 0)
        .description("1 while this agent reports master")
        .register(registry);
    Gauge.builder("halo.agent.lease.time.left", roleState, s -> Math.max(0, s.nanosLeft()) / 1e9)
        .description("seconds left before the agent's local leadership deadline")
        .baseUnit("seconds")
        .register(registry);
    keepAliveFailures =
        Counter.builder("halo.agent.keepalive.failures")
            .description("lease renewals that failed or timed out")
            .register(registry);
    keepAlivesSent =
        Counter.builder("halo.agent.keepalives")
            .description("lease renewals sent (a master's cadence is faster than a standby's)")
            .register(registry);
  }

  void transition(RoleState.Transition t) {
    Counter.builder("halo.agent.transitions")
        .description("role changes by reason")
        .tag("to", t.to().wire())
        .tag("reason", t.reason())
        .register(registry)
        .increment();
  }

  void keepAliveSent() {
    keepAlivesSent.increment();
  }

  void keepAliveFailed() {
    keepAliveFailures.increment();
  }

  String scrape() {
    return registry.scrape();
  }
}
