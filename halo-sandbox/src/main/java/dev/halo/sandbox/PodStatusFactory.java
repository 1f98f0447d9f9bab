package dev.halo.sandbox;

import dev.halo.common.Names;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStateTerminatedBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/** Builds the status a kubelet reports for a pod from what the kubelet knows of it (no I/O). */
final class PodStatusFactory {
  private PodStatusFactory() {}

  /** An API timestamp: RFC 3339, whole seconds. */
  static String timestamp(Instant instant) {
    return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
  }

  /** The pod's whole status; keeps a condition's transition time while its value holds. */
  static PodStatus status(KubeletPod rt) {
    if (rt.phase == KubeletPod.Phase.PENDING) {
      return pending(rt);
    }
    boolean stopped = rt.phase == KubeletPod.Phase.TERMINATED;
    boolean demoReady = !stopped && rt.workload != null && rt.workload.healthy.get();
    boolean workloadReady = demoReady && rt.processesReady();
    boolean agentIsReady = rt.agentContainer == null || (rt.agentRunning() && rt.agentReady);
    boolean ready = workloadReady && agentIsReady;
    List<ContainerStatus> statuses = new ArrayList<>();
    for (Container c : rt.pod.getSpec().getContainers()) {
      WorkloadProcess process = rt.processes.get(c.getName());
      statuses.add(
          Names.AGENT_CONTAINER.equals(c.getName())
              ? agentStatus(rt, c)
              : process != null
                  ? processStatus(rt, c, process)
                  : workloadStatus(rt, c, demoReady, stopped));
    }
    List<ContainerStatus> initStatuses = new ArrayList<>();
    for (Container c : rt.pod.getSpec().getInitContainers()) {
      initStatuses.add(initStatus(rt, c));
    }
    return new PodStatusBuilder()
        .withPhase(stopped ? terminalPhase(statuses) : "Running")
        .withPodIP(KubeletPod.IP)
        .addNewPodIP(KubeletPod.IP)
        .withHostIP(KubeletPod.IP)
        .addNewHostIP(KubeletPod.IP)
        .withStartTime(timestamp(rt.startTime))
        .withQosClass("BestEffort")
        .withConditions(
            condition(rt, "PodScheduled", true),
            condition(rt, "Initialized", true),
            condition(rt, "ContainersReady", ready),
            condition(rt, "Ready", ready))
        .withContainerStatuses(statuses)
        .withInitContainerStatuses(initStatuses)
        .build();
  }

  /**
   * A pod whose volumes cannot be set up: Pending, scheduled, every container waiting in
   * ContainerCreating, as a kubelet reports it until the mount succeeds.
   */
  private static PodStatus pending(KubeletPod rt) {
    List<ContainerStatus> statuses = new ArrayList<>();
    for (Container c : rt.pod.getSpec().getContainers()) {
      statuses.add(
          new ContainerStatusBuilder()
              .withName(c.getName())
              .withImage(c.getImage())
              .withImageID("")
              .withReady(false)
              .withStarted(false)
              .withRestartCount(0)
              .withState(
                  new ContainerStateBuilder()
                      .withNewWaiting()
                      .withReason("ContainerCreating")
                      .endWaiting()
                      .build())
              .build());
    }
    return new PodStatusBuilder()
        .withPhase("Pending")
        .withHostIP(KubeletPod.IP)
        .addNewHostIP(KubeletPod.IP)
        .withStartTime(timestamp(rt.startTime))
        .withQosClass("BestEffort")
        .withConditions(
            condition(rt, "PodScheduled", true),
            condition(rt, "Initialized", true),
            condition(rt, "ContainersReady", false),
            condition(rt, "Ready", false))
        .withContainerStatuses(statuses)
        .build();
  }

  private static ContainerStatus initStatus(KubeletPod rt, Container c) {
    return new ContainerStatusBuilder()
        .withName(c.getName())
        .withImage(c.getImage())
        .withImageID("")
        .withContainerID(rt.containerId(c.getName(), 0))
        .withReady(true)
        .withStarted(false)
        .withRestartCount(0)
        .withState(
            new ContainerStateBuilder()
                .withTerminated(
                    new ContainerStateTerminatedBuilder()
                        .withExitCode(0)
                        .withReason("Completed")
                        .withStartedAt(timestamp(rt.startTime))
                        .withFinishedAt(timestamp(rt.startTime))
                        .build())
                .build())
        .build();
  }

