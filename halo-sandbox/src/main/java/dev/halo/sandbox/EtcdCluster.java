package dev.halo.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
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
  private static final Duration LEADER_TIMEOUT = Duration.ofSeconds(15);
  private static final Duration ETCDCTL_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration POLL = Duration.ofMillis(100);

  private final Path etcdctlBin;
  private final Path root;
  private final List<EtcdMember> members;
  private final EtcdServerSecurity security;
  private final CertificateAuthority ca;
  // Kills the members even if a test JVM exits without calling close().
  private final Thread shutdownHook = new Thread(this::close, "etcd-cluster-shutdown");
  private boolean closed;
  // Set once etcd's authentication is on: etcdctl and admin() then run as root.
  private volatile String rootPassword;

  /**
   * How the members reach and time each other: the peer URL each member advertises (what the others
   * dial; {@code front} may put a proxy there) and raft's heartbeat and election timeout.
   */
  public record Peering(int heartbeatMillis, int electionTimeoutMillis, PeerFront front) {
    /** etcd's defaults (heartbeat 100 ms, election timeout 1000 ms), members dialled directly. */
    public static Peering lan() {
      return new Peering(100, 1000, (member, peerPort) -> "http://127.0.0.1:" + peerPort);
    }
  }

  /** The peer URL the others dial to reach {@code member}, which listens on {@code peerPort}. */
  @FunctionalInterface
  public interface PeerFront {
    String advertise(int member, int peerPort);
  }

  private EtcdCluster(
      Path etcdBin,
      Path etcdctlBin,
      Path root,
      int size,
      EtcdServerSecurity security,
      Peering peering) {
    this.etcdctlBin = etcdctlBin;
    this.root = root;
    this.security = security;
    this.ca = CertificateAuthority.create(root.resolve("pki"), "etcd");
    List<String> flags = securityFlags(security);
    List<EtcdMember.Ports> ports = EtcdMember.freePorts(size);
    String token = "halo-" + UUID.randomUUID();
    List<String> advertised =
        IntStream.range(0, size)
            .mapToObj(i -> peering.front().advertise(i, ports.get(i).peer()))
            .toList();
    String initialCluster =
        IntStream.range(0, size)
            .mapToObj(i -> "m" + i + "=" + advertised.get(i))
            .collect(Collectors.joining(","));
    this.members =
        IntStream.range(0, size)
            .mapToObj(
                i ->
                    new EtcdMember(
                        i,
                        etcdBin,
                        root,
                        ports.get(i),
                        advertised.get(i),
                        peering,
                        initialCluster,
                        token,
                        security.tls(),
                        flags))
            .toList();
  }

  private List<String> securityFlags(EtcdServerSecurity security) {
    List<String> flags = new ArrayList<>();
    if (security.tls()) {
      CertificateAuthority.Issued server = ca.server("server");
      flags.add("--cert-file=" + server.cert());
      flags.add("--key-file=" + server.key());
      // etcd turns client-certificate auth on whenever --trusted-ca-file is given, whatever
      // --client-cert-auth says: TLS alone gets neither.
      if (security.clientCertAuth()) {
        flags.add("--trusted-ca-file=" + ca.caFile());
        flags.add("--client-cert-auth");
      }
    }
    security
        .authToken()
        .ifPresent(
            token -> {
              if (token.startsWith("jwt:")) {
                Path[] keys = CertificateAuthority.jwtKeys(root.resolve("pki"));
                flags.add(
                    "--auth-token=jwt,pub-key="
                        + keys[0]
                        + ",priv-key="
                        + keys[1]
                        + ",sign-method=RS256,ttl="
                        + token.substring(4)
                        + "s");
              } else {
                flags.add("--auth-token=" + token);
              }
            });
    if (security.authTokenTtlSeconds() > 0) {
      flags.add("--auth-token-ttl=" + security.authTokenTtlSeconds());
    }
    return flags;
  }

  /**
   * Starts a healthy cluster of {@code members} (1 or 3) etcd processes; binaries come from {@code
   * HALO_ETCD_BIN} / {@code HALO_ETCDCTL_BIN} or /usr/bin.
   */
  public static EtcdCluster start(int members) {
    return start(members, EtcdServerSecurity.plaintext());
  }

  /**
   * As {@link #start(int)}, secured by {@code security}: https client URLs ({@link
   * #secureEndpoints()}) with certificates from {@link #certificateAuthority()}, and auth on with
   * its users (plus root) when it lists any.
   */
  public static EtcdCluster start(int members, EtcdServerSecurity security) {
    return start(members, security, Peering.lan());
  }

  /**
   * As {@link #start(int, EtcdServerSecurity)}, the members reaching each other as {@code peering}
   * says (e.g. through proxies that add a WAN's latency, with raft timed for it).
   */
  public static EtcdCluster start(int members, EtcdServerSecurity security, Peering peering) {
    EtcdCluster cluster =
        start(
            members,
            binary("HALO_ETCD_BIN", DEFAULT_ETCD),
            binary("HALO_ETCDCTL_BIN", DEFAULT_ETCDCTL),
            security,
            peering);
    if (security.auth()) {
      try {
        cluster.enableAuth();
      } catch (RuntimeException e) {
        cluster.close();
        throw e;
      }
    }
    return cluster;
  }

  /** Starts a cluster with explicit binaries, so tests can point at a missing one. */
  static EtcdCluster start(int members, Path etcdBin, Path etcdctlBin) {
    return start(members, etcdBin, etcdctlBin, EtcdServerSecurity.plaintext(), Peering.lan());
  }

  private static EtcdCluster start(
      int members, Path etcdBin, Path etcdctlBin, EtcdServerSecurity security, Peering peering) {
    if (members != 1 && members != 3) {
      throw new IllegalArgumentException("members must be 1 or 3, was " + members);
    }
    requireBinary("etcd", etcdBin);
    try {
      return startOnce(members, etcdBin, etcdctlBin, security, peering);
    } catch (PortClashException e) {
      // Another process grabbed a port between picking and binding it: new ports will do.
      return startOnce(members, etcdBin, etcdctlBin, security, peering);
    }
  }

  private static EtcdCluster startOnce(
      int size, Path etcdBin, Path etcdctlBin, EtcdServerSecurity security, Peering peering) {
    EtcdCluster cluster =
        new EtcdCluster(etcdBin, etcdctlBin, createRoot(), size, security, peering);
    Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
    try {
      cluster.members.forEach(EtcdMember::launch);
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

  /** Comma-separated https client URLs of a secured cluster's members. */
  public String secureEndpoints() {
    if (!security.tls()) {
      throw new IllegalStateException("this etcd cluster was started without TLS");
    }
    return members.stream().map(EtcdMember::secureUrl).collect(Collectors.joining(","));
  }

  /** The CA that signed the members' server certificates and that they trust for clients. */
  public CertificateAuthority certificateAuthority() {
    return ca;
  }

  /**
   * A jetcd client as root on the members' plaintext loopback URLs, for a test to change users,
   * roles and passwords; close it after use.
   */
  public io.etcd.jetcd.Client admin() {
    io.etcd.jetcd.ClientBuilder builder =
        io.etcd.jetcd.Client.builder().endpoints(clientUrls().toArray(String[]::new));
    String password = rootPassword;
    if (password != null) {
      builder.user(bytes("root")).password(bytes(password));
    }
    return builder.build();
  }

  private void enableAuth() {
    String password = "root-" + UUID.randomUUID();
    try (io.etcd.jetcd.Client client =
        io.etcd.jetcd.Client.builder().endpoints(clientUrls().toArray(String[]::new)).build()) {
      io.etcd.jetcd.Auth auth = client.getAuthClient();
      auth.userAdd(bytes("root"), bytes(password)).get();
      auth.roleAdd(bytes("root")).get();
      auth.userGrantRole(bytes("root"), bytes("root")).get();
      for (EtcdServerSecurity.User user : security.users()) {
        auth.userAdd(bytes(user.name()), bytes(user.password())).get();
        if (!user.prefix().isEmpty()) {
          io.etcd.jetcd.ByteSequence role = bytes(user.name() + "-role");
          auth.roleAdd(role).get();
          auth.roleGrantPermission(
                  role,
                  bytes(user.prefix()),
                  io.etcd.jetcd.options.OptionsUtil.prefixEndOf(bytes(user.prefix())),
                  io.etcd.jetcd.auth.Permission.Type.READWRITE)
              .get();
          auth.userGrantRole(bytes(user.name()), role).get();
        }
      }
      auth.authEnable().get();
      rootPassword = password;
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("cannot turn etcd auth on: " + e.getCause(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while turning etcd auth on", e);
    }
  }

  /**
   * Gives user {@code name} (created with a password nobody knows, for a client certificate whose
   * CN names it, unless it exists) the role {@code name} with {@code permission} on the keys under
   * {@code prefix}; as root, so only once auth is on. What docs/etcd-security.md's commands do.
   */
  public void grantPrefix(
      String name, String prefix, io.etcd.jetcd.auth.Permission.Type permission) {
    try (io.etcd.jetcd.Client client = admin()) {
      io.etcd.jetcd.Auth auth = client.getAuthClient();
      io.etcd.jetcd.ByteSequence user = bytes(name);
      if (!auth.userList().get().getUsers().contains(name)) {
        auth.userAdd(user, bytes("unused-" + UUID.randomUUID())).get();
      }
      if (!auth.roleList().get().getRoles().contains(name)) {
        auth.roleAdd(user).get();
      }
      auth.roleGrantPermission(
              user,
              bytes(prefix),
              io.etcd.jetcd.options.OptionsUtil.prefixEndOf(bytes(prefix)),
              permission)
          .get();
      auth.userGrantRole(user, user).get();
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(
          "cannot grant etcd user " + name + " " + prefix + ": " + e.getCause(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while granting etcd user " + name, e);
    }
  }

  private static io.etcd.jetcd.ByteSequence bytes(String s) {
    return io.etcd.jetcd.ByteSequence.from(s, java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Client URLs of all members, by member index. */
  public List<String> clientUrls() {
    return members.stream().map(EtcdMember::clientUrl).toList();
  }

  /** Client URL of member {@code i}. */
  public String clientUrl(int i) {
    return member(i).clientUrl();
  }

  /** The https client URL of member {@code i} of a secured cluster. */
  public String secureUrl(int i) {
    if (!security.tls()) {
      throw new IllegalStateException("this etcd cluster was started without TLS");
    }
    return member(i).secureUrl();
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
    EtcdMember member = member(i);
    if (member.isRunning()) {
      throw new IllegalStateException(member.name + " is running; stop or kill it first");
    }
    member.launch();
    awaitHealthy(List.of(member), true);
  }

  /** Kills every running member with SIGKILL. */
  public void killAll() {
    members.forEach(EtcdMember::kill);
  }

  /** Stops every running member with SIGTERM, the leader last. */
  public void stopAll() {
    // A leader stopping alongside its followers spends ~7 s trying to hand leadership to one of
    // them; once they are gone it has no one to hand over to and exits at once.
    Optional<Integer> leader = findLeader();
    List<EtcdMember> followers =
        members.stream().filter(m -> leader.isEmpty() || m.index != leader.get()).toList();
    followers.forEach(EtcdMember::terminate);
    followers.forEach(EtcdMember::stop);
    leader.ifPresent(this::stop);
  }

  /** Starts every member that is not running, together, and waits until all are healthy. */
  public void restartAll() {
    checkOpen();
    // Started together: a 3-member cluster needs a quorum before any member becomes healthy.
    List<EtcdMember> stopped = members.stream().filter(m -> !m.isRunning()).toList();
    stopped.forEach(EtcdMember::launch);
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

  /**
   * Makes member {@code i} the raft leader ({@code etcdctl move-leader}), waiting until it leads.
   */
  public void moveLeader(int i) {
    EtcdMember target = member(i);
    if (findLeader().filter(l -> l == i).isPresent()) {
      return;
    }
    target.status(); // learns its id
    String hexId = Long.toHexString(Long.parseUnsignedLong(target.memberId));
    etcdctl("move-leader", hexId);
    long deadline = deadline(LEADER_TIMEOUT);
    while (findLeader().filter(l -> l == i).isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            target.name + " did not become leader in " + LEADER_TIMEOUT);
      }
      pause();
    }
  }

  /** Index of the raft leader now, if a running member follows one that runs; does not wait. */
  public Optional<Integer> currentLeader() {
    return findLeader();
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

  /**
   * Runs etcdctl (API v3) against the running members and returns its stdout; as root once {@link
   * #enableAuth} ran, unless {@code args} name a {@code --user}.
   */
  public String etcdctl(String... args) {
    return etcdctlWithInput("", args);
  }

  /** Runs etcdctl like {@link #etcdctl} with {@code stdin} as its standard input. */
  public String etcdctlWithInput(String stdin, String... args) {
    checkOpen();
    requireBinary("etcdctl", etcdctlBin);
    String running =
        members.stream()
            .filter(EtcdMember::isRunning)
            .map(EtcdMember::clientUrl)
            .collect(Collectors.joining(","));
    if (running.isEmpty()) {
      throw new IllegalStateException("no etcd member is running");
    }
    List<String> command =
        new ArrayList<>(List.of(etcdctlBin.toString(), "--endpoints=" + running));
    command.addAll(List.of(args));
    return runEtcdctl(command, stdin);
  }

  /**
   * Turns etcd's authentication on with the user {@code root} (password {@code rootPassword}, role
   * {@code root}); every later etcdctl call of this cluster runs as root.
   */
  public void enableAuth(String rootPassword) {
    etcdctlWithInput(rootPassword + "\n", "user", "add", "root", "--interactive=false");
    etcdctl("auth", "enable");
    this.rootPassword = rootPassword;
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

  private EtcdMember member(int i) {
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
    for (EtcdMember member : members) {
      Optional<EtcdMember.Status> status = member.isRunning() ? member.status() : Optional.empty();
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

  private void awaitHealthy(List<EtcdMember> starting, boolean retryBind) {
    long deadline = deadline(START_TIMEOUT);
    long bindDeadline = deadline(BIND_RETRY);
    Set<EtcdMember> pending = new LinkedHashSet<>(starting);
    while (!pending.isEmpty()) {
      for (EtcdMember member : List.copyOf(pending)) {
        if (!member.isRunning()) {
          relaunchOrFail(member, retryBind && System.nanoTime() < bindDeadline);
        } else if (member.status().map(EtcdMember.Status::hasLeader).orElse(false)) {
          pending.remove(member);
        }
      }
      if (!pending.isEmpty() && System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "etcd members not healthy after " + START_TIMEOUT + EtcdMember.logTails(pending));
      }
      pause();
    }
  }

  private void relaunchOrFail(EtcdMember member, boolean mayRetry) {
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
            + EtcdMember.logTails(List.of(member));
    throw clash ? new PortClashException(message) : new IllegalStateException(message);
  }

  private String runEtcdctl(List<String> command, String stdin) {
    try {
      Path out = Files.createTempFile(root, "etcdctl-", ".out");
      Path err = Files.createTempFile(root, "etcdctl-", ".err");
      ProcessBuilder builder =
          new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
      builder.environment().put("ETCDCTL_API", "3");
      String password = rootPassword;
      if (password != null && command.stream().noneMatch(arg -> arg.startsWith("--user"))) {
        // In the environment, not on the command line that failures quote.
        builder.environment().put("ETCDCTL_USER", "root");
        builder.environment().put("ETCDCTL_PASSWORD", password);
      }
      Process process = builder.start();
      try (var in = process.getOutputStream()) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      } catch (IOException e) {
        // It exited without reading its input; its exit code and stderr below say why.
      }
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

  private static Path binary(String envVar, Path fallback) {
    String value = System.getenv(envVar);
    return value == null || value.isBlank() ? fallback : Path.of(value);
  }

  private static void requireBinary(String name, Path binary) {
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException(name + " not found at " + binary + ": " + INSTALL_HINT);
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

  private static final class PortClashException extends IllegalStateException {
    PortClashException(String message) {
      super(message);
    }
  }
}
