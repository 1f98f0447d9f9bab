package dev.halo.kubectl;

import dev.halo.common.Annotations;
import java.io.PrintStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code kubectl halo switchover GROUP [--to MEMBER] [--wait]}: writes {@code
 * halo.dev/switchover=<master>} (or {@code halo.dev/switchover-to=<member>}) and, with {@code
 * --wait}, follows the group until the master changed or the operator refused the request.
 */
final class Switchover {
  /** The Events in which the operator answers a switchover request with a refusal. */
  static final List<String> REFUSALS = List.of("SwitchoverRefused", "SwitchoverIgnored");

  /** Blocked requests stay; the operator acts once it can. */
  static final String BLOCKED = "SwitchoverBlocked";

  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration SETTLE = Duration.ofSeconds(3);

  /** What a look at the group says about the request. */
  record Outcome(State state, String message) {}

  enum State {
    PENDING,
    DONE,
    REFUSED
  }

  private final Groups groups;
  private final PrintStream out;

  Switchover(Groups groups, PrintStream out) {
    this.groups = groups;
    this.out = out;
  }

  void run(String group, String to, boolean wait, Duration timeout) {
    Object hag = groups.get(group);
    String master = Tree.string(hag, "status", "master");
    if (master == null) {
      throw new Failure(
          Failure.REFUSED,
          "group "
              + group
              + " has no master to switch over from (phase "
              + Tables.dash(Tree.string(hag, "status", "phase"))
              + "); kubectl halo explain "
              + group
              + " says why");
    }
    String annotation = to == null ? Annotations.SWITCHOVER : Annotations.SWITCHOVER_TO;
    String value = to == null ? master : to;
    if (to != null) {
      if (to.equals(master)) {
        out.println(to + " is master already; nothing to do");
        return;
      }
      List<String> members =
          Tree.list(hag, "status", "members").stream().map(m -> Tree.string(m, "pod")).toList();
      if (!to.contains("/") && !members.contains(to)) {
        throw new Failure(
            Failure.REFUSED,
            to
                + " is no member of group "
                + group
                + "; its members are "
                + String.join(", ", members));
      }
    }
    Map<String, String> before = snapshot(groups.events(group));
    groups.patch(
        group,
        "{\"metadata\":{\"annotations\":{"
            + Json.quote(annotation)
            + ":"
            + Json.quote(value)
            + "}}}",
        "annotate highavailabilitygroup " + group);
    out.println(
        "asked for a switchover of "
            + group
            + (to == null ? " away from " + master : " from " + master + " to " + to)
            + " ("
            + annotation
            + "="
            + value
            + ")");
    if (wait) {
      await(group, master, to, annotation, before, timeout);
    }
  }

  private void await(
      String group,
      String master,
      String to,
      String annotation,
      Map<String, String> before,
      Duration timeout) {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    String blocked = null;
    long removedAt = 0;
    while (true) {
      Object hag = groups.get(group);
      List<?> fresh = fresh(groups.events(group), before);
      if (removedAt == 0 && !pending(hag, annotation)) {
        removedAt = System.nanoTime();
      }
      boolean settled = removedAt != 0 && System.nanoTime() - removedAt > SETTLE.toNanos();
      Outcome o = judge(hag, master, to, annotation, fresh, settled);
      long ms = (System.nanoTime() - start) / 1_000_000;
      if (o.state() == State.DONE) {
        out.println(o.message() + " after " + ms + " ms");
        return;
      }
      if (o.state() == State.REFUSED) {
        throw new Failure(Failure.REFUSED, o.message());
      }
      blocked = latest(fresh, List.of(BLOCKED)).orElse(blocked);
      if (System.nanoTime() > deadline) {
        throw new Failure(
            Failure.TIMEOUT,
            "the master of "
                + group
                + " is still "
                + master
                + " after "
                + timeout.toSeconds()
                + " s"
                + (blocked == null ? "" : ": " + blocked)
                + "; the request stays until the operator acts on it or you remove it (kubectl"
                + " annotate hag "
                + group
                + " "
                + annotation
                + "-)");
      }
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new Failure(Failure.TIMEOUT, "interrupted while waiting for the switchover");
      }
    }
  }

  /**
   * Done when the master changed (to {@code to} when it names one); refused when the operator said
   * so in an Event, or removed the annotation with the master unchanged and {@code settled}: that
   * long after the removal (the status that names the new master may come a moment after it).
   */
  static Outcome judge(
      Object hag, String master, String to, String annotation, List<?> fresh, boolean settled) {
    String now = Tree.string(hag, "status", "master");
    if (now != null && !now.equals(master) && (to == null || to.equals(now))) {
      return new Outcome(State.DONE, now + " is master (was " + master + ")");
    }
    Optional<String> refusal = latest(fresh, REFUSALS);
    if (refusal.isPresent()) {
      return new Outcome(State.REFUSED, "the operator refused the switchover: " + refusal.get());
    }
    if (settled && !pending(hag, annotation)) {
      return new Outcome(
          State.REFUSED,
          "the operator removed "
              + annotation
              + " and the master is "
              + Tables.dash(now)
              + " (was "
              + master
              + "); kubectl events --for hag/"
              + Tree.string(hag, "metadata", "name")
              + " says why");
    }
    return new Outcome(State.PENDING, "");
  }

  static boolean pending(Object hag, String annotation) {
    return Tree.map(hag, "metadata", "annotations").containsKey(annotation);
  }

  /** The newest of {@code fresh} whose reason is one of {@code reasons}: its message. */
  static Optional<String> latest(List<?> fresh, List<String> reasons) {
    String best = null;
    String bestTime = "";
    for (Object e : fresh) {
      if (reasons.contains(Tree.string(e, "reason"))) {
        String t = time(e);
        if (best == null || t.compareTo(bestTime) >= 0) {
          best = Tree.string(e, "message");
          bestTime = t;
        }
      }
    }
    return Optional.ofNullable(best);
  }

  /** Each Event's identity and how often it happened, to tell new ones from old ones. */
  static Map<String, String> snapshot(List<?> events) {
    Map<String, String> m = new HashMap<>();
    for (Object e : events) {
      m.put(Tree.string(e, "metadata", "name"), version(e));
    }
    return m;
  }

  /** The Events that are new or happened again since {@code before}. */
  static List<?> fresh(List<?> events, Map<String, String> before) {
    return events.stream()
        .filter(e -> !version(e).equals(before.get(Tree.string(e, "metadata", "name"))))
        .toList();
  }

  private static String version(Object e) {
    return Tables.dash(Tree.at(e, "count")) + "/" + time(e);
  }

  static String time(Object e) {
    for (String field : new String[] {"lastTimestamp", "eventTime", "firstTimestamp"}) {
      String t = Tree.string(e, field);
      if (t != null) {
        return t;
      }
    }
    String series = Tree.string(e, "series", "lastObservedTime");
    return series != null ? series : Tables.dash(Tree.string(e, "metadata", "creationTimestamp"));
  }
}
