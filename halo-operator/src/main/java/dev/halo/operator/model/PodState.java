package dev.halo.operator.model;

import dev.halo.common.Annotations;
import dev.halo.common.Labels;
import dev.halo.common.Names;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;

/** Reads what a pod's metadata and status say, in the terms the operator decides on. */
public final class PodState {
  private static final String CONTAINER_CREATING = "ContainerCreating";

  private PodState() {}

  public static String name(Pod pod) {
    return pod.getMetadata().getName();
  }

  /** Deletion has started (graceful termination in progress). */
  public static boolean terminating(Pod pod) {
    return pod.getMetadata().getDeletionTimestamp() != null;
  }

  public static boolean failed(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return "Failed".equals(phase) || "Succeeded".equals(phase);
  }

  /** The agent container is not running and has terminated (now or before a pending restart). */
  public static boolean agentTerminated(Pod pod) {
    return agentStatus(pod)
        .filter(s -> s.getState() != null && s.getState().getRunning() == null)
        .filter(
            s ->
                s.getState().getTerminated() != null
                    || (s.getLastState() != null && s.getLastState().getTerminated() != null))
        .isPresent();
  }

  /** The pod can no longer hold leadership: deleting, failed, or its agent is down. */
  public static boolean gone(Pod pod) {
    return terminating(pod) || failed(pod) || agentTerminated(pod);
  }

  /** Why the pod is gone, for events and the failover record. */
  public static String goneReason(Pod pod) {
    if (terminating(pod)) {
      return "podDeleted";
    }
    return failed(pod) ? "podFailed" : "agentTerminated";
  }

  /**
   * Whether the agent container has waited with reason {@code ContainerCreating} since at least
   * {@code since} (pod creation before it): the kubelet has not mounted its volumes, e.g. a missing
   * Secret.
   */
  public static boolean agentStuckCreating(Pod pod, Instant since) {
    boolean creating =
        agentStatus(pod)
            .map(ContainerStatus::getState)
            .map(s -> s.getWaiting())
            .filter(w -> CONTAINER_CREATING.equals(w.getReason()))
            .isPresent();
    return creating && createdBefore(pod, since);
  }

  private static boolean createdBefore(Pod pod, Instant since) {
    String created = pod.getMetadata().getCreationTimestamp();
    try {
      return created != null && !Instant.parse(created).isAfter(since);
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  public static boolean ready(Pod pod) {
    return pod.getStatus() != null
        && pod.getStatus().getConditions() != null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  public static String role(Pod pod) {
    return label(pod, Labels.ROLE);
  }

  public static boolean labelledMaster(Pod pod) {
    return Labels.ROLE_MASTER.equals(role(pod));
  }

  public static String zone(Pod pod) {
    return label(pod, Labels.ZONE);
  }

  public static int index(String group, Pod pod) {
    return Names.podIndex(group, name(pod));
  }

  public static String templateHash(Pod pod) {
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(Annotations.TEMPLATE_HASH);
  }

  private static String label(Pod pod, String key) {
    Map<String, String> labels = pod.getMetadata().getLabels();
    return labels == null ? null : labels.get(key);
  }

  private static Optional<ContainerStatus> agentStatus(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return Optional.empty();
    }
    return pod.getStatus().getContainerStatuses().stream()
        .filter(s -> Names.AGENT_CONTAINER.equals(s.getName()))
        .findFirst();
  }
}
