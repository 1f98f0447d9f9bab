package dev.halo.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * {@code /metrics} is written by hand as the agent's Micrometer registry wrote it: the golden
 * strings are that registry's output (Micrometer 1.17, Prometheus client 1.7) for the same steps.
 */
class AgentMetricsTest {
  private static final String STANDBY =
      "# HELP halo_agent_is_master 1 while this agent reports master\n"
          + "# TYPE halo_agent_is_master gauge\n"
          + "halo_agent_is_master{member=\"web-1\"} 0.0\n"
          + "# HELP halo_agent_keepalive_failures_total lease renewals that failed or timed out\n"
          + "# TYPE halo_agent_keepalive_failures_total counter\n"
          + "halo_agent_keepalive_failures_total{member=\"web-1\"} 0.0\n"
          + "# HELP halo_agent_keepalives_total lease renewals sent (a master's cadence is faster than a standby's)\n"
          + "# TYPE halo_agent_keepalives_total counter\n"
          + "halo_agent_keepalives_total{member=\"web-1\"} 3.0\n"
          + "# HELP halo_agent_lease_time_left_seconds seconds left before the agent's local leadership deadline\n"
          + "# TYPE halo_agent_lease_time_left_seconds gauge\n"
          + "halo_agent_lease_time_left_seconds{member=\"web-1\"} 3.5\n";

  private static final String MASTER =
      "# HELP halo_agent_is_master 1 while this agent reports master\n"
          + "# TYPE halo_agent_is_master gauge\n"
          + "halo_agent_is_master{member=\"we\\\"ird\\\\0\\nx\"} 1.0\n"
          + "# HELP halo_agent_keepalive_failures_total lease renewals that failed or timed out\n"
          + "# TYPE halo_agent_keepalive_failures_total counter\n"
          + "halo_agent_keepalive_failures_total{member=\"we\\\"ird\\\\0\\nx\"} 2.0\n"
          + "# HELP halo_agent_keepalives_total lease renewals sent (a master's cadence is faster than a standby's)\n"
          + "# TYPE halo_agent_keepalives_total counter\n"
          + "halo_agent_keepalives_total{member=\"we\\\"ird\\\\0\\nx\"} 11.0\n"
          + "# HELP halo_agent_lease_time_left_seconds seconds left before the agent's local leadership deadline\n"
          + "# TYPE halo_agent_lease_time_left_seconds gauge\n"
          + "halo_agent_lease_time_left_seconds{member=\"we\\\"ird\\\\0\\nx\"} 1.234567891\n"
          + "# HELP halo_agent_transitions_total role changes by reason\n"
          + "# TYPE halo_agent_transitions_total counter\n"
          + "halo_agent_transitions_total{member=\"we\\\"ird\\\\0\\nx\",reason=\"elected\",to=\"master\"} 2.0\n"
          + "halo_agent_transitions_total{member=\"we\\\"ird\\\\0\\nx\",reason=\"lease-lost\",to=\"standby\"} 1.0\n";

  private static final String DEMOTED =
      "# HELP halo_agent_is_master 1 while this agent reports master\n"
          + "# TYPE halo_agent_is_master gauge\n"
          + "halo_agent_is_master{member=\"we\\\"ird\\\\0\\nx\"} 0.0\n"
          + "# HELP halo_agent_keepalive_failures_total lease renewals that failed or timed out\n"
          + "# TYPE halo_agent_keepalive_failures_total counter\n"
          + "halo_agent_keepalive_failures_total{member=\"we\\\"ird\\\\0\\nx\"} 2.0\n"
          + "# HELP halo_agent_keepalives_total lease renewals sent (a master's cadence is faster than a standby's)\n"
          + "# TYPE halo_agent_keepalives_total counter\n"
          + "halo_agent_keepalives_total{member=\"we\\\"ird\\\\0\\nx\"} 11.0\n"
          + "# HELP halo_agent_lease_time_left_seconds seconds left before the agent's local leadership deadline\n"
          + "# TYPE halo_agent_lease_time_left_seconds gauge\n"
          + "halo_agent_lease_time_left_seconds{member=\"we\\\"ird\\\\0\\nx\"} 0.0\n"
          + "# HELP halo_agent_transitions_total role changes by reason\n"
          + "# TYPE halo_agent_transitions_total counter\n"
          + "halo_agent_transitions_total{member=\"we\\\"ird\\\\0\\nx\",reason=\"deadline-passed\",to=\"standby\"} 1.0\n"
          + "halo_agent_transitions_total{member=\"we\\\"ird\\\\0\\nx\",reason=\"elected\",to=\"master\"} 2.0\n"
          + "halo_agent_transitions_total{member=\"we\\\"ird\\\\0\\nx\",reason=\"lease-lost\",to=\"standby\"} 1.0\n";

  private final AtomicLong now = new AtomicLong(1_000);
  private final RoleState roleState = new RoleState(now::get);

  private AgentMetrics metrics(String member) {
    AgentMetrics metrics = new AgentMetrics(roleState, member);
    roleState.onTransition(metrics::transition);
    return metrics;
  }

  @Test
  void aStandbyShowsItsRenewalsAndNoTransitionsYet() {
    AgentMetrics metrics = metrics("web-1");
    roleState.extendDeadline(now.get() + millis(3500));
    for (int i = 0; i < 3; i++) {
      metrics.keepAliveSent();
    }

    assertThat(metrics.scrape()).isEqualTo(STANDBY);
  }

  @Test
  void transitionsAreCountedByReasonAndRoleInLabelOrder() {
    AgentMetrics metrics = metrics("we\"ird\\0\nx");
    roleState.extendDeadline(now.get() + millis(4000));
    roleState.promote(roleState.epoch(), "elected", "x", 7);
    roleState.invalidateLease("lease-lost");
    roleState.extendDeadline(now.get() + millis(4000));
    roleState.promote(roleState.epoch(), "elected", "x", 9);
    now.addAndGet(millis(4000) - 1_234_567_891L);
    for (int i = 0; i < 11; i++) {
      metrics.keepAliveSent();
    }
    metrics.keepAliveFailed();
    metrics.keepAliveFailed();

    assertThat(metrics.scrape()).isEqualTo(MASTER);

    now.addAndGet(millis(2000));
    roleState.role(); // the first to read the passed deadline demotes

    assertThat(metrics.scrape()).isEqualTo(DEMOTED);
  }

  private static long millis(long ms) {
    return TimeUnit.MILLISECONDS.toNanos(ms);
  }
}
