package dev.halo.agent;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The agent's Prometheus metrics, written in the text exposition format (version 0.0.4) by hand:
 * five series do not need a metrics library (Micrometer and the Prometheus client loaded about 190
 * classes into every agent). Names, types, help texts, labels and number format are those the
 * agent's Micrometer registry wrote: families by name, labels by name, values as Java doubles.
 */
final class AgentMetrics {
  private static final String IS_MASTER = "halo_agent_is_master";
  private static final String KEEPALIVE_FAILURES = "halo_agent_keepalive_failures_total";
  private static final String KEEPALIVES = "halo_agent_keepalives_total";
  private static final String LEASE_TIME_LEFT = "halo_agent_lease_time_left_seconds";
  private static final String TRANSITIONS = "halo_agent_transitions_total";

  /** The labels of one transitions series, in label-name order. */
  private record TransitionLabels(String reason, String to)
      implements Comparable<TransitionLabels> {
    @Override
    public int compareTo(TransitionLabels o) {
      int byReason = reason.compareTo(o.reason);
      return byReason != 0 ? byReason : to.compareTo(o.to);
    }
  }

  private final RoleState roleState;
  private final String memberLabel;
  private final LongAdder keepAliveFailures = new LongAdder();
  private final LongAdder keepAlivesSent = new LongAdder();
  private final Map<TransitionLabels, LongAdder> transitions = new ConcurrentSkipListMap<>();

  AgentMetrics(RoleState roleState, String member) {
    this.roleState = roleState;
    this.memberLabel = "member=\"" + escapeLabel(member) + "\"";
  }

  void transition(RoleState.Transition t) {
    transitions
        .computeIfAbsent(new TransitionLabels(t.reason(), t.to().wire()), k -> new LongAdder())
        .increment();
  }

  void keepAliveSent() {
    keepAlivesSent.increment();
  }

  void keepAliveFailed() {
    keepAliveFailures.increment();
  }

  /** Every series now, as {@code GET /metrics} serves them. */
  String scrape() {
    StringBuilder out = new StringBuilder(1536);
    family(out, IS_MASTER, "gauge", "1 while this agent reports master");
    sample(out, IS_MASTER, "", roleState.role() == Role.MASTER ? 1 : 0);
    family(out, KEEPALIVE_FAILURES, "counter", "lease renewals that failed or timed out");
    sample(out, KEEPALIVE_FAILURES, "", keepAliveFailures.sum());
    family(
        out,
        KEEPALIVES,
        "counter",
        "lease renewals sent (a master's cadence is faster than a standby's)");
    sample(out, KEEPALIVES, "", keepAlivesSent.sum());
    family(
        out, LEASE_TIME_LEFT, "gauge", "seconds left before the agent's local leadership deadline");
    sample(out, LEASE_TIME_LEFT, "", Math.max(0, roleState.nanosLeft()) / 1e9);
    // Like the registry before: the family appears with its first transition.
    if (!transitions.isEmpty()) {
      family(out, TRANSITIONS, "counter", "role changes by reason");
      transitions.forEach(
          (labels, count) ->
              sample(
                  out,
                  TRANSITIONS,
                  ",reason=\""
                      + escapeLabel(labels.reason())
                      + "\",to=\""
                      + escapeLabel(labels.to())
                      + "\"",
                  count.sum()));
    }
    return out.toString();
  }

  private static void family(StringBuilder out, String name, String type, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private void sample(StringBuilder out, String name, String moreLabels, double value) {
    out.append(name).append('{').append(memberLabel).append(moreLabels).append("} ");
    out.append(value).append('\n');
  }

  /** A label value as the format wants it: backslash, double quote and newline escaped. */
  private static String escapeLabel(String value) {
    StringBuilder out = new StringBuilder(value.length() + 8);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '"' -> out.append("\\\"");
        case '\n' -> out.append("\\n");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
