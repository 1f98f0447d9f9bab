package dev.halo.operator.model;

import dev.halo.api.v1alpha1.HighAvailabilityGroupSpec;
import dev.halo.common.AgentDefaults;
import java.time.Duration;
import java.util.Optional;

/**
 * Whether a multi-site group's lease TTL lets a healthy master keep its lease through an etcd
 * leader election: a renewal that falls into one waits up to two election timeouts and two round
 * trips, and the agent demotes itself when TTL − its deadline margin has passed without one. So TTL
 * − margin must exceed 2 × election timeout + 2 × RTT (docs/multi-site.md#etcd-over-a-wan).
 *
 * @param ttl the lease TTL
 * @param electionTimeout etcd's {@code --election-timeout}
 * @param rtt the round-trip time between the sites' etcd members
 */
public record SiteTiming(Duration ttl, Duration electionTimeout, Duration rtt) {
  /** etcd's default {@code --election-timeout}. */
  public static final int DEFAULT_ELECTION_TIMEOUT_MILLIS = 1000;

  public static final int DEFAULT_RTT_MILLIS = 0;

  /** The timing of a group with {@code spec.site}; empty for a group of one cluster. */
  public static Optional<SiteTiming> of(HighAvailabilityGroupSpec spec) {
    return GroupElection.site(spec)
        .map(
            site ->
                new SiteTiming(
                    Duration.ofSeconds(ttlSeconds(spec)),
                    Duration.ofMillis(
                        orDefault(
                            site.getEtcdElectionTimeoutMillis(), DEFAULT_ELECTION_TIMEOUT_MILLIS)),
                    Duration.ofMillis(orDefault(site.getRttMillis(), DEFAULT_RTT_MILLIS))));
  }

  /** How long a renewal may be held up before the agent demotes itself: TTL − margin. */
  public Duration untilDeadline() {
    return ttl.minus(AgentDefaults.deadlineMargin(ttl));
  }

  /** The longest an etcd leader election may hold up a renewal: 2 × timeout + 2 × RTT. */
  public Duration etcdElection() {
    return electionTimeout.plus(rtt).multipliedBy(2);
  }

  public boolean safe() {
    return untilDeadline().compareTo(etcdElection()) > 0;
  }

  /** The smallest TTL in whole seconds that is safe, empty when none up to the maximum is. */
  public Optional<Integer> smallestSafeTtlSeconds() {
    for (int s = AgentDefaults.MIN_LEASE_TTL_SECONDS;
        s <= AgentDefaults.MAX_LEASE_TTL_SECONDS;
        s++) {
      if (new SiteTiming(Duration.ofSeconds(s), electionTimeout, rtt).safe()) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  /** What is wrong and what to set, when the TTL is not safe; empty when it is. */
  public Optional<String> warning() {
    if (safe()) {
      return Optional.empty();
    }
    String fix =
        smallestSafeTtlSeconds()
            .map(s -> "set spec.election.leaseTTLSeconds to at least " + s)
            .orElse("lower etcd's --election-timeout: no lease TTL up to 60 s is enough");
    return Optional.of(
        "spec.election.leaseTTLSeconds "
            + ttl.toSeconds()
            + " leaves "
            + millis(untilDeadline())
            + " before the agent's deadline (TTL − max(1 s, TTL/5)), but an etcd leader election"
            + " can hold a renewal for 2 × "
            + electionTimeout.toMillis()
            + " ms + 2 × "
            + rtt.toMillis()
            + " ms RTT = "
            + millis(etcdElection())
            + " (spec.site.etcdElectionTimeoutMillis, spec.site.rttMillis), so a healthy master"
            + " may demote itself during one; "
            + fix);
  }

  private static String millis(Duration d) {
    return d.toMillis() + " ms";
  }

  private static int ttlSeconds(HighAvailabilityGroupSpec spec) {
    Integer ttl = spec.getElection() == null ? null : spec.getElection().getLeaseTTLSeconds();
    return orDefault(ttl, AgentDefaults.LEASE_TTL_SECONDS);
  }

  private static int orDefault(Integer value, int fallback) {
    return value == null ? fallback : value;
  }
}
