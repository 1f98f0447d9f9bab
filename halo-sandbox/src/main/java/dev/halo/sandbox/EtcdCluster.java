package dev.halo.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** A real etcd cluster of local member processes on 127.0.0.1, for the sandbox and the tests. */
public final class EtcdCluster implements AutoCloseable {
  static final Path DEFAULT_ETCD = Path.of("/usr/bin/etcd");
  static final Path DEFAULT_ETCDCTL = Path.of("/usr/bin/etcdctl");
  private static final String INSTALL_HINT =
      "install it with `apt-get install etcd-server etcd-client`"
          + " (or run `make test`, which installs it when run as root)";
  private static final String ADDRESS_IN_USE = "address already in use";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration BIND_RETRY = Duration.ofSeconds(15);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
  private static final Duration LEADER_TIMEOUT = Duration.ofSeconds(15);
  private static final Duration ETCDCTL_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration POLL = Duration.ofMillis(100);
  private static final int LOG_TAIL_LINES = 20;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofMillis(500))
          .build();

  private final Path etcdctlBin;
  private final Path root;
  private final List<Member> members;
  // Kills the members even if a test JVM exits without calling close().
  private final Thread shutdownHook = new Thread(this::close, "etcd-cluster-shutdown");
  private boolean closed;

  private EtcdCluster(Path etcdBin, Path etcdctlBin, Path root, int size) {
    this.etcdctlBin = etcdctlBin;
    this.root = root;
    List<Ports> ports = freePorts(size);
    String token = "halo-" + UUID.randomUUID();
    String initialCluster =
        IntStream.range(0, size)
            .mapToObj(i -> "m" + i + "=http://127.0.0.1:" + ports.get(i).peer())
            .collect(Collectors.joining(","));
    this.members =
        IntStream.range(0, size)
            .mapToObj(i -> new Member(i, etcdBin, root, ports.get(i), initialCluster, token))
            .toList();
  }

  /**
   * Starts a healthy cluster of {@code members} (1 or 3) etcd processes; binaries come from {@code
   * HALO_ETCD_BIN} / {@code HALO_ETCDCTL_BIN} or /usr/bin.
   */
  public static EtcdCluster start(int members) {
    return start(
        members,
        binary("HALO_ETCD_BIN", DEFAULT_ETCD),
        binary("HALO_ETCDCTL_BIN", DEFAULT_ETCDCTL));
  }

  /** Starts a cluster with explicit binaries, so tests can point at a missing one. */
  static EtcdCluster start(int members, Path etcdBin, Path etcdctlBin) {
    if (members != 1 && members != 3) {
      throw new IllegalArgumentException("members must be 1 or 3, was " + members);
    }
    requireBinary("etcd", etcdBin);
    try {
      return startOnce(members, etcdBin, etcdctlBin);
    } catch (PortClashException e) {
      // Another process grabbed a port between picking and binding it: new ports will do.
      return startOnce(members, etcdBin, etcdctlBin);
    }
  }

  private static EtcdCluster startOnce(int size, Path etcdBin, Path etcdctlBin) {
    EtcdCluster cluster = new EtcdCluster(etcdBin, etcdctlBin, createRoot(), size);
    Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
    try {
      cluster.members.forEach(Member::launch);
      cluster.awaitHealthy(cluster.members, false);
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  /** Comma-separated client URLs of all members, as etcd clients expect them. */
  public String endpoints() {
    return String.join(",", clientUrls());
  }

  /** Client URLs of all members, by member index. */
  public List<String> clientUrls() {
    return members.stream().map(Member::clientUrl).toList();
  }

  /** Client URL of member {@code i}. */
  public String clientUrl(int i) {
    return member(i).clientUrl();
  }

  /** Number of members. */
  public int size() {
    return members.size();
  }

  /** Kills member {@code i} with SIGKILL and waits until it has exited. */
  public void kill(int i) {
    member(i).kill();
  }

  /** Stops member {@code i} with SIGTERM, falling back to SIGKILL after 15 s. */
  public void stop(int i) {
    member(i).stop();
  }

  /** Starts stopped member {@code i} again on its old ports and data, and waits until healthy. */
  public void restart(int i) {
    Member member = member(i);
    if (member.isRunning()) {
      throw new IllegalStateException(member.name + " is running; stop or kill it first");
    }
    member.launch();
    awaitHealthy(List.of(member), true);
  }

  /** Kills every running member with SIGKILL. */
  public void killAll() {
    members.forEach(Member::kill);
  }

  /** Stops every running member with SIGTERM, the leader last. */
  public void stopAll() {
    // A leader stopping alongside its followers spends ~7 s trying to hand leadership to one of
    // them; once they are gone it has no one to hand over to and exits at once.
    Optional<Integer> leader = findLeader();
    List<Member> followers =
        members.stream().filter(m -> leader.isEmpty() || m.index != leader.get()).toList();
    followers.forEach(Member::terminate);
    followers.forEach(Member::stop);
    leader.ifPresent(this::stop);
  }

  /** Starts every member that is not running, together, and waits until all are healthy. */
  public void restartAll() {
    checkOpen();
    // Started together: a 3-member cluster needs a quorum before any member becomes healthy.
    List<Member> stopped = members.stream().filter(m -> !m.isRunning()).toList();
    stopped.forEach(Member::launch);
    awaitHealthy(stopped, true);
  }

  /** Whether the process of member {@code i} is alive. */
  public boolean isRunning(int i) {
    return member(i).isRunning();
  }

  /** OS process id of member {@code i}'s latest process. */
  public long pid(int i) {
    return member(i).process().pid();
  }

  /** Index of the current raft leader, waiting up to 15 s for a running member to lead. */
  public int leaderIndex() {
    long deadline = deadline(LEADER_TIMEOUT);
    while (true) {
      Optional<Integer> leader = findLeader();
      if (leader.isPresent()) {
        return leader.get();
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "no running etcd member became leader in " + LEADER_TIMEOUT);
      }
      pause();
    }
  }

  /** Runs etcdctl (API v3) against the running members and returns its stdout. */
  public String etcdctl(String... args) {
    checkOpen();
    requireBinary("etcdctl", etcdctlBin);
    String running =
        members.stream()
            .filter(Member::isRunning)
            .map(Member::clientUrl)
            .collect(Collectors.joining(","));
    if (running.isEmpty()) {
      throw new IllegalStateException("no etcd member is running");
    }
    List<String> command =
        new ArrayList<>(List.of(etcdctlBin.toString(), "--endpoints=" + running));
    command.addAll(List.of(args));
    return runEtcdctl(command);
  }

  /** Kills all members and deletes their data; safe to call more than once. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    killAll();
    TempFiles.deleteRecursively(root);
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down; the hook is running or done.
    }
  }

  /** Data dir of member {@code i}. */
  Path dataDir(int i) {
    return member(i).dataDir;
  }

  /** Temp dir holding every member's data dir and log; deleted by close(). */
  Path root() {
    return root;
  }

  private Member member(int i) {
    checkOpen();
    if (i < 0 || i >= members.size()) {
      throw new IndexOutOfBoundsException("no etcd member " + i + " in " + members.size());
    }
    return members.get(i);
  }

  private synchronized void checkOpen() {
    if (closed) {
      throw new IllegalStateException("etcd cluster is closed");
    }
  }

  private Optional<Integer> findLeader() {
    for (Member member : members) {
      Optional<Status> status = member.isRunning() ? status(member) : Optional.empty();
      if (status.isPresent() && status.get().hasLeader()) {
        String leaderId = status.get().leaderId();
        // A follower may still name a dead leader until the election timeout passes.
        return members.stream()
            .filter(m -> m.isRunning() && leaderId.equals(m.memberId))
            .map(m -> m.index)
            .findFirst();
      }
    }
    return Optional.empty();
  }

  private void awaitHealthy(List<Member> starting, boolean retryBind) {
    long deadline = deadline(START_TIMEOUT);
    long bindDeadline = deadline(BIND_RETRY);
    Set<Member> pending = new LinkedHashSet<>(starting);
    while (!pending.isEmpty()) {
      for (Member member : List.copyOf(pending)) {
        if (!member.isRunning()) {
          relaunchOrFail(member, retryBind && System.nanoTime() < bindDeadline);
        } else if (status(member).map(Status::hasLeader).orElse(false)) {
          pending.remove(member);
        }
      }
      if (!pending.isEmpty() && System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "etcd members not healthy after " + START_TIMEOUT + logTails(pending));
      }
      pause();
    }
  }

  private void relaunchOrFail(Member member, boolean mayRetry) {
    boolean clash = member.logSinceLaunch().contains(ADDRESS_IN_USE);
    if (clash && mayRetry) {
      // The port may still be held by the member's previous process or a closing socket.
      member.launch();
      return;
    }
    String message =
        "etcd "
            + member.name
            + " exited with code "
            + member.process().exitValue()
            + logTails(List.of(member));
    throw clash ? new PortClashException(message) : new IllegalStateException(message);
  }

  private Optional<Status> status(Member member) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(member.clientUrl() + "/v3/maintenance/status"))
            .timeout(Duration.ofSeconds(1))
            .POST(HttpRequest.BodyPublishers.ofString("{}"))
            .build();
    try {
      HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        return Optional.empty();
      }
      JsonNode body = JSON.readTree(response.body());
      // The JSON gateway writes 64-bit ids as strings and leaves out zero values.
      Status status =
          new Status(body.path("header").path("member_id").asText(), body.path("leader").asText());
      // Remembered so a leader id reported by any member can be mapped back to its index.
      member.memberId = status.memberId();
      return Optional.of(status);
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while asking " + member.name + " for status", e);
    }
  }

  private String runEtcdctl(List<String> command) {
    try {
      Path out = Files.createTempFile(root, "etcdctl-", ".out");
      Path err = Files.createTempFile(root, "etcdctl-", ".err");
      ProcessBuilder builder =
          new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
      builder.environment().put("ETCDCTL_API", "3");
      Process process = builder.start();
      boolean exited = process.waitFor(ETCDCTL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (!exited) {
        process.destroyForcibly().waitFor();
      }
      String stdout = Files.readString(out);
      String stderr = Files.readString(err);
      Files.delete(out);
      Files.delete(err);
      if (!exited || process.exitValue() != 0) {
        String outcome = exited ? "exited with " + process.exitValue() : "timed out";
        throw new IllegalStateException(
            String.join(" ", command)
                + " "
                + outcome
                + "\nstdout:\n"
                + stdout
                + "stderr:\n"
                + stderr);
      }
      return stdout;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running etcdctl", e);
    }
  }

  private static String logTails(Iterable<Member> failed) {
    StringBuilder message = new StringBuilder();
    for (Member member : failed) {
      message
          .append("\n--- last lines of ")
          .append(member.log)
          .append(" since the latest start:\n");
      message.append(member.logTail());
    }
    return message.toString();
  }

  private static Path binary(String envVar, Path fallback) {
    String value = System.getenv(envVar);
    return value == null || value.isBlank() ? fallback : Path.of(value);
  }

  private static void requireBinary(String name, Path binary) {
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException(name + " not found at " + binary + ": " + INSTALL_HINT);
    }
  }

  private static List<Ports> freePorts(int members) {
    // All sockets stay open until every port is picked, so no port is handed out twice.
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < 2 * members; i++) {
        sockets.add(new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1")));
      }
      return IntStream.range(0, members)
          .mapToObj(
              i ->
                  new Ports(
                      sockets.get(2 * i).getLocalPort(), sockets.get(2 * i + 1).getLocalPort()))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      sockets.forEach(EtcdCluster::closeQuietly);
    }
  }

  private static void closeQuietly(ServerSocket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // Nothing to do: the port is only a hint for etcd.
    }
  }

  private static Path createRoot() {
    try {
      Path root = Files.createTempDirectory("halo-etcd-");
      ChildReaper.deleteAtExit(root);
      return root;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long deadline(Duration timeout) {
    return System.nanoTime() + timeout.toNanos();
  }

  private static void pause() {
    try {
      Thread.sleep(POLL.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for etcd", e);
    }
  }

  private record Ports(int client, int peer) {}

  private record Status(String memberId, String leaderId) {
    boolean hasLeader() {
      return !leaderId.isEmpty() && !leaderId.equals("0");
    }
  }

  private static final class PortClashException extends IllegalStateException {
    PortClashException(String message) {
      super(message);
    }
  }

  /** One etcd process slot: fixed ports, data and log, and the latest process. */
  private static final class Member {
    final int index;
    final String name;
    final Path dir;
    final Path dataDir;
    final Path log;
    final int clientPort;
    final List<String> command;
    volatile String memberId;
    private volatile Process process;
    private long logOffset;

    Member(int index, Path etcdBin, Path root, Ports ports, String initialCluster, String token) {
      this.index = index;
      this.name = "m" + index;
      // The log lives next to, not in, the data dir: etcd warns about unknown files there.
      this.dir = root.resolve(name);
      this.dataDir = dir.resolve("data");
      this.log = dir.resolve("etcd.log");
      this.clientPort = ports.client();
      String peerUrl = "http://127.0.0.1:" + ports.peer();
      this.command =
          List.of(
              etcdBin.toString(),
              "--name=" + name,
              "--data-dir=" + dataDir,
              "--listen-client-urls=" + clientUrl(),
              "--advertise-client-urls=" + clientUrl(),
              "--listen-peer-urls=" + peerUrl,
              "--initial-advertise-peer-urls=" + peerUrl,
              "--initial-cluster=" + initialCluster,
              "--initial-cluster-token=" + token,
              // Ignored by etcd once the data dir holds a member, so restarts reuse this command.
              "--initial-cluster-state=new",
              "--heartbeat-interval=100",
              "--election-timeout=1000",
              "--logger=zap",
              "--log-level=warn");
    }

    String clientUrl() {
      return "http://127.0.0.1:" + clientPort;
    }

    Process process() {
      if (process == null) {
        throw new IllegalStateException(name + " was never started");
      }
      return process;
    }

    boolean isRunning() {
      return process != null && process.isAlive();
    }

    void launch() {
      try {
        Files.createDirectories(dir);
        logOffset = Files.exists(log) ? Files.size(log) : 0;
        ProcessBuilder.Redirect append = ProcessBuilder.Redirect.appendTo(log.toFile());
        process = new ProcessBuilder(command).redirectOutput(append).redirectError(append).start();
        ChildReaper.adopt(process);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start etcd " + name, e);
      }
    }

    void kill() {
      if (process != null) {
        awaitExit(process.destroyForcibly(), Duration.ofSeconds(10));
      }
    }

    void terminate() {
      if (isRunning()) {
        process.destroy();
      }
    }

    void stop() {
      terminate();
      // A leader first tries to hand over leadership, which can take ~7 s.
      if (process != null && !awaitExit(process, STOP_TIMEOUT)) {
        kill();
      }
    }

    String logSinceLaunch() {
      byte[] all = readLog();
      int from = (int) Math.min(logOffset, all.length);
      return new String(all, from, all.length - from, StandardCharsets.UTF_8);
    }

    /** Last lines this member's latest process wrote, where the reason it failed will be. */
    String logTail() {
      List<String> lines = logSinceLaunch().lines().toList();
      int from = Math.max(0, lines.size() - LOG_TAIL_LINES);
      return lines.isEmpty() ? "(no output)" : String.join("\n", lines.subList(from, lines.size()));
    }

    private byte[] readLog() {
      try {
        return Files.exists(log) ? Files.readAllBytes(log) : new byte[0];
      } catch (IOException e) {
        return ("(cannot read " + log + ": " + e + ")").getBytes(StandardCharsets.UTF_8);
      }
    }

    private static boolean awaitExit(Process process, Duration timeout) {
      try {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for etcd to exit", e);
      }
    }
  }
}
