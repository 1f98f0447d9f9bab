package dev.halo.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The example's hook, {@code examples/redis/halo-redis-role.sh}, run as a real process. */
final class RoleHook implements AutoCloseable {
  static final Path SCRIPT = Path.of("examples/redis/halo-redis-role.sh");

  private final Process process;
  private final Path log;

  private RoleHook(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** Starts the hook with {@code env}; its log (stderr) goes to {@code log}. */
  static RoleHook start(Map<String, String> env, Path log) throws IOException {
    ProcessBuilder builder =
        new ProcessBuilder("sh", SCRIPT.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().putAll(env);
    return new RoleHook(builder.start(), log);
  }

  /** Runs the hook's readiness check ({@code ready}) with {@code env}; true when it exits 0. */
  static boolean ready(Map<String, String> env) throws IOException, InterruptedException {
    ProcessBuilder builder =
        new ProcessBuilder("sh", SCRIPT.toString(), "ready")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    builder.environment().putAll(env);
    Process check = builder.start();
    if (!check.waitFor(10, TimeUnit.SECONDS)) {
      check.destroyForcibly();
      return false;
    }
    return check.exitValue() == 0;
  }

  /** What the hook logged so far. */
  String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "";
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }
}
