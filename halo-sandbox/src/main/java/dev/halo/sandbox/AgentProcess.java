package dev.halo.sandbox;

import dev.halo.common.AgentDefaults;
import dev.halo.common.AgentVariables;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real agent as an OS process, started as a pod's agent container starts it: {@code java <agent
 * JVM options> -jar halo-agent.jar agent} (see {@link #agentJar()}), for scenarios that kill, stop
 * or pause it. Output goes to a log file shown on failure.
 */
public final class AgentProcess implements AgentHandle {
  private static final Logger logger = LoggerFactory.getLogger(AgentProcess.class);
  private static final Path BUILT_AGENT_JAR = Path.of("halo-agent/target/halo-agent.jar");
  private static final AtomicBoolean fallbackLogged = new AtomicBoolean();

  private final AgentEnv env;
  private final Process process;
  private final Path log;

  private AgentProcess(AgentEnv env, Process process, Path log) {
    this.env = env;
    this.process = process;
    this.log = log;
  }

  /** Starts {@code halo agent} with {@code env} and the agent's default JVM options. */
  public static AgentProcess start(AgentEnv env) {
    return start(env, List.of("agent"));
  }

  /** Starts the jar with the given arguments (e.g. {@code agent} plus flags). */
  public static AgentProcess start(AgentEnv env, List<String> args) {
    Path jar = agentJar();
    return start(jar, env, args, AgentClassArchive.jvmOptions(jar, env));
  }

  /**
   * Starts the agent from {@code jar} with extra JVM options (the class archive's training run).
   */
  static AgentProcess startWith(Path jar, AgentEnv env, List<String> extraJvm) {
    return start(jar, env, List.of("agent"), extraJvm);
  }

  /**
   * Starts the agent with exactly the JVM options the operator injects, without the class archive
   * the sandbox's agents start with ({@link AgentClassArchive}): what a pod's agent does.
   */
  public static AgentProcess startAsInAPod(AgentEnv env) {
    return start(agentJar(), env, List.of("agent"), List.of());
  }

  /**
   * How an agent process is started: {@code java}, the command up to and including the java
   * executable (this JVM's, or another runtime's, e.g. under chroot in an unpacked image); {@code
   * environment}, the variables it starts with instead of this JVM's (none: this JVM's, less any
   * {@code HALO_} ones); {@code jar}, the agent's jar as that java sees it.
   */
  public record Launcher(List<String> java, Optional<Map<String, String>> environment, String jar) {
    /** This JVM's java and the agent's jar ({@link #agentJar()}), as the sandbox starts agents. */
    public static Launcher thisJava() {
      return thisJava(agentJar());
    }

    static Launcher thisJava(Path jar) {
      return new Launcher(
          List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()),
          Optional.empty(),
          jar.toString());
    }
  }

  /**
   * Starts the agent with {@code launcher}, the agent's default JVM options and {@code extraJvm}
   * (no class archive unless they name one): a bench measuring another runtime.
   */
  public static AgentProcess start(Launcher launcher, AgentEnv env, List<String> extraJvm) {
    return start(launcher, env, List.of("agent"), extraJvm);
  }

  private static AgentProcess start(
      Path jar, AgentEnv env, List<String> args, List<String> extraJvm) {
    return start(Launcher.thisJava(jar), env, args, extraJvm);
  }

  private static AgentProcess start(
      Launcher launcher, AgentEnv env, List<String> args, List<String> extraJvm) {
    List<String> command = new ArrayList<>(launcher.java());
    command.addAll(AgentDefaults.JVM_OPTIONS);
    command.addAll(extraJvm);
    command.add("-jar");
    command.add(launcher.jar());
    command.addAll(args);
    try {
      Path log = Files.createTempFile("halo-agent-" + env.member() + "-", ".log");
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
      builder.redirectOutput(log.toFile());
      builder.environment().keySet().removeIf(k -> k.startsWith("HALO_"));
      launcher
          .environment()
          .ifPresent(
              vars -> {
                builder.environment().clear();
                builder.environment().putAll(vars);
              });
      // The agent stops by itself when this JVM is gone, however it ended.
      builder
          .environment()
          .put(AgentVariables.PARENT_PID, Long.toString(ProcessHandle.current().pid()));
      builder.environment().putAll(env.asMap());
      ChildReaper.deleteAtExit(log);
      Process process = builder.start();
      ChildReaper.adopt(process);
      return new AgentProcess(env, process, log);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the agent process: " + command, e);
    }
  }

  /**
   * The jar agent processes run from: the agent's own jar, as in a pod, from the {@code
   * halo.agent.jar} system property (the ITs, the benches, {@code make sandbox}), else {@code
   * halo-agent/target/halo-agent.jar} under the working directory (the repository's root). When
   * neither is there, the combined {@link #jar()} ({@code halo.jar agent} runs the same agent code
   * with more classes on the class path), said once in the log.
   */
  public static Path agentJar() {
    String property = System.getProperty("halo.agent.jar");
    Path slim = property != null ? Path.of(property) : BUILT_AGENT_JAR;
    if (Files.isRegularFile(slim)) {
      return slim.toAbsolutePath();
    }
    Path combined = jar();
    if (fallbackLogged.compareAndSet(false, true)) {
      logger
          .atInfo()
          .addKeyValue("missing", slim.toAbsolutePath())
          .addKeyValue("using", combined)
          .log(
              "the agent's own jar is not there; agent processes run `halo.jar agent` instead:"
                  + " build it with `mvn -DskipTests package` or pass -Dhalo.agent.jar=<path>");
    }
    return combined;
  }

  /**
   * The combined jar (operator, agent, sandbox): the {@code halo.jar} system property (the ITs run
   * after {@code package}), else the jar this class runs from (the sandbox), else {@code
   * halo-dist/target/halo.jar}.
   */
  public static Path jar() {
    String property = System.getProperty("halo.jar");
    Path jar =
        property != null
            ? Path.of(property)
            : runningJar().orElse(Path.of("halo-dist/target/halo.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          jar + " is missing: build it with `mvn -DskipTests package` (make test does)");
    }
    return jar;
  }

  private static Optional<Path> runningJar() {
    try {
      var source = AgentProcess.class.getProtectionDomain().getCodeSource();
      if (source == null) {
        return Optional.empty();
      }
      Path path = Path.of(source.getLocation().toURI());
      return Files.isRegularFile(path) && path.toString().endsWith(".jar")
          ? Optional.of(path)
          : Optional.empty();
    } catch (URISyntaxException | SecurityException e) {
      return Optional.empty();
    }
  }

  @Override
  public String member() {
    return env.member();
  }

  @Override
  public int port() {
    return env.port();
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Completes when the process has exited (its output is still there until {@link #close}). */
  public CompletableFuture<Void> onExit() {
    return process.onExit().thenApply(p -> null);
  }

  /** kill -9. */
  public void kill() {
    process.destroyForcibly();
    waitFor(Duration.ofSeconds(10));
  }

  /** SIGTERM; returns the exit code. */
  public int terminate(Duration timeout) {
    process.destroy();
    return waitFor(timeout);
  }

  /** Waits for the process to exit; returns its exit code, or -1 when it did not exit in time. */
  public int waitFor(Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** SIGSTOP: the process stays alive but runs nothing, like a very long GC pause. */
  public void pause() {
    signal("STOP");
  }

  /** SIGCONT. */
  public void resume() {
    signal("CONT");
  }

  private void signal(String name) {
    Signals.send(pid(), name);
  }

  /** The process's output so far (for assertion messages). */
  public String output() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no output: " + e + ")";
    }
  }

  /** Resident set size in KiB, from /proc. */
  public long rssKib() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("\\D", ""));
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    throw new IllegalStateException("no VmRSS for " + pid());
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      resume();
      process.destroyForcibly();
      waitFor(Duration.ofSeconds(10));
    }
    try {
      Files.deleteIfExists(log);
    } catch (IOException e) {
      // best effort: the file is in the temp dir
    }
  }
}