  private static String terminalPhase(List<ContainerStatus> statuses) {
    boolean allZero =
        statuses.stream()
            .map(ContainerStatus::getState)
            .map(ContainerState::getTerminated)
            .allMatch(t -> t != null && t.getExitCode() == 0);
    return allZero ? "Succeeded" : "Failed";
  }

  private static PodCondition condition(KubeletPod rt, String type, boolean value) {
    String status = value ? "True" : "False";
    PodCondition previous = rt.conditions.get(type);
    if (previous != null && previous.getStatus().equals(status)) {
      return previous;
    }
    PodCondition next =
        new PodConditionBuilder()
            .withType(type)
            .withStatus(status)
            .withLastTransitionTime(timestamp(Instant.now()))
            .withReason(value ? null : "ContainersNotReady")
            .build();
    rt.conditions.put(type, next);
    return next;
  }

  private static ContainerStatus workloadStatus(
      KubeletPod rt, Container c, boolean ready, boolean stopped) {
    ContainerState state =
        stopped
            ? new ContainerStateBuilder()
                .withTerminated(
                    new ContainerStateTerminatedBuilder()
                        .withContainerID(rt.containerId(c.getName(), 0))
                        .withExitCode(0)
                        .withReason("Completed")
                        .withStartedAt(timestamp(rt.startTime))
                        .withFinishedAt(
                            timestamp(
                                rt.workloadFinishedAt == null
                                    ? Instant.now()
                                    : rt.workloadFinishedAt))
                        .build())
                .build()
            : new ContainerStateBuilder()
                .withNewRunning()
                .withStartedAt(timestamp(rt.startTime))
                .endRunning()
                .build();
    return new ContainerStatusBuilder()
        .withName(c.getName())
        .withImage(c.getImage())
        .withImageID("")
        .withContainerID(rt.containerId(c.getName(), 0))
        .withReady(ready)
        .withStarted(!stopped)
        .withRestartCount(0)
        .withState(state)
        .build();
  }

  /** A workload container run as a process: its own state, readiness and restarts. */
  private static ContainerStatus processStatus(KubeletPod rt, Container c, WorkloadProcess wp) {
    ContainerState state =
        wp.running()
            ? new ContainerStateBuilder()
                .withNewRunning()
                .withStartedAt(timestamp(wp.startedAt))
                .endRunning()
                .build()
            : new ContainerStateBuilder().withTerminated(wp.termination).build();
    ContainerStatusBuilder status =
        new ContainerStatusBuilder()
            .withName(c.getName())
            .withImage(c.getImage())
            .withImageID("")
            .withContainerID(rt.containerId(c.getName(), wp.restartCount))
            .withReady(wp.running() && wp.ready)
            .withStarted(wp.running())
            .withRestartCount(wp.restartCount)
            .withState(state);
    if (wp.lastTermination != null && wp.running()) {
      status.withNewLastState().withTerminated(wp.lastTermination).endLastState();
    }
    return status.build();
  }

  private static ContainerStatus agentStatus(KubeletPod rt, Container c) {
    ContainerStatusBuilder status =
        new ContainerStatusBuilder()
            .withName(c.getName())
            .withImage(c.getImage())
            .withImageID("")
            .withContainerID(rt.containerId(c.getName(), rt.restartCount))
            .withReady(rt.agentRunning() && rt.agentReady)
            .withStarted(rt.agentRunning())
            .withRestartCount(rt.restartCount)
            .withState(agentState(rt));
    if (rt.agentLastTermination != null && rt.agentRunning()) {
      status.withNewLastState().withTerminated(rt.agentLastTermination).endLastState();
    }
    return status.build();
  }

  private static ContainerState agentState(KubeletPod rt) {
    return switch (rt.agentState) {
      case RUNNING ->
          new ContainerStateBuilder()
              .withNewRunning()
              .withStartedAt(timestamp(rt.agentStartedAt))
              .endRunning()
              .build();
      case TERMINATED -> new ContainerStateBuilder().withTerminated(rt.agentTermination).build();
      case WAITING ->
          new ContainerStateBuilder()
              .withNewWaiting()
              .withReason("ContainerCreating")
              .endWaiting()
              .build();
    };
  }
}
