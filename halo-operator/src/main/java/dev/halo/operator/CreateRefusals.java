package dev.halo.operator;

import dev.halo.common.Backoff;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Pod creates the API server refused (PodSecurity, a quota, an admission webhook), per group. A
 * refusal is not retried at every reconcile the group's other events bring: the next create waits a
 * capped exponential backoff, and the first create that succeeds clears the refusal.
 */
final class CreateRefusals {
  static final Duration FIRST = Duration.ofSeconds(1);
  static final Duration CAP = Duration.ofMinutes(5);

  /** The API server's last refusal of a group's pod, and when to try again. */
  record Refusal(String pod, int code, String message, long retryAtMillis, long delayMillis) {}

  private final Map<String, Backoff> backoffs = new ConcurrentHashMap<>();
  private final Map<String, Refusal> refusals = new ConcurrentHashMap<>();

  /** The group's standing refusal, if its last create was refused. */
  Optional<Refusal> of(String group) {
    return Optional.ofNullable(refusals.get(group));
  }

  /** Whether a create may be tried now (no refusal, or its backoff has passed). */
  boolean mayCreate(String group, long nowMillis) {
    Refusal r = refusals.get(group);
    return r == null || nowMillis >= r.retryAtMillis();
  }

  /** Records a refusal; returns it with the delay before the next attempt. */
  Refusal refused(String group, String pod, int code, String message, long nowMillis) {
    long delay =
        backoffs.computeIfAbsent(group, g -> Backoff.equalJitter(FIRST, CAP)).nextDelayMillis();
    Refusal r = new Refusal(pod, code, message, nowMillis + delay, delay);
    refusals.put(group, r);
    return r;
  }

  /** A create succeeded (or none is needed): forgets the refusal and its backoff. */
  boolean created(String group) {
    backoffs.remove(group);
    return refusals.remove(group) != null;
  }

  void forget(String group) {
    created(group);
  }
}
