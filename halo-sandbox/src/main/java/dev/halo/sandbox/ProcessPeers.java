package dev.halo.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where each pod's workload processes listen, in a file every process can read ({@value
 * WorkloadCommand#PEERS_VARIABLE} names it): on a cluster a pod reaches another by its DNS name and
 * the container port; here every pod is 127.0.0.1 and each container port maps to a local port of
 * its own, so a program that follows another pod (a replica following its master) looks up {@code
 * <pod>:<containerPort>} in this file. One {@code <pod>:<containerPort>=127.0.0.1:<local port>} per
 * line, sorted; replaced whole (write and rename), so a reader never sees half a file.
 */
final class ProcessPeers {
  private final Path file;
  private final Map<String, Map<Integer, Integer>> byPod = new TreeMap<>();

  ProcessPeers(Path file) {
    this.file = file;
  }

  Path file() {
    return file;
  }

  /** The pod's processes listen on {@code ports} (container port to local port). */
  synchronized void put(String pod, Map<Integer, Integer> ports) {
    byPod.put(pod, Map.copyOf(ports));
    write();
  }

  /** The pod's processes are stopped. */
  synchronized void remove(String pod) {
    if (byPod.remove(pod) != null) {
      write();
    }
  }

  /** Each pod whose processes run, with the local port of its container port {@code port}. */
  synchronized Map<String, Integer> localPorts(int port) {
    Map<String, Integer> ports = new TreeMap<>();
    byPod.forEach(
        (pod, mapped) -> {
          if (mapped.containsKey(port)) {
            ports.put(pod, mapped.get(port));
          }
        });
    return ports;
  }

  /** The file's content for {@code byPod}. */
  static String render(Map<String, Map<Integer, Integer>> byPod) {
    StringBuilder out = new StringBuilder();
    new TreeMap<>(byPod)
        .forEach(
            (pod, ports) ->
                new TreeMap<>(ports)
                    .forEach(
                        (container, local) ->
                            out.append(pod)
                                .append(':')
                                .append(container)
                                .append('=')
                                .append(KubeletPod.IP)
                                .append(':')
                                .append(local)
                                .append('\n')));
    return out.toString();
  }

  private void write() {
    try {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
      Files.writeString(tmp, render(byPod), StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
