package dev.halo.examples;

import static org.awaitility.Awaitility.await;

import dev.halo.sandbox.Http;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One real {@code redis-server} process on a free loopback port, asked through redis-cli. */
final class RedisNode implements AutoCloseable {
  private final String name;
  private final int port;
  private final Process server;

  private RedisNode(String name, int port, Process server) {
    this.name = name;
    this.port = port;
    this.server = server;
  }

  /** Fails saying how to install them when redis-server or redis-cli is not on the PATH. */
  static void requirePrograms() {
    for (String program : List.of("redis-server", "redis-cli")) {
      if (Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
          .noneMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, program)))) {
        throw new IllegalStateException(
            program
                + " is not installed: run make test (as root it installs redis-server), or sudo"
                + " apt-get install redis-server");
      }
    }
  }

  /** Starts an empty, memory-only Redis and waits until it answers PING. */
  static RedisNode start(String name, Path dir) throws IOException {
    requirePrograms();
    int port = Http.freePort();
    Path data = Files.createDirectories(dir.resolve(name));
    Process server =
        new ProcessBuilder(
                "redis-server",
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                data.toString())
            .redirectErrorStream(true)
            .redirectOutput(data.resolve("redis.log").toFile())
            .start();
    RedisNode node = new RedisNode(name, port, server);
    await().atMost(Duration.ofSeconds(10)).until(() -> node.cli("ping").contains("PONG"));
    return node;
  }

  String name() {
    return name;
  }

  int port() {
    return port;
  }

  /** The fields of {@code INFO replication}, e.g. {@code role}, {@code master_port}. */
  Map<String, String> replication() {
    return replication(port);
  }

  /** The fields of {@code INFO replication} of the Redis on {@code port}; empty if unreachable. */
  static Map<String, String> replication(int port) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String line : cli(port, "info", "replication").split("\r?\n")) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
      }
    }
    return fields;
  }

  /** redis-cli's raw answer to one command, or its error output; empty if it did not run. */
  String cli(String... command) {
    return cli(port, command);
  }

  /** The same for the Redis on {@code port}. */
  static String cli(int port, String... command) {
    List<String> args = new ArrayList<>(List.of("redis-cli", "-p", Integer.toString(port)));
    args.addAll(List.of(command));
    try {
      Process cli = new ProcessBuilder(args).redirectErrorStream(true).start();
      String out = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      cli.waitFor(5, TimeUnit.SECONDS);
      return out.trim();
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  @Override
  public void close() throws InterruptedException {
    server.destroy();
    if (!server.waitFor(5, TimeUnit.SECONDS)) {
      server.destroyForcibly().waitFor();
    }
  }
}
