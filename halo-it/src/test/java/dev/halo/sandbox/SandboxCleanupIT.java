package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * However {@code halo sandbox} ends (SIGTERM, or kill -9 of its JVM, when no shutdown hook runs),
 * none of its etcd or agent processes keeps running and its temporary files are deleted.
 */
class SandboxCleanupIT {
  private static final Pattern KUBECONFIG = Pattern.compile("kubeconfig\\s+(/\\S+)");

  @TempDir Path dir;

  /** What a running sandbox left on the machine: its child processes and temporary files. */
  private record Traces(List<ProcessHandle> processes, List<Path> paths) {}

  private Traces startAndTrace(SandboxProcess sandbox) {
    Awaitility.ignoreExceptionsByDefault();
    sandbox.awaitBanner("web", Duration.ofSeconds(120));
    // Three agents and the etcd member, besides the watchdog.
    // Every agent runs (the kubelet starts them one by one, and a class-archive training run may
    // still be going on beside them).
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                sandbox.agentPid("web-0").isPresent()
                    && sandbox.agentPid("web-1").isPresent()
                    && sandbox.agentPid("web-2").isPresent()
                    && sandbox.process.descendants().filter(ProcessHandle::isAlive).count() >= 5);
    List<ProcessHandle> processes =
        sandbox.process.descendants().filter(ProcessHandle::isAlive).toList();
    List<Path> paths = new ArrayList<>();
    Matcher m = KUBECONFIG.matcher(sandbox.stdout());
    assertThat(m.find()).as("the banner names the kubeconfig").isTrue();
    paths.add(Path.of(m.group(1)).getParent()); // the sandbox's temporary directory
    // A child caught while it is being spawned still has the sandbox's own stdout (this test's
    // capture file): that one is the test's, not the sandbox's to delete.
    java.util.Optional<Path> ownOutput = outputFile(sandbox.process.toHandle());
    for (ProcessHandle p : processes) {
      outputFile(p)
          .filter(f -> f.startsWith(System.getProperty("java.io.tmpdir")))
          .filter(f -> ownOutput.map(own -> !own.equals(f)).orElse(true))
          .ifPresent(paths::add);
    }
    assertThat(processes)
        .as("etcd, three agents and the watchdog run as child processes")
        .hasSizeGreaterThanOrEqualTo(5);
    assertThat(paths)
        .as("the sandbox directory, etcd's and the agents' logs")
        .hasSizeGreaterThan(4);
    assertThat(paths).allMatch(Files::exists);
    return new Traces(processes, paths);
  }

  // Where a child writes its stdout: the agents' and etcd's log files.
  private static java.util.Optional<Path> outputFile(ProcessHandle p) {
    try {
      return java.util.Optional.of(Files.readSymbolicLink(Path.of("/proc/" + p.pid() + "/fd/1")));
    } catch (IOException e) {
      return java.util.Optional.empty();
    }
  }

  private static void awaitNothingLeft(Traces traces) {
    try {
      await()
          .atMost(Duration.ofSeconds(40))
          .untilAsserted(
              () -> {
                assertThat(traces.processes()).noneMatch(ProcessHandle::isAlive);
                assertThat(traces.paths()).noneMatch(Files::exists);
              });
    } finally {
      // Whatever the outcome, this test leaves nothing behind either.
      traces.processes().forEach(ProcessHandle::destroyForcibly);
    }
  }

  @Test
  void sigtermLeavesNoProcessAndNoTemporaryFile() throws Exception {
    try (SandboxProcess sandbox =
        SandboxProcess.start(dir, Map.of(), "--headless", "--etcd-members", "1")) {
      Traces traces = startAndTrace(sandbox);

      assertThat(sandbox.terminate(Duration.ofSeconds(60))).isZero();

      awaitNothingLeft(traces);
    }
  }

  @Test
  void killMinus9LeavesNoProcessAndNoTemporaryFile() throws Exception {
    try (SandboxProcess sandbox =
        SandboxProcess.start(dir, Map.of(), "--headless", "--etcd-members", "1")) {
      Traces traces = startAndTrace(sandbox);

      sandbox.process.destroyForcibly(); // SIGKILL: no shutdown hook runs
      assertThat(sandbox.process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

      awaitNothingLeft(traces);
    }
  }
}
