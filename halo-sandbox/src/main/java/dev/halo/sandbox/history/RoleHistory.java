package dev.halo.sandbox.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One role history file as its agents wrote it ({@code HALO_ROLE_HISTORY}): one JSON object per
 * line and role transition, appended by every agent process that ran for the pod, e.g.
 *
 * <pre>{@code
 * {"member":"web-0","lease":"694d8c5e2a1b0f07","from":"standby","to":"master","reason":"elected",
 *  "term":1234,"atNanos":123,"deadlineNanos":456,"wallTime":"2026-12-07T03:04:05.123Z","pid":4242}
 * }</pre>
 *
 * <p>{@link #masterIntervals} turns the lines into the agent's master intervals: from a promotion's
 * {@code atNanos} to {@code min(atNanos, deadlineNanos)} of the demotion that follows it in the
 * same process (the agent answers standby once its deadline passed, even when a paused process
 * writes its demotion later). An interval a process left open (killed -9, it writes nothing more)
 * ends when the harness saw that process end ({@link HistoryFile#processEnds}), else at the end of
 * the run; it is never guessed from the lines.
 */
public final class RoleHistory {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MASTER = "master";
  private static final String STANDBY = "standby";
  private static final List<String> FIELDS =
      List.of(
          "member",
          "lease",
          "from",
          "to",
          "reason",
          "term",
          "atNanos",
          "deadlineNanos",
          "wallTime",
          "pid");

  /** One role transition of one agent process. */
  public record Line(
      String member,
      String lease,
      String from,
      String to,
      String reason,
      long term,
      long atNanos,
      long deadlineNanos,
      String wallTime,
      long pid) {
    boolean promotion() {
      return MASTER.equals(to);
    }

    /** When a demotion's agent stopped answering master: the deadline when that passed first. */
    long masterEnd() {
      return deadlineNanos == Long.MIN_VALUE ? atNanos : Math.min(atNanos, deadlineNanos);
    }
  }

  /** The intervals of one history and what in it does not add up (a lost or out-of-order line). */
  public record Intervals(List<MasterInterval> intervals, List<String> inconsistencies) {}

  private final String source;
  private final List<Line> lines;
  private final List<String> unreadable;
  private final Map<Long, Long> processEnds;

  private RoleHistory(
      String source, List<Line> lines, List<String> unreadable, Map<Long, Long> processEnds) {
    this.source = source;
    this.lines = List.copyOf(lines);
    this.unreadable = List.copyOf(unreadable);
    this.processEnds = Map.copyOf(processEnds);
  }

  /** Reads a pod's history file; a file no agent wrote yet is an empty history. */
  public static RoleHistory read(HistoryFile file) {
    String text;
    try {
      text = Files.readString(file.path());
    } catch (NoSuchFileException e) {
      text = "";
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the role history " + file.path(), e);
    }
    return parse(file.path().getFileName().toString(), text, file.processEnds());
  }

  /**
   * Parses history lines; {@code processEnds} gives, by pid, when the harness saw each process end.
   */
  public static RoleHistory parse(String source, String text, Map<Long, Long> processEnds) {
    List<Line> lines = new ArrayList<>();
    List<String> unreadable = new ArrayList<>();
    List<String> raw = text.lines().toList();
    for (int i = 0; i < raw.size(); i++) {
      String line = raw.get(i).strip();
      if (line.isEmpty()) {
        continue;
      }
      try {
        lines.add(line(JSON.readTree(line)));
      } catch (IOException | IllegalArgumentException e) {
        unreadable.add(source + " line " + (i + 1) + ": " + e.getMessage() + ": " + line);
      }
    }
    return new RoleHistory(source, lines, unreadable, processEnds);
  }

  private static Line line(JsonNode n) {
    if (!n.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    for (String field : FIELDS) {
      if (!n.hasNonNull(field)) {
        throw new IllegalArgumentException("no field \"" + field + "\"");
      }
    }
    String from = n.get("from").asText();
    String to = n.get("to").asText();
    if (!List.of(MASTER, STANDBY).contains(from) || !List.of(MASTER, STANDBY).contains(to)) {
      throw new IllegalArgumentException("a role is neither master nor standby");
    }
    for (String number : List.of("term", "atNanos", "deadlineNanos", "pid")) {
      if (!n.get(number).canConvertToLong()) {
        throw new IllegalArgumentException("\"" + number + "\" is not a whole number");
      }
    }
    return new Line(
        n.get("member").asText(),
        n.get("lease").asText(),
        from,
        to,
        n.get("reason").asText(),
        n.get("term").asLong(),
        n.get("atNanos").asLong(),
        n.get("deadlineNanos").asLong(),
        n.get("wallTime").asText(),
        n.get("pid").asLong());
  }

  public String source() {
    return source;
  }

  public List<Line> lines() {
    return lines;
  }

  /** The lines that could not be read, each with its line number: evidence that was lost. */
  public List<String> unreadable() {
    return unreadable;
  }

  /**
   * The master intervals of every process in the file. An interval still open when its process's
   * lines end is closed by the time the harness saw that process end, or else by {@code
   * endOfRunNanos} (the process may still run).
   */
  public Intervals masterIntervals(long endOfRunNanos) {
    List<MasterInterval> intervals = new ArrayList<>();
    List<String> inconsistent = new ArrayList<>();
    Line open = null;
    Line previous = null;
    for (Line line : lines) {
      if (previous != null && previous.pid() != line.pid()) {
        if (open != null) {
          intervals.add(closedByProcessEnd(open, endOfRunNanos));
          open = null;
        }
        previous = null;
      }
      if (previous != null && line.atNanos() < previous.atNanos()) {
        inconsistent.add(where(line) + ": its time is before the line above it");
      }
      if (line.promotion()) {
        if (open != null || !STANDBY.equals(line.from())) {
          inconsistent.add(where(line) + ": a promotion while already master");
          if (open != null) {
            intervals.add(interval(open, line.atNanos(), "promoted again without a demotion"));
          }
        }
        if (line.term() <= 0) {
          inconsistent.add(where(line) + ": a promotion without a term");
        }
        open = line;
      } else if (MASTER.equals(line.from())) {
        if (open == null) {
          inconsistent.add(where(line) + ": a demotion without the promotion before it");
        } else {
          if (line.term() != open.term()) {
            inconsistent.add(
                where(line)
                    + ": the demotion names term "
                    + line.term()
                    + " but the promotion term "
                    + open.term());
          }
          intervals.add(interval(open, line.masterEnd(), ended(line)));
          open = null;
        }
      }
      previous = line;
    }
    if (open != null) {
      intervals.add(closedByProcessEnd(open, endOfRunNanos));
    }
    return new Intervals(intervals, inconsistent);
  }

  private MasterInterval closedByProcessEnd(Line open, long endOfRunNanos) {
    Long end = processEnds.get(open.pid());
    return end != null
        ? interval(open, end, "no demotion written; process " + open.pid() + " ended")
        : interval(open, endOfRunNanos, "still master at the end of the run");
  }

  private static String ended(Line demotion) {
    return demotion.masterEnd() < demotion.atNanos()
        ? "deadline passed "
            + (demotion.atNanos() - demotion.masterEnd()) / 1_000_000
            + " ms before the demotion ("
            + demotion.reason()
            + ") was written"
        : "demoted (" + demotion.reason() + ")";
  }

  private MasterInterval interval(Line promotion, long end, String ended) {
    return new MasterInterval(
        source,
        promotion.member(),
        promotion.lease(),
        promotion.pid(),
        promotion.term(),
        promotion.atNanos(),
        Math.max(promotion.atNanos(), end),
        promotion.wallTime(),
        ended);
  }

  private String where(Line line) {
    return source + " (" + line.member() + ", pid " + line.pid() + ", " + line.wallTime() + ")";
  }
}
