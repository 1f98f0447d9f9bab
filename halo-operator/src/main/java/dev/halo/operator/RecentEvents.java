package dev.halo.operator;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which Events were recorded on which group lately, so that the same reason and message is recorded
 * once per window. Indexed by group and reason: a reconcile forgets a dozen reasons of its group
 * whether or not any was recorded, and that must not cost more as the operator carries more groups.
 * A group's entries older than the window are dropped when it records again.
 */
final class RecentEvents {
  private final Duration window;
  // Group (its uid) → reason → message → when it was last recorded.
  private final Map<String, Map<String, Map<String, Instant>>> byGroup = new ConcurrentHashMap<>();

  RecentEvents(Duration window) {
    this.window = window;
  }

  /**
   * Whether an Event with {@code reason} and {@code message} is due on {@code group} at {@code
   * now}: it was not recorded within the window. A due one counts as recorded now.
   */
  boolean due(String group, String reason, String message, Instant now) {
    Map<String, Map<String, Instant>> reasons =
        byGroup.computeIfAbsent(group, g -> new ConcurrentHashMap<>());
    reasons.values().forEach(messages -> messages.values().removeIf(at -> expired(at, now)));
    reasons.values().removeIf(Map::isEmpty);
    Map<String, Instant> messages = reasons.computeIfAbsent(reason, r -> new ConcurrentHashMap<>());
    Instant last = messages.get(message);
    if (last != null && !expired(last, now)) {
      return false;
    }
    messages.put(message, now);
    return true;
  }

  /** Forgets what was recorded on {@code group} for {@code reason}: the next one is due. */
  void forget(String group, String reason) {
    Map<String, Map<String, Instant>> reasons = byGroup.get(group);
    if (reasons != null) {
      reasons.remove(reason);
    }
  }

  /** Forgets everything recorded on {@code group} (it was deleted). */
  void forget(String group) {
    byGroup.remove(group);
  }

  private boolean expired(Instant at, Instant now) {
    return !at.plus(window).isAfter(now);
  }
}
