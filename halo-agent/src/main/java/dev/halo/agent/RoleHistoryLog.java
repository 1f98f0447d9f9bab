package dev.halo.agent;

import dev.halo.common.Failures;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends one JSON line per role transition to a local file ({@code HALO_ROLE_HISTORY}) that a test
 * harness collects, so a checker can prove from monotonic timestamps that no two master intervals
 * overlap. Written as {@link RoleState}'s journal, inside its lock: a promotion's line reaches the
 * operating system before the agent answers master, so even a process killed -9 leaves no master
 * interval unrecorded (its open interval is closed by the harness with the kill time). The file is
 * never truncated: a restarted agent appends. A failed write logs one warning and never touches the
 * election.
 */
final class RoleHistoryLog implements Consumer<RoleState.Transition>, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RoleHistoryLog.class);

  private final Path file;
  private final String member;
  private final LongSupplier leaseId;
  private final AgentClock clock;
  private final long pid = ProcessHandle.current().pid();
  private OutputStream out;
  private boolean warned;
  // What the master interval being recorded started with: its demotion line carries both.
  private long term;
  private String lease = "";

  /**
   * Opens (creating if missing) {@code file} for appending; {@code leaseId} is read at each
   * promotion (the lease of the key that won).
   */
  RoleHistoryLog(Path file, String member, LongSupplier leaseId, AgentClock clock) {
    this.file = file;
    this.member = member;
    this.leaseId = leaseId;
    this.clock = clock;
    open();
  }

  @Override
  public synchronized void accept(RoleState.Transition t) {
    if (t.to() == Role.MASTER) {
      term = t.revision();
      long id = leaseId.getAsLong();
      lease = id == 0 ? "" : Long.toHexString(id);
    }
    String line = line(t, term, lease);
    if (t.to() == Role.STANDBY) {
      term = 0;
      lease = "";
    }
    write(line);
  }

  private String line(RoleState.Transition t, long term, String lease) {
    return "{\"member\":"
        + Json.quote(member)
        + ",\"lease\":"
        + Json.quote(lease)
        + ",\"from\":"
        + Json.quote(t.from().wire())
        + ",\"to\":"
        + Json.quote(t.to().wire())
        + ",\"reason\":"
        + Json.quote(t.reason())
        + ",\"term\":"
        + term
        + ",\"atNanos\":"
        + t.atNanos()
        + ",\"deadlineNanos\":"
        + t.deadlineNanos()
        + ",\"wallTime\":"
        + Json.quote(UtcMillis.format(clock.wallTime()))
        + ",\"pid\":"
        + pid
        + "}\n";
  }

  private void write(String line) {
    try {
      if (out == null && !open()) {
        return;
      }
      // Unbuffered: each write is one system call, in the kernel's page cache before it returns,
      // so it survives the process being killed right after.
      out.write(line.getBytes(StandardCharsets.UTF_8));
      out.flush();
    } catch (IOException | RuntimeException e) {
      warnOnce(e);
    }
  }

  private boolean open() {
    try {
      out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      return true;
    } catch (IOException | RuntimeException e) {
      warnOnce(e);
      return false;
    }
  }

  private void warnOnce(Exception e) {
    if (!warned) {
      warned = true;
      log.atWarn()
          .addKeyValue("file", file)
          .addKeyValue("error", Failures.rootMessage(e))
          .log("cannot write the role history; the election goes on, the history is incomplete");
    }
  }

  @Override
  public synchronized void close() {
    if (out != null) {
      try {
        out.close();
      } catch (IOException e) {
        log.atDebug().addKeyValue("error", e.toString()).log("closing the role history failed");
      }
      out = null;
    }
  }
}
