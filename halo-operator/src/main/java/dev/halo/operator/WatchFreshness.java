package dev.halo.operator;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * Whether the operator's watches still deliver. Every object the operator writes (a pod created or
 * labelled, a group's status) must come back through its informer; a write whose resource version
 * the informer has not delivered within {@code staleAfter} means that watch stalled: its connection
 * hangs, or the client gave it up without starting another, and the cache no longer changes. {@code
 * /healthz} then answers 503 and the liveness probe restarts the operator, whose new informers list
 * afresh.
 *
 * <p>An object comes back either as an informer event ({@link #delivered}) or, for a kind given a
 * {@linkplain #lookUp lookup} of its cache, when the cache holds that version or a later one, or no
 * longer holds the object (deleted). Resource versions are compared as numbers when both are (as
 * every API server backed by etcd gives them), else for equality. A watch that delivers nothing
 * because nothing changed is not stale; only a write of the operator's own that does not come back
 * is evidence.
 */
final class WatchFreshness {
  static final String POD = "Pod";
  static final String GROUP = "HighAvailabilityGroup";

  private record Key(String kind, String object) {}

  private record Unseen(String resourceVersion, long sinceNanos) {}

  /** The oldest write that has not come back: which object, its version, and how long. */
  record Stall(String kind, String object, String resourceVersion, Duration unseenFor) {}

  private final long staleAfterNanos;
  private final LongSupplier nanos;
  // Per object: the latest version its informer delivered, and the writes pending.
  private final Map<Key, String> delivered = new HashMap<>();
  private final Map<Key, Unseen> unseen = new HashMap<>();
  // Per kind: the cached version of an object ("namespace/name"), empty when the cache lacks it.
  private final Map<String, Function<String, Optional<String>>> lookups = new HashMap<>();

  WatchFreshness(Duration staleAfter, LongSupplier nanos) {
    if (staleAfter.isNegative() || staleAfter.isZero()) {
      throw new IllegalArgumentException("staleAfter must be positive: " + staleAfter);
    }
    this.staleAfterNanos = staleAfter.toNanos();
    this.nanos = nanos;
  }

  /** Gives {@code kind} a lookup of its informer's cache: an object's version, or empty. */
  synchronized void lookUp(String kind, Function<String, Optional<String>> cachedVersion) {
    lookups.put(kind, cachedVersion);
  }

  /** The API server answered a write of {@code object} with {@code resourceVersion}. */
  synchronized void wrote(String kind, String object, String resourceVersion) {
    if (resourceVersion == null) {
      return;
    }
    Key key = new Key(kind, object);
    String seen = delivered.get(key);
    if (seen != null && atLeast(seen, resourceVersion)) {
      return; // the watch was faster than the write's answer
    }
    Unseen pending = unseen.get(key);
    // Keep the time of the earliest write still unseen, and the latest version to wait for.
    unseen.put(
        key,
        new Unseen(resourceVersion, pending == null ? nanos.getAsLong() : pending.sinceNanos()));
  }

  /** The informer delivered {@code object} at {@code resourceVersion}, or its deletion. */
  synchronized void delivered(String kind, String object, String resourceVersion, boolean deleted) {
    Key key = new Key(kind, object);
    if (deleted) {
      delivered.remove(key);
      unseen.remove(key);
      return;
    }
    if (resourceVersion == null) {
      return;
    }
    delivered.put(key, resourceVersion);
    Unseen pending = unseen.get(key);
    if (pending != null && atLeast(resourceVersion, pending.resourceVersion())) {
      unseen.remove(key);
    }
  }

  /** The oldest write unseen for longer than {@code staleAfter}, if any. */
  synchronized Optional<Stall> stall() {
    return oldest().filter(s -> s.unseenFor().toNanos() > staleAfterNanos);
  }

  /** How long the oldest unseen write has waited; zero when none waits. */
  synchronized Duration oldestUnseen() {
    return oldest().map(Stall::unseenFor).orElse(Duration.ZERO);
  }

  private Optional<Stall> oldest() {
    unseen
        .entrySet()
        .removeIf(
            e -> {
              Function<String, Optional<String>> lookup = lookups.get(e.getKey().kind());
              if (lookup == null) {
                return false;
              }
              Optional<String> cached = lookup.apply(e.getKey().object());
              return cached.isEmpty() || atLeast(cached.get(), e.getValue().resourceVersion());
            });
    long now = nanos.getAsLong();
    return unseen.entrySet().stream()
        .min(Map.Entry.comparingByValue((a, b) -> Long.compare(a.sinceNanos(), b.sinceNanos())))
        .map(
            e ->
                new Stall(
                    e.getKey().kind(),
                    e.getKey().object(),
                    e.getValue().resourceVersion(),
                    Duration.ofNanos(now - e.getValue().sinceNanos())));
  }

  // Whether version a is b or later.
  static boolean atLeast(String a, String b) {
    try {
      return Long.parseLong(a) >= Long.parseLong(b);
    } catch (NumberFormatException e) {
      return a.equals(b);
    }
  }
}
