package dev.halo.sandbox;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure that a sandbox leaves no process and no temporary file behind, however its JVM ends,
 * kill -9 included (no shutdown hook runs then). A tiny {@code sh} watchdog started with the
 * sandbox is told, on its standard input, the pid of every child process (etcd members, agents,
 * workload processes) as it starts and ends, the process group of each workload process, and every
 * temporary path created. When its input ends, which the kernel does as soon as this JVM is gone
 * whatever the cause, it sends SIGTERM to every child and group still listed, SIGKILL to them 10 s
 * later (or once the children are gone), and deletes the paths. After a normal stop nothing is left
 * for it to do. It ignores SIGINT and SIGTERM, so Ctrl-C on the terminal does not stop it before
 * the sandbox.
 */
public final class ChildReaper {
  private static final Logger log = LoggerFactory.getLogger(ChildReaper.class);

  // +PID adopts, -PID releases, gPGID adopts a process group, hPGID releases it, pPATH deletes at
  // the end. Pids and paths contain no spaces.
  static final String SCRIPT =
      """
      trap '' INT TERM HUP
      pids=' '
      groups=' '
      paths=''
      while IFS= read -r line; do
        case "$line" in
          +*) pids="$pids${line#+} " ;;
          -*) p="${line#-}"
              case "$pids" in *" $p "*) pids="${pids%% $p *} ${pids#* $p }" ;; esac ;;
          g*) groups="$groups${line#g} " ;;
          h*) g="${line#h}"
              case "$groups" in *" $g "*) groups="${groups%% $g *} ${groups#* $g }" ;; esac ;;
          p*) paths="$paths ${line#p}" ;;
        esac
      done
      for g in $groups; do kill -TERM "-$g" 2>/dev/null; done
      live=''
      for p in $pids; do kill -TERM "$p" 2>/dev/null && live="$live $p"; done
      i=0
      while [ -n "$live" ] && [ "$i" -lt 50 ]; do
        sleep 0.2
        i=$((i + 1))
        still=''
        for p in $live; do kill -0 "$p" 2>/dev/null && still="$still $p"; done
        live="$still"
      done
      for p in $live; do kill -KILL "$p" 2>/dev/null; done
      for g in $groups; do kill -KILL "-$g" 2>/dev/null; done
      for d in $paths; do rm -rf -- "$d"; done
      """;

  private static ChildReaper instance;
  private static int users;

  private final Process watchdog;
  private final OutputStream input;

  private ChildReaper(Process watchdog) {
    this.watchdog = watchdog;
    this.input = watchdog.getOutputStream();
  }

  /**
   * Starts the JVM's watchdog once; from then on {@link #adopt} and {@link #deleteAtExit} report to
   * it. Without it they do nothing (tests that start agents or etcd on their own).
   */
  static synchronized void start() {
    users++;
    if (instance != null && instance.watchdog.isAlive()) {
      return;
    }
    try {
      Process p =
          new ProcessBuilder("sh", "-c", SCRIPT)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      instance = new ChildReaper(p);
      log.atDebug().addKeyValue("pid", p.pid()).log("sandbox: watchdog started");
    } catch (IOException e) {
      log.atWarn()
          .addKeyValue("error", e.getMessage())
          .log("sandbox: no watchdog (sh missing?); a killed sandbox may leave processes behind");
    }
  }

  /**
   * A sandbox that stopped cleanly lets go of the watchdog; the last one ends it and waits (up to 5
   * s) until it has, so no process outlives a sandbox that exits normally.
   */
  static synchronized void release() {
    users = Math.max(0, users - 1);
    if (users > 0 || instance == null) {
      return;
    }
    ChildReaper last = instance;
    instance = null;
    try {
      last.input.close();
      last.watchdog.waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
    } catch (IOException e) {
      last.watchdog.destroy();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The watchdog's pid, when it runs. */
  static synchronized java.util.OptionalLong pid() {
    return instance == null
        ? java.util.OptionalLong.empty()
        : java.util.OptionalLong.of(instance.watchdog.pid());
  }

  /** The watchdog stops {@code child} if this JVM ends before it does. */
  static void adopt(Process child) {
    send("+" + child.pid());
    child.onExit().thenRun(() -> send("-" + child.pid()));
  }

  /**
   * The watchdog stops the process group {@code pgid} (SIGTERM, SIGKILL with the adopted processes)
   * if this JVM ends before {@link #releaseGroup}: what a process started, even once its parent is
   * gone.
   */
  static void adoptGroup(long pgid) {
    send("g" + pgid);
  }

  /** The process group is gone: the watchdog forgets it (its id may be reused). */
  static void releaseGroup(long pgid) {
    send("h" + pgid);
  }

  /** The watchdog deletes {@code path} (recursively) if it is still there when this JVM ends. */
  public static void deleteAtExit(Path path) {
    send("p" + path.toAbsolutePath());
  }

  private static synchronized void send(String line) {
    if (instance == null) {
      return;
    }
    try {
      instance.input.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      instance.input.flush();
    } catch (IOException e) {
      log.atWarn()
          .addKeyValue("error", e.getMessage())
          .log("sandbox: the watchdog is gone; a killed sandbox may leave processes behind");
      instance = null;
    }
  }
}
