package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The watchdog script on its own: what it stops when its input ends. */
class ChildReaperTest {
  private final List<Process> started = new ArrayList<>();

  private final List<Long> groups = new ArrayList<>();

  @AfterEach
  void killLeftovers() throws Exception {
    for (long group : groups) {
      new ProcessBuilder("sh", "-c", "kill -KILL -" + group + " 2>/dev/null").start().waitFor();
    }
    started.forEach(Process::destroyForcibly);
  }

  @Test
  void stopsAnAdoptedProcessGroupWithWhatLeftItsParent() throws Exception {
    Process leader = groupLeader();
    long orphan = orphanOf(leader);
    Process watchdog = watchdog();

    tell(watchdog, "g" + leader.pid());
    watchdog.getOutputStream().close();

    await().atMost(Duration.ofSeconds(10)).until(() -> !leader.isAlive() && !alive(orphan));
  }

  @Test
  void leavesAReleasedGroupAlone() throws Exception {
    Process leader = groupLeader();
    Process watchdog = watchdog();

    tell(watchdog, "g" + leader.pid());
    tell(watchdog, "h" + leader.pid());
    watchdog.getOutputStream().close();

    await().atMost(Duration.ofSeconds(10)).until(() -> !watchdog.isAlive());
    assertThat(leader.isAlive()).isTrue();
  }

  // A group leader (setsid) whose shell started a sleep and left it: the sleep is no descendant.
  private Process groupLeader() throws IOException {
    Process p =
        new ProcessBuilder("setsid", "sh", "-c", "(sleep 600 & echo $!); exec sleep 600")
            .redirectErrorStream(true)
            .start();
    started.add(p);
    groups.add(p.pid());
    return p;
  }

  private static long orphanOf(Process leader) throws IOException {
    // One line: the sleep's pid (the stream stays open while the leader sleeps).
    String line =
        new BufferedReader(
                new InputStreamReader(leader.getInputStream(), StandardCharsets.US_ASCII))
            .readLine();
    long pid = Long.parseLong(line.trim());
    assertThat(alive(pid)).isTrue();
    return pid;
  }

  private Process watchdog() throws IOException {
    Process p = new ProcessBuilder("sh", "-c", ChildReaper.SCRIPT).start();
    started.add(p);
    return p;
  }

  private static void tell(Process watchdog, String line) throws IOException {
    OutputStream in = watchdog.getOutputStream();
    in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    in.flush();
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }
}
