package dev.halo.sandbox;

import dev.halo.common.Names;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the workload containers of a pod that asks for it ({@link WorkloadCommand#requested}) as
 * local processes: starts them, notices their end and restarts them per the pod's {@code
 * restartPolicy} with a capped doubling delay, runs their readiness probes, and stops them (with
 * the processes they started) when the pod stops. Whatever it started and did not stop is killed at
 * {@link #close}.
 */
final class WorkloadRunner implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WorkloadRunner.class);
  private static final Duration MAX_RESTART_DELAY = Duration.ofSeconds(30);
  private static final Duration DEFAULT_RESTART_DELAY = Duration.ofSeconds(1);
  private static final int PROBE_FAILURE_THRESHOLD = 3;
  private static final int DEFAULT_PERIOD_SECONDS = 10;

  private final AgentEnvResolver envResolver;
  private final PodApiWriter api;
  private final ExecutorService exec;
  private final ScheduledExecutorService timer;
  private final AtomicBoolean closed;
  private final Duration firstRestartDelay;
  private final Set<WorkloadProcess> started = ConcurrentHashMap.newKeySet();
  private final ProcessPeers peers;

  WorkloadRunner(
      AgentEnvResolver envResolver,
      PodApiWriter api,
      ExecutorService exec,
      ScheduledExecutorService timer,
      AtomicBoolean closed,
      Optional<Duration> restartDelay,
      Path peersFile) {
    this.envResolver = envResolver;
    this.api = api;
    this.exec = exec;
    this.timer = timer;
    this.closed = closed;
    this.firstRestartDelay = restartDelay.orElse(DEFAULT_RESTART_DELAY);
    this.peers = new ProcessPeers(peersFile);
  }

  /**
   * Starts a process for each workload container whose program is on this machine, when the pod
   * asks for it (caller holds the pod); the others keep the demo workload. The containers of a pod
   * share one network, so each process is told every container's local ports; and paths under a
   * container's mount paths, in its environment and arguments, point at the pod's volume
   * directories.
   */
  void start(KubeletPod rt, Path podDir) throws IOException {
    if (!WorkloadCommand.requested(rt.pod)) {
      return;
    }
    Map<Container, Path> programs = new LinkedHashMap<>();
    Map<String, Map<Integer, Integer>> portsByContainer = new LinkedHashMap<>();
    for (Container c : rt.pod.getSpec().getContainers()) {
      if (Names.AGENT_CONTAINER.equals(c.getName())) {
        continue; // the agent keeps its own runner
      }
      Optional<Path> program = WorkloadCommand.program(c, System.getenv("PATH"));
      if (program.isEmpty()) {
        log.atInfo()
            .addKeyValue("pod", rt.name)
            .addKeyValue("container", c.getName())
            .addKeyValue("command", c.getCommand())
            .log("kubelet: no command on this machine, the container runs the demo workload");
        continue;
      }
      programs.put(c, program.get());
      Map<Integer, Integer> ports = new LinkedHashMap<>();
      for (ContainerPort port : c.getPorts()) {
        ports.putIfAbsent(port.getContainerPort(), FreePorts.pick());
      }
      portsByContainer.put(c.getName(), ports);
    }
    Map<String, String> podVariables = new LinkedHashMap<>();
    podVariables.put(WorkloadCommand.PEERS_VARIABLE, peers.file().toString());
    for (Container c : programs.keySet()) {
      podVariables.putAll(
          WorkloadCommand.namedPortEnv(c.getPorts(), portsByContainer.get(c.getName())));
    }
    Map<String, WorkloadProcess> processes = new LinkedHashMap<>();
    for (Map.Entry<Container, Path> entry : programs.entrySet()) {
      Container c = entry.getKey();
      WorkloadProcess wp =
          plan(rt, c, entry.getValue(), podDir, portsByContainer.get(c.getName()), podVariables);
      processes.put(c.getName(), wp);
      try {
        wp.start();
      } catch (IOException e) {
        startFailed(rt, wp, e);
        continue;
      }
      started.add(wp);
      log.atInfo()
          .addKeyValue("pod", rt.name)
          .addKeyValue("container", c.getName())
          .addKeyValue("argv", wp.argv)
          .addKeyValue("ports", wp.ports)
          .addKeyValue("pid", wp.pid().orElse(-1))
          .log("kubelet: started workload process");
    }
    rt.processes = processes;
    Map<Integer, Integer> podPorts = new LinkedHashMap<>();
    portsByContainer.values().forEach(podPorts::putAll);
    peers.put(rt.name, podPorts);
  }

  private WorkloadProcess plan(
      KubeletPod rt,
      Container c,
      Path program,
      Path podDir,
      Map<Integer, Integer> ports,
      Map<String, String> podVariables) {
    Map<String, Path> mounts = ProcessVolumes.mounts(c, rt.processVolumeDirs);
    Map<String, String> containerEnv = envResolver.containerEnv(rt, c, podVariables);
    containerEnv.replaceAll((name, value) -> AgentEnvResolver.toLocalMount(value, mounts));
    Map<String, String> env =
        WorkloadCommand.processEnv(
            rt.name, System.getenv(), containerEnv, WorkloadCommand.portEnv(c.getPorts(), ports));
    List<String> argv = new ArrayList<>(WorkloadCommand.argv(program, c, env, ports));
    argv.replaceAll(arg -> AgentEnvResolver.toLocalMount(arg, mounts));
    return new WorkloadProcess(
        c.getName(),
        argv,
        env,
        podDir,
        podDir.resolve(c.getName() + ".log"),
        ports,
        Optional.ofNullable(c.getReadinessProbe()).map(p -> withLocalPaths(p, mounts)));
  }

  /** An exec probe's command with paths under the container's mounts made local, as argv's. */
  static Probe withLocalPaths(Probe probe, Map<String, Path> mounts) {
    if (probe.getExec() == null || probe.getExec().getCommand() == null) {
      return probe;
    }
    List<String> command = new ArrayList<>(probe.getExec().getCommand());
    command.replaceAll(arg -> AgentEnvResolver.toLocalMount(arg, mounts));
    return new ProbeBuilder(probe).withNewExec().withCommand(command).endExec().build();
  }

  /**
   * One probe round for the pod's processes: records an ended one (and schedules its restart per
   * the restart policy), runs readiness probes that are due. Returns whether the status changed.
   */
  boolean check(KubeletPod rt, long probePeriodNanos) {
    List<WorkloadProcess> due = new ArrayList<>();
    boolean changed = false;
    synchronized (rt) {
      if (rt.phase != KubeletPod.Phase.RUNNING) {
        return false;
      }
      for (WorkloadProcess wp : rt.processes.values()) {
        if (wp.exitedUnnoticed()) {
          wp.recordExit(rt.containerId(wp.container, wp.restartCount));
          changed = true;
          log.atWarn()
              .addKeyValue("pod", rt.name)
              .addKeyValue("container", wp.container)
              .addKeyValue("exitCode", wp.termination.getExitCode())
              .addKeyValue("output", wp.output)
              .log("kubelet: workload process exited");
          scheduleRestart(rt, wp);
        } else if (wp.running() && probeDue(wp, probePeriodNanos)) {
          due.add(wp);
        }
      }
    }
    for (WorkloadProcess wp : due) {
      boolean passed =
          wp.readiness
              .map(p -> WorkloadProbe.passes(p, wp, declaredPorts(rt, wp.container)))
              .orElse(true);
      synchronized (rt) {
        wp.lastProbeNanos = System.nanoTime();
        if (!wp.running()) {
          continue;
        }
        wp.probeFailures = passed ? 0 : wp.probeFailures + 1;
        boolean ready = passed || (wp.ready && wp.probeFailures < PROBE_FAILURE_THRESHOLD);
        if (ready != wp.ready) {
          wp.ready = ready;
          changed = true;
          log.atInfo()
              .addKeyValue("pod", rt.name)
              .addKeyValue("container", wp.container)
              .addKeyValue("ready", ready)
              .log("kubelet: workload process readiness changed");
        }
      }
    }
    return changed;
  }

  // Not ready yet: every probe period, so a fresh process is ready as soon as it answers; ready:
  // every periodSeconds of its probe.
  private static boolean probeDue(WorkloadProcess wp, long probePeriodNanos) {
    long period =
        wp.ready
            ? TimeUnit.SECONDS.toNanos(
                wp.readiness
                    .map(p -> p.getPeriodSeconds())
                    .filter(s -> s != null && s > 0)
                    .orElse(DEFAULT_PERIOD_SECONDS))
            : probePeriodNanos;
    return System.nanoTime() - wp.lastProbeNanos >= period;
  }

  private static List<ContainerPort> declaredPorts(KubeletPod rt, String container) {
    return rt.pod.getSpec().getContainers().stream()
        .filter(c -> c.getName().equals(container))
        .findFirst()
        .map(Container::getPorts)
        .orElse(List.of());
  }

  /** Restart per the pod's restartPolicy (Always by default), after a doubling delay. */
  private void scheduleRestart(KubeletPod rt, WorkloadProcess wp) {
    String policy = rt.pod.getSpec().getRestartPolicy();
    boolean restart =
        policy == null
            || "Always".equals(policy)
            || "OnFailure".equals(policy) && wp.termination.getExitCode() != 0;
    if (!restart || wp.restartScheduled) {
      return;
    }
    wp.restartScheduled = true;
    long delay =
        Math.min(
            MAX_RESTART_DELAY.toMillis(),
            firstRestartDelay.toMillis() << Math.min(20, Math.max(0, wp.crashes - 1)));
    timer.schedule(() -> submit(rt, wp), delay, TimeUnit.MILLISECONDS);
  }

  private void submit(KubeletPod rt, WorkloadProcess wp) {
    try {
      exec.execute(() -> restart(rt, wp));
    } catch (RejectedExecutionException e) {
      log.atDebug().addKeyValue("pod", rt.name).log("kubelet: closed, restart dropped");
    }
  }

  private void restart(KubeletPod rt, WorkloadProcess wp) {
    synchronized (rt) {
      if (closed.get() || rt.phase != KubeletPod.Phase.RUNNING || wp.running()) {
        return;
      }
      try {
        wp.restartCount++;
        wp.start();
        started.add(wp);
        log.atInfo()
            .addKeyValue("pod", rt.name)
            .addKeyValue("container", wp.container)
            .addKeyValue("restartCount", wp.restartCount)
            .addKeyValue("pid", wp.pid().orElse(-1))
            .log("kubelet: restarted workload process");
      } catch (IOException e) {
        startFailed(rt, wp, e);
      }
      api.writeStatus(rt);
    }
  }

  /** The program cannot be started: reported terminated (StartError), retried per the policy. */
  private void startFailed(KubeletPod rt, WorkloadProcess wp, IOException e) {
    log.atWarn()
        .addKeyValue("pod", rt.name)
        .addKeyValue("container", wp.container)
        .addKeyValue("argv", wp.argv)
        .addKeyValue("error", e.getMessage())
        .log("kubelet: cannot start workload process; check the container's command");
    wp.recordStartError(rt.containerId(wp.container, wp.restartCount), e.getMessage());
    wp.restartScheduled = false;
    scheduleRestart(rt, wp);
  }

  /** Each pod whose processes run, with the local port of its container port {@code port}. */
  Map<String, Integer> localPorts(int port) {
    return peers.localPorts(port);
  }

  /**
   * Stops the pod's processes (caller holds the pod): SIGTERM, SIGKILL after {@code grace}; the pod
   * leaves the peers file.
   */
  void stop(KubeletPod rt, Duration grace) {
    forget(rt);
    for (WorkloadProcess wp : rt.processes.values()) {
      stop(rt, wp, grace);
    }
  }

  /** Stops one of the pod's processes (caller holds the pod): SIGTERM, SIGKILL after grace. */
  void stop(KubeletPod rt, WorkloadProcess wp, Duration grace) {
    boolean killed = wp.stop(grace);
    if (wp.running()) {
      wp.recordExit(rt.containerId(wp.container, wp.restartCount));
    }
    started.remove(wp);
    log.atInfo()
        .addKeyValue("pod", rt.name)
        .addKeyValue("container", wp.container)
        .addKeyValue("killed", killed)
        .log("kubelet: stopped workload process");
  }

  /** Takes the pod out of the peers file (its processes stop). */
  void forget(KubeletPod rt) {
    if (!rt.processes.isEmpty()) {
      peers.remove(rt.name);
    }
  }

  /** Kills whatever it started and no pod stopped (orphaned or force-deleted pods' processes). */
  @Override
  public void close() {
    for (WorkloadProcess wp : List.copyOf(started)) {
      wp.stop(Duration.ZERO);
    }
    started.clear();
  }
}
