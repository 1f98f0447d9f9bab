package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code java -jar halo.jar sandbox ...} as an OS process, read through its output. */
final class SandboxProcess implements AutoCloseable {
  private static final Pattern API = Pattern.compile("kubernetes API\\s+(http://\\S+)");
  private static final Pattern ETCD = Pattern.compile("\\n\\s+etcd\\s+(https?://\\S+)");
  private static final Pattern ETCDCTL =
      Pattern.compile("\\n\\s+ETCDCTL_API=3 (etcdctl .*) get /halo/ --prefix\\n");

  final Process process;
  final Path out;
  final Path err;

  private SandboxProcess(Process process, Path out, Path err) {
    this.process = process;
    this.out = out;
    this.err = err;
  }

  /** Starts the sandbox with {@code args}, with extra environment variables. */
  static SandboxProcess start(Path dir, Map<String, String> env, String... args)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Dhalo.agent.jar=" + AgentProcess.agentJar()); // as `make sandbox` passes it
    command.add("-jar");
    command.add(AgentProcess.jar().toString());
    command.add("sandbox");
    command.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "sandbox", ".out");
    Path err = Files.createTempFile(dir, "sandbox", ".err");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
    builder.environment().putAll(env);
    return new SandboxProcess(builder.start(), out, err);
  }

  String stdout() {
    return read(out);
  }

  String stderr() {
    return read(err);
  }

  /** Waits until the banner has been printed, including the given Service's proxy line. */
  void awaitBanner(String service, Duration within) {
    await()
        .atMost(within)
        .pollInterval(Duration.ofMillis(200))
        .failFast("the sandbox exited:\n" + tail(stderr()), () -> !process.isAlive())
        .until(() -> servicePort(service).isPresent());
  }

  String apiUrl() {
    return group(API, stdout()).orElseThrow();
  }

  String etcdEndpoints() {
    return group(ETCD, stdout()).orElseThrow();
  }

  /** The etcdctl command the banner prints, up to its subcommand, as arguments. */
  List<String> etcdctl() {
    return List.of(group(ETCDCTL, stdout()).orElseThrow().split(" "));
  }

  /** The proxy port printed for {@code service}. */
  Optional<Integer> servicePort(String service) {
    Matcher m =
        Pattern.compile("service " + Pattern.quote(service) + "\\s+http://127\\.0\\.0\\.1:(\\d+)")
            .matcher(stdout());
    return m.find() ? Optional.of(Integer.parseInt(m.group(1))) : Optional.empty();
  }

  /** The pid of the running agent of {@code pod}, found through its HALO_MEMBER variable. */
  OptionalLong agentPid(String pod) {
    return process
        .descendants()
        .filter(ProcessHandle::isAlive)
        .filter(p -> environ(p.pid()).contains("HALO_MEMBER=" + pod + "\0"))
        .mapToLong(ProcessHandle::pid)
        .findFirst();
  }

  private static String environ(long pid) {
    try {
      return new String(
          Files.readAllBytes(Path.of("/proc/" + pid + "/environ")), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /** SIGTERM, then waits for the exit; returns the exit code. */
  int terminate(Duration within) throws InterruptedException {
    process.destroy();
    assertThat(process.waitFor(within.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS))
        .as("the sandbox did not stop within %s after SIGTERM:\n%s", within, tail(stderr()))
        .isTrue();
    return process.exitValue();
  }

  static String tail(String text) {
    List<String> lines = text.lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }

  private static Optional<String> group(Pattern pattern, String text) {
    Matcher m = pattern.matcher(text);
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "";
    }
  }

  @Override
  public void close() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }
}
