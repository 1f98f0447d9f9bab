package dev.halo.chaos;

import dev.halo.common.Names;
import dev.halo.sandbox.AgentHandle;
import dev.halo.sandbox.AgentProcess;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds every agent exit the kubelet reported (the agent container terminated, in {@code state} or
 * in {@code lastState} after a restart), once each, and keeps each agent process's last log lines
 * from the moment it exited (the kubelet deletes the log when it restarts the agent). An exit the
 * kubelet reports as "agent exited" was caused by no fault: the campaign's kills and the pod stops
 * carry their own message.
 */
final class AgentExits {
  /** The message the kubelet gives an agent that ended by itself (crash, OOM, exit). */
  static final String UNCAUSED = "agent exited";

  static final int LAST_LINES = 20;

  /** One exit of a pod's agent. */
  record Exit(String pod, int exitCode, String reason, String message, List<String> lastLines) {
    boolean causedByAFault() {
      return !UNCAUSED.equals(message);
    }
  }

  private final Set<String> seen = ConcurrentHashMap.newKeySet();
  private final Set<Long> followed = ConcurrentHashMap.newKeySet();
  private final Map<String, List<String>> lastLines = new ConcurrentHashMap<>();

  /** Remembers {@code agent}'s last log lines when its process exits. */
  void follow(String pod, AgentHandle agent) {
    if (agent instanceof AgentProcess p && followed.add(p.pid())) {
      p.onExit().thenRun(() -> lastLines.put(pod, tail(p.output())));
    }
  }

  /** The exits in {@code pods}' statuses not reported before. */
  List<Exit> newExits(List<Pod> pods) {
    List<Exit> exits = new ArrayList<>();
    for (Pod pod : pods) {
      if (pod.getStatus() == null) {
        continue;
      }
      String name = pod.getMetadata().getName();
      for (ContainerStatus c : pod.getStatus().getContainerStatuses()) {
        if (!Names.AGENT_CONTAINER.equals(c.getName())) {
          continue;
        }
        terminated(c).stream()
            .filter(t -> seen.add(pod.getMetadata().getUid() + " " + t.getContainerID()))
            .map(
                t ->
                    new Exit(
                        name,
                        Optional.ofNullable(t.getExitCode()).orElse(-1),
                        t.getReason(),
                        t.getMessage(),
                        lastLines.getOrDefault(name, List.of("(no log kept)"))))
            .forEach(exits::add);
      }
    }
    return exits;
  }

  private static List<ContainerStateTerminated> terminated(ContainerStatus c) {
    List<ContainerStateTerminated> out = new ArrayList<>();
    if (c.getLastState() != null && c.getLastState().getTerminated() != null) {
      out.add(c.getLastState().getTerminated());
    }
    if (c.getState() != null && c.getState().getTerminated() != null) {
      out.add(c.getState().getTerminated());
    }
    return out;
  }

  static List<String> tail(String output) {
    List<String> lines = output.lines().toList();
    return List.copyOf(lines.subList(Math.max(0, lines.size() - LAST_LINES), lines.size()));
  }
}
