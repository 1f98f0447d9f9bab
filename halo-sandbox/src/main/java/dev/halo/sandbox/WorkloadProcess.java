package dev.halo.sandbox;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateTerminatedBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * One workload container of a pod run as a local process ({@link WorkloadCommand}), across its
 * restarts: the running process, its container status (restartCount, running or terminated, last
 * termination, ready) and where its container ports map to. Guarded by the pod's monitor, as
 * everything in {@link KubeletPod}.
 */
final class WorkloadProcess {
  private static final File NULL_DEVICE = new File("/dev/null");
  // Each process leads a process group of its own (setsid), so that everything it starts, even
  // what outlives its parent, is stopped with it, as a container's processes are. Without setsid
  // only the processes still descending from it are.
  private static final Optional<Path> SETSID =
      WorkloadCommand.resolve("setsid", System.getenv("PATH"), WorkloadCommand::executable);
  // What a runtime reports for a container whose program could not be started.
  private static final int START_ERROR_EXIT_CODE = 128;
  // A process that ran this long before it exited starts the restart backoff afresh.
  private static final Duration STABLE_RUN = Duration.ofSeconds(10);

  final String container;
  final List<String> argv;
  final Map<String, String> env;
  final Path workDir;
  final Path output;
  // Container port -> local port, in the order the container declares them.
  final Map<Integer, Integer> ports;
  final Optional<Probe> readiness;
  private Process process;
  // The process group the running process leads; 0 when none (no setsid, or released).
  private long group;
  Instant startedAt;
  int restartCount;
  boolean ready;
  int probeFailures;
  long lastProbeNanos;
  // Consecutive restarts without a long enough run: the next restart waits longer.
  int crashes;
  boolean restartScheduled;
  ContainerStateTerminated termination;
  ContainerStateTerminated lastTermination;

  WorkloadProcess(
      String container,
      List<String> argv,
      Map<String, String> env,
      Path workDir,
      Path output,
      Map<Integer, Integer> ports,
      Optional<Probe> readiness) {
    this.container = container;
    this.argv = List.copyOf(argv);
    this.env = Map.copyOf(env);
    this.workDir = workDir;
    this.output = output;
    this.ports = ports;
    this.readiness = readiness;
  }

  /** Starts the program (again): only the environment above, output appended to its log file. */
  void start() throws IOException {
    List<String> command = new ArrayList<>();
    SETSID.ifPresent(setsid -> command.add(setsid.toString()));
    command.addAll(argv);
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(workDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(NULL_DEVICE));
    builder.environment().clear();
    builder.environment().putAll(env);
    process = builder.start();
    ChildReaper.adopt(process);
    if (SETSID.isPresent()) {
      group = process.pid();
      ChildReaper.adoptGroup(group);
    }
    startedAt = Instant.now();
    termination = null;
    ready = false;
    probeFailures = 0;
    lastProbeNanos = System.nanoTime() - Long.MAX_VALUE / 2;
    restartScheduled = false;
  }

  boolean running() {
    return process != null && termination == null;
  }

  /** The process ended and its end is not recorded yet. */
  boolean exitedUnnoticed() {
    return process != null && termination == null && !process.isAlive();
  }

  /** The running process's pid. */
  OptionalLong pid() {
    return process == null || !process.isAlive()
        ? OptionalLong.empty()
        : OptionalLong.of(process.pid());
  }

  /** The local port of its first container port; 0 when it declares none. */
  int localPort() {
    return ports.isEmpty() ? 0 : ports.values().iterator().next();
  }

  /** Records the process's end (its exit code; 137 when it was killed by SIGKILL, as a runtime). */
  void recordExit(String containerId) {
    int exitCode;
    try {
      exitCode = process.waitFor(1, TimeUnit.SECONDS) ? process.exitValue() : -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      exitCode = -1;
    }
    Instant now = Instant.now();
    termination =
        new ContainerStateTerminatedBuilder()
            .withContainerID(containerId)
            .withExitCode(exitCode)
            .withReason(exitCode == 0 ? "Completed" : "Error")
            .withStartedAt(PodStatusFactory.timestamp(startedAt))
            .withFinishedAt(PodStatusFactory.timestamp(now))
            .build();
    lastTermination = termination;
    ready = false;
    endGroup();
    crashes = Duration.between(startedAt, now).compareTo(STABLE_RUN) >= 0 ? 1 : crashes + 1;
  }

  /** Records that the program could not be started at all, as a runtime's StartError. */
  void recordStartError(String containerId, String message) {
    Instant now = Instant.now();
    startedAt = startedAt == null ? now : startedAt;
    termination =
        new ContainerStateTerminatedBuilder()
            .withContainerID(containerId)
            .withExitCode(START_ERROR_EXIT_CODE)
            .withReason("StartError")
            .withMessage(message)
            .withStartedAt(PodStatusFactory.timestamp(now))
            .withFinishedAt(PodStatusFactory.timestamp(now))
            .build();
    lastTermination = termination;
    ready = false;
    crashes++;
  }

  /**
   * Stops the process and every process it started: SIGTERM to all, SIGKILL to whatever still runs
   * after {@code grace}. Returns whether it had to kill.
   */
  boolean stop(Duration grace) {
    if (process == null) {
      return false;
    }
    List<ProcessHandle> tree =
        Stream.concat(Stream.of(process.toHandle()), process.descendants()).toList();
    tree.forEach(ProcessHandle::destroy);
    signalGroup("TERM");
    long deadline = System.nanoTime() + grace.toNanos();
    boolean killed = false;
    for (ProcessHandle p : tree) {
      long left = Math.max(0, deadline - System.nanoTime());
      try {
        p.onExit().get(left, TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        p.destroyForcibly();
        killed = true;
      } catch (ExecutionException e) {
        p.destroyForcibly();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      }
    }
    endGroup();
    return killed;
  }

  /** The group's leader has ended: what is left of the group goes with it, as in a container. */
  private void endGroup() {
    if (group > 1) {
      signalGroup("KILL");
      ChildReaper.releaseGroup(group);
      group = 0;
    }
  }

  private void signalGroup(String signal) {
    if (group <= 1) {
      return;
    }
    try {
      Process kill =
          new ProcessBuilder("sh", "-c", "kill -" + signal + " -" + group + " 2>/dev/null")
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      kill.waitFor(2, TimeUnit.SECONDS);
    } catch (IOException e) {
      // The tree was signalled one by one above; only what left it can escape.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** SIGKILL to the process (a test's crash). */
  void kill() {
    if (process != null) {
      process.destroyForcibly();
    }
  }
}
