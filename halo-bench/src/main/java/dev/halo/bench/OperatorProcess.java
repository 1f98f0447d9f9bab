package dev.halo.bench;

import dev.halo.sandbox.EmbeddedApiServer;
import dev.halo.sandbox.Http;
import dev.halo.sandbox.Signals;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code java -jar halo-operator.jar operator} (the jar the operator image runs; the {@code
 * halo.operator.jar} system property, else {@code halo-operator/target/halo-operator.jar}) as its
 * own process with the chart's JVM options (heap capped as MaxRAMPercentage=70 of the chart's 512
 * MiB limit), leader election off, against the embedded API server, so that its footprint can be
 * read from /proc and jcmd, and so that the chaos campaign can stop it with a signal.
 */
public final class OperatorProcess implements AutoCloseable {
  private static final HttpClient PROBE =
      HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
  // The chart sets no collector: in its 512 MiB container the JVM is not "server class" (under
  // 1792 MiB) and picks the serial collector, while on a bench machine with more memory it would
  // pick G1, whose own structures alone take about 45 MiB of RSS. Named here so the bench runs
  // what the chart's container runs.
  static final List<String> JVM_OPTIONS =
      List.of("-Xmx358m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError");

  private final Process process;
  private final Path log;
  private final int port;

  private OperatorProcess(Process process, Path log, int port) {
    this.process = process;
    this.log = log;
    this.port = port;
  }

