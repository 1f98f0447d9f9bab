package dev.halo.sandbox;

import dev.halo.common.Names;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateTerminatedBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** Everything the kubelet knows about one pod it runs; guarded by its own monitor. */
final class KubeletPod {
  /** Where the kubelet is with the pod. */
  enum Phase {
    NEW,
    /** Its volumes cannot be set up yet (a missing Secret): nothing runs, the kubelet retries. */
    PENDING,
    RUNNING,
    TERMINATING,
    TERMINATED,
    GONE
  }

  /** Where the pod's agent container is. */
  enum AgentState {
    WAITING,
    RUNNING,
    TERMINATED
  }

  // Every pod runs on this machine: its IP and its host's are both loopback.
  static final String IP = "127.0.0.1";
  private static final long DEFAULT_GRACE_SECONDS = 30;

  final String name;
  final String uid;
  final Pod pod;
  final Container agentContainer;
  final Instant startTime = Instant.now();
  final Map<String, PodCondition> conditions = new HashMap<>();
  Phase phase = Phase.NEW;
  // Why the volumes cannot be set up (PENDING), as the FailedMount event says it.
  String mountFailure;
  // The agent container's mount paths and the local directories they map to.
  Map<String, Path> mounts = Map.of();
  // Each Secret volume's local directory, by volume name.
  Map<String, Path> volumeDirs = Map.of();
  // With workload processes: every volume they can use (Secret, emptyDir, configMap, the role
  // volume), by name (ProcessVolumes).
  Map<String, Path> processVolumeDirs = Map.of();
  DemoWorkload workload;
  // The workload containers run as local processes (WorkloadRunner), by container name.
  Map<String, WorkloadProcess> processes = Map.of();
  Instant workloadFinishedAt;
  AgentHandle agent;
  // With Options.withEtcdProxies(): the pod's own way to each etcd endpoint, for all its agents.
  List<TcpProxy> etcdProxies = List.of();
  AgentState agentState = AgentState.WAITING;
  boolean agentReady;
  int probeFailures;
  long lastReadinessProbeNanos = System.nanoTime() - Long.MAX_VALUE / 2;
  boolean writtenAgentReady;
  boolean writtenWorkloadHealthy = true;
  boolean statusFrozen;
  // The last status write failed for a reason other than the pod being gone.
  boolean statusUnsynced;
  Instant agentStartedAt;
  int restartCount;
  ContainerStateTerminated agentTermination;
  ContainerStateTerminated agentLastTermination;
  // Completed when the kubelet stops: preStop hooks still running are cut short.
  final CompletableFuture<Void> cutHooks = new CompletableFuture<>();
  // Completed once the pod's containers are stopped, for whoever asks to stop it meanwhile.
  final CompletableFuture<Void> terminated = new CompletableFuture<>();

  KubeletPod(Pod pod) {
    this.name = pod.getMetadata().getName();
    this.uid = pod.getMetadata().getUid();
    this.pod = pod;
    this.agentContainer =
        pod.getSpec().getContainers().stream()
            .filter(c -> Names.AGENT_CONTAINER.equals(c.getName()))
            .findFirst()
            .orElse(null);
  }

  /** The pod's terminationGracePeriodSeconds, or Kubernetes' default of 30. */
  static long gracePeriodSeconds(Pod pod) {
    return Optional.ofNullable(pod.getSpec().getTerminationGracePeriodSeconds())
        .orElse(DEFAULT_GRACE_SECONDS);
  }

  /**
   * The grace period of a pod being deleted: its deletionGracePeriodSeconds (the DELETE's
   * gracePeriodSeconds), else its terminationGracePeriodSeconds, else 30.
   */
  static Duration deletionGracePeriod(Pod pod) {
    Long seconds = pod.getMetadata().getDeletionGracePeriodSeconds();
    return Duration.ofSeconds(seconds == null ? gracePeriodSeconds(pod) : seconds);
  }

  Duration gracePeriod() {
    return Duration.ofSeconds(gracePeriodSeconds(pod));
  }

  /**
   * Where the pod takes traffic: the local port of the first workload process that maps a port,
   * else the demo workload's.
   */
  int servicePort() {
    return processes.values().stream()
        .mapToInt(WorkloadProcess::localPort)
        .filter(port -> port > 0)
        .findFirst()
        .orElse(workload == null ? 0 : workload.port());
  }

  /** Whether every workload process is ready (true when there are none). */
  boolean processesReady() {
    return processes.values().stream().allMatch(p -> p.running() && p.ready);
  }

  boolean agentRunning() {
    return agentState == AgentState.RUNNING;
  }

  void agentTerminated(int exitCode, String reason, String message) {
    Instant now = Instant.now();
    agentState = AgentState.TERMINATED;
    agentReady = false;
    agentTermination =
        new ContainerStateTerminatedBuilder()
            .withContainerID(containerId(Names.AGENT_CONTAINER, restartCount))
            .withExitCode(exitCode)
            .withReason(reason)
            .withMessage(message)
            .withStartedAt(
                PodStatusFactory.timestamp(agentStartedAt == null ? now : agentStartedAt))
            .withFinishedAt(PodStatusFactory.timestamp(now))
            .build();
    agentLastTermination = agentTermination;
  }

  String containerId(String container, int restarts) {
    return "halo-sandbox://" + name + "/" + container + "/" + restarts;
  }

  /** Why the pod is not running yet, for a test that waited in vain. */
  String notRunningReason() {
    return "phase "
        + phase
        + (mountFailure == null ? "" : " (" + mountFailure + ")")
        + ", agent "
        + agentState
        + (agentTermination == null ? "" : " (" + agentTermination.getMessage() + ")")
        + ", agent ready "
        + agentReady
        + (agent instanceof AgentProcess p ? "\nagent output:\n" + p.output() : "");
  }
}
