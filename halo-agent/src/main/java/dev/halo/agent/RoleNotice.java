package dev.halo.agent;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * What the agent tells its workload in {@code <role file>.json} and the webhook: the role, the
 * fencing {@code term} (the create revision of the master's candidate key, which only grows from
 * one master to the next) and, while master, {@code validUntil}, the agent's deadline as wall-clock
 * time. For a standby the term is the current leader's as last seen (0 when none).
 */
record RoleNotice(
    Role role, long term, Optional<Instant> validUntil, String member, String leader) {
  /**
   * The deadline {@code nanosLeft} from now as wall-clock time, truncated to the millisecond (never
   * later than the deadline); empty when the deadline passed or is unset.
   */
  static Optional<Instant> validUntil(long nanosLeft, Instant now) {
    if (nanosLeft <= 0) {
      return Optional.empty();
    }
    return Optional.of(now.plusNanos(nanosLeft).truncatedTo(ChronoUnit.MILLIS));
  }

  /** {@code instant} as RFC 3339 UTC with millisecond precision, e.g. 2026-12-07T03:04:05.120Z. */
  static String format(Instant instant) {
    return UtcMillis.format(instant);
  }

  /** The form of {@code <role file>.json}: role, term, validUntil, member, leader. */
  String json() {
    return fields().append('}').toString();
  }

  /** The webhook's form: the file's fields plus {@code revision}, a deprecated alias of term. */
  String webhookJson() {
    return fields().append(",\"revision\":").append(term).append('}').toString();
  }

  private StringBuilder fields() {
    return new StringBuilder(160)
        .append("{\"role\":")
        .append(Json.quote(role.wire()))
        .append(",\"term\":")
        .append(term)
        .append(",\"validUntil\":")
        .append(validUntil.map(t -> Json.quote(format(t))).orElse("null"))
        .append(",\"member\":")
        .append(Json.quote(member))
        .append(",\"leader\":")
        .append(Json.quote(leader));
  }
}
