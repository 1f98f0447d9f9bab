package dev.halo.etcd;

import dev.halo.agent.RoleState;
import dev.halo.sandbox.AgentEnv;
import dev.halo.sandbox.InProcessAgent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** In-process agents with their role histories (every role change), and Secret-like volumes. */
final class SecuredAgents implements AutoCloseable {
  private final List<InProcessAgent> agents = new ArrayList<>();
  private final Map<String, List<RoleState.Transition>> histories =
      new java.util.concurrent.ConcurrentHashMap<>();

  InProcessAgent start(AgentEnv env) {
    InProcessAgent agent = InProcessAgent.start(env);
    List<RoleState.Transition> history = new CopyOnWriteArrayList<>();
    agent.agent().onTransition(history::add);
    histories.put(env.member(), history);
    agents.add(agent);
    return agent;
  }

  List<RoleState.Transition> history(String member) {
    return histories.get(member);
  }

  static String field(InProcessAgent agent, String name) {
    // Empty while the agent's HTTP API does not answer (yet).
    return agent.status().map(s -> String.valueOf(s.get(name))).orElse("");
  }

  /**
   * Writes {@code files} (name to content source) into a new timestamped directory of {@code
   * volume} and points {@code volume/..data} at it with an atomic rename, as the kubelet updates a
   * Secret volume; {@code volume/<name>} are symlinks through {@code ..data}.
   */
  static void project(Path volume, Map<String, Path> files) {
    try {
      Files.createDirectories(volume);
      Path version = Files.createTempDirectory(volume, "..v");
      for (Map.Entry<String, Path> file : files.entrySet()) {
        Files.copy(file.getValue(), version.resolve(file.getKey()));
      }
      Path link = volume.resolve("..data_tmp");
      Files.deleteIfExists(link);
      Files.createSymbolicLink(link, version.getFileName());
      Files.move(
          link,
          volume.resolve("..data"),
          java.nio.file.StandardCopyOption.ATOMIC_MOVE,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      for (String name : files.keySet()) {
        Path visible = volume.resolve(name);
        if (!Files.isSymbolicLink(visible)) {
          Files.createSymbolicLink(visible, Path.of("..data").resolve(name));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    agents.forEach(InProcessAgent::close);
  }
}
