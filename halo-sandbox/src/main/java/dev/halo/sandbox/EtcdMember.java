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
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * One etcd process slot of an {@link EtcdCluster}: fixed ports, data and log, the latest process.
 */
final class EtcdMember {
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
  private static final int LOG_TAIL_LINES = 20;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofMillis(500))
          .build();

  /** A member's client, peer and TLS client port. */
  record Ports(int client, int peer, int secure) {}

  /** What a member says of itself: its id and the leader it follows (both may be empty). */
  record Status(String memberId, String leaderId) {
    boolean hasLeader() {
      return !leaderId.isEmpty() && !leaderId.equals("0");
    }
  }

  final int index;
  final String name;
  final Path dir;
  final Path dataDir;
  final Path log;
  final int clientPort;
  final int securePort;
  final List<String> command;
  volatile String memberId;
  private volatile Process process;
  private long logOffset;

  EtcdMember(
      int index,
      Path etcdBin,
      Path root,
      Ports ports,
      String advertisedPeerUrl,
      EtcdCluster.Peering peering,
      String initialCluster,
      String token,
      boolean secure,
      List<String> securityFlags) {
    this.index = index;
    this.name = "m" + index;
    // The log lives next to, not in, the data dir: etcd warns about unknown files there.
    this.dir = root.resolve(name);
    this.dataDir = dir.resolve("data");
    this.log = dir.resolve("etcd.log");
    this.clientPort = ports.client();
    this.securePort = secure ? ports.secure() : 0;
    String peerUrl = "http://127.0.0.1:" + ports.peer();
    // A secured member serves https for the clients under test and keeps plaintext on loopback
    // for the harness (health over the JSON gateway, etcdctl as root).
    String clientUrls = clientUrl() + (secure ? "," + secureUrl() : "");
    List<String> base =
        List.of(
            etcdBin.toString(),
            "--name=" + name,
            "--data-dir=" + dataDir,
            "--listen-client-urls=" + clientUrls,
            "--advertise-client-urls=" + clientUrls,
            "--listen-peer-urls=" + peerUrl,
            // What the others dial: this port, or a proxy in front of it.
            "--initial-advertise-peer-urls=" + advertisedPeerUrl,
            "--initial-cluster=" + initialCluster,
            "--initial-cluster-token=" + token,
            // Ignored by etcd once the data dir holds a member, so restarts reuse this command.
            "--initial-cluster-state=new",
            "--heartbeat-interval=" + peering.heartbeatMillis(),
            "--election-timeout=" + peering.electionTimeoutMillis(),
            "--logger=zap",
            "--log-level=warn");
    List<String> all = new ArrayList<>(base);
    all.addAll(securityFlags);
    this.command = List.copyOf(all);
  }

  /** Free client and peer ports for {@code members} members on 127.0.0.1. */
  static List<Ports> freePorts(int members) {
    // All sockets stay open until every port is picked, so no port is handed out twice.
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < 3 * members; i++) {
        sockets.add(new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1")));
      }
      return IntStream.range(0, members)
          .mapToObj(
              i ->
                  new Ports(
                      sockets.get(3 * i).getLocalPort(),
                      sockets.get(3 * i + 1).getLocalPort(),
                      sockets.get(3 * i + 2).getLocalPort()))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      sockets.forEach(EtcdMember::closeQuietly);
    }
  }

  private static void closeQuietly(ServerSocket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // Nothing to do: the port is only a hint for etcd.
    }
  }

  String clientUrl() {
    return "http://127.0.0.1:" + clientPort;
  }

  /** The TLS client URL of a secured member. */
  String secureUrl() {
    return "https://127.0.0.1:" + securePort;
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

  /** The member's status over the JSON gateway; empty when it does not answer (yet). */
  Optional<Status> status() {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(clientUrl() + "/v3/maintenance/status"))
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
      memberId = status.memberId();
      return Optional.of(status);
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while asking " + name + " for status", e);
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

  /** The log tails of failed members, for an error message. */
  static String logTails(Iterable<EtcdMember> failed) {
    StringBuilder message = new StringBuilder();
    for (EtcdMember member : failed) {
      message
          .append("\n--- last lines of ")
          .append(member.log)
          .append(" since the latest start:\n");
      message.append(member.logTail());
    }
    return message.toString();
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