  /** The operator's own jar, as the image ships it. */
  static Path jar() {
    Path jar =
        Path.of(System.getProperty("halo.operator.jar", "halo-operator/target/halo-operator.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          jar.toAbsolutePath() + " does not exist; build it with make build");
    }
    return jar;
  }

  static OperatorProcess start(EmbeddedApiServer api, String namespace, String etcdEndpoints)
      throws IOException {
    Path dir = Files.createTempDirectory("halo-operator-bench-");
    return start(api, api.url(), namespace, etcdEndpoints, Map.of(), dir.resolve("operator.log"));
  }

  /**
   * Starts the operator against {@code api} reached at {@code apiUrl} (its own URL, or a proxy in
   * front of it), watching {@code namespace}, with {@code env} added to its environment (e.g.
   * {@code KUBERNETES_USER_AGENT}) and its output appended to {@code log}.
   */
  public static OperatorProcess start(
      EmbeddedApiServer api,
      String apiUrl,
      String namespace,
      String etcdEndpoints,
      Map<String, String> env,
      Path log)
      throws IOException {
    Files.createDirectories(log.toAbsolutePath().getParent());
    Path kubeconfig = Files.createTempFile("halo-operator-", ".kubeconfig");
    api.writeKubeconfig(kubeconfig, apiUrl);
    List<String> command = new ArrayList<>();
    // -Dhalo.bench.operatorJava=<java launcher> runs the operator on another Java runtime, e.g. the
    // image's (docs/install.md, "Images").
    command.add(
        System.getProperty(
            "halo.bench.operatorJava",
            Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(JVM_OPTIONS);
    // For profiling a bench's operator, e.g.
    // -Dhalo.bench.operatorJvmOptions=-XX:StartFlightRecording=...
    String extra = System.getProperty("halo.bench.operatorJvmOptions", "").strip();
    if (!extra.isEmpty()) {
      command.addAll(List.of(extra.split("\\s+")));
    }
    command.addAll(List.of("-jar", jar().toString(), "operator"));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().put("KUBECONFIG", kubeconfig.toString());
    pb.environment().put("HALO_LEADER_ELECTION", "false");
    pb.environment().put("HALO_WATCH_NAMESPACES", namespace);
    pb.environment().put("HALO_ETCD_ENDPOINTS", etcdEndpoints);
    pb.environment().put("HALO_AGENT_IMAGE", "halo:bench");
    pb.environment().put("HALO_OPERATOR_ADDRESS", "127.0.0.1");
    int port = Http.freePort();
    pb.environment().put("HALO_OPERATOR_PORT", Integer.toString(port));
    pb.environment().putAll(env);
    Process process = pb.start();
    kubeconfig.toFile().deleteOnExit();
    return new OperatorProcess(process, log, port);
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Waits until the operator answers {@code /healthz} with 200 (its informers in sync); throws
   * naming its log when it exits or {@code timeout} passes first.
   */
  public void awaitHealthy(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String url = "http://127.0.0.1:" + port + "/healthz";
    while (!Http.get(url, Duration.ofMillis(500)).map(b -> b.startsWith("ok")).orElse(false)) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "the operator "
                + (process.isAlive() ? "is not healthy after " + timeout : "exited")
                + "; its log: "
                + log.toAbsolutePath());
      }
      Thread.sleep(100);
    }
  }

  /**
   * What the operator says is wrong when it answers {@code /healthz} with 503, as a liveness probe
   * counts a failure; empty when it answers healthy or not at all (a paused operator is not
   * restarted for being paused).
   */
  public Optional<String> unhealthy() throws InterruptedException {
    try {
      HttpResponse<String> answer =
          PROBE.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return answer.statusCode() == 503 ? Optional.of(answer.body().strip()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** SIGSTOP: the operator stays alive but runs nothing, as in a long stop-the-world pause. */
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

  /** Where the operator's log goes (kept after the bench for a post-mortem). */
  Path log() {
    return log;
  }

  /** The sum of a Prometheus series' samples on the operator's /metrics (all label sets). */
  double metric(String series) {
    String body =
        Http.get("http://127.0.0.1:" + port + "/metrics", Duration.ofSeconds(5))
            .orElseThrow(() -> new IllegalStateException("the operator's /metrics did not answer"));
    double sum = 0;
    for (String line : body.split("\n")) {
      if (line.startsWith(series + "{") || line.startsWith(series + " ")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  long rssKib() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmRSS for " + pid());
  }

  /** utime + stime in clock ticks (100 per second on Linux). */
  long cpuTicks() throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid()), "stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  /** Heap used from {@code jcmd <pid> GC.heap_info}. */
  long heapUsedKib() throws IOException, InterruptedException {
    return heapUsedKib(jcmd("GC.heap_info"));
  }

  /**
   * The heap's "used" in {@code GC.heap_info}: G1's one heap line (JDK 17 prints "total 366592K,
   * used 14510K", JDK 25 "total reserved 366592K, committed 24576K, used 14510K"), or the sum of
   * the serial collector's young and tenured generations; Metaspace's "used" does not count.
   */
  static long heapUsedKib(String heapInfo) {
    Matcher m = Pattern.compile("(?m)^\\s*(\\S.*?)\\s+total.*?used (\\d+)K").matcher(heapInfo);
    long used = 0;
    boolean found = false;
    while (m.find()) {
      String space = m.group(1);
      if (space.endsWith("generation") || space.endsWith("heap")) {
        used += Long.parseLong(m.group(2));
        found = true;
      }
    }
    if (!found) {
      throw new IllegalStateException("jcmd GC.heap_info gave no heap figures");
    }
    return used;
  }

  /** Heap used right after a full collection ({@code jcmd GC.run}): the live set. */
  long liveHeapKib() throws IOException, InterruptedException {
    jcmd("GC.run");
    return heapUsedKib();
  }

  /** CPU time the operator process has used since it started, in seconds. */
  double cpuSeconds() throws IOException {
    return cpuTicks() / 100.0;
  }

  /** CPU use over {@code millis} of wall time, in percent of one core. */
  double cpuPercentOver(long millis) throws IOException, InterruptedException {
    long before = cpuTicks();
    long wallBefore = System.nanoTime();
    Thread.sleep(millis);
    double seconds = (System.nanoTime() - wallBefore) / 1e9;
    return Math.round(1000.0 * (cpuTicks() - before) / 100.0 / seconds) / 10.0;
  }

  private String jcmd(String command) throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process p =
        new ProcessBuilder(jcmd.toString(), Long.toString(pid()), command)
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    return out;
  }

  /** SIGTERM (after SIGCONT, should it be paused), SIGKILL when it has not exited in 10 s. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      resume();
    }
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }
}
