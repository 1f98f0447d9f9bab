package dev.halo.sandbox;

import dev.halo.common.Labels;
import dev.halo.sandbox.LocalKubelet.Options;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kubelet's pods from start to end: what the informer reports becomes a started workload and
 * agent, a restart per the restart policy, or a graceful stop that lets go of the pod object.
 */
final class PodLifecycle {
  private static final Logger log = LoggerFactory.getLogger(PodLifecycle.class);

  private final String namespace;
  private final Options options;
  private final Path root;
  private final AgentRunner agents;
  private final WorkloadRunner processes;
  private final SecretVolumes volumes;
  private final ProcessVolumes processVolumes;
  private final PodApiWriter api;
  private final ExecutorService exec;
  private final ScheduledExecutorService timer;
  private final AtomicBoolean closed;
  private final ContainerStops stops;
  private final ConcurrentHashMap<String, KubeletPod> pods = new ConcurrentHashMap<>();
  // Pods already stopped: a late event about one of them must not start it again.
  private final Set<String> finishedUids = ConcurrentHashMap.newKeySet();

  PodLifecycle(
      String namespace,
      Options options,
      Path root,
      AgentRunner agents,
      WorkloadRunner processes,
      SecretVolumes volumes,
      ProcessVolumes processVolumes,
      PodApiWriter api,
      ExecutorService exec,
      ScheduledExecutorService timer,
      AtomicBoolean closed) {
    this.namespace = namespace;
    this.options = options;
    this.root = root;
    this.agents = agents;
    this.processes = processes;
    this.volumes = volumes;
    this.processVolumes = processVolumes;
    this.api = api;
    this.exec = exec;
    this.timer = timer;
    this.closed = closed;
    this.stops = new ContainerStops(agents, processes, api, exec);
  }

  /** The pods the kubelet runs now. */
  Collection<KubeletPod> all() {
    return pods.values();
  }

  /** The pod of that name, or null. */
  KubeletPod get(String pod) {
    return pods.get(pod);
  }

  /** The pod of that name; throws naming the pods it runs when there is none. */
  KubeletPod runtime(String pod) {
    KubeletPod rt = pods.get(pod);
    if (rt == null) {
      throw new NoSuchElementException(
          "the kubelet runs no pod "
              + pod
              + " in "
              + namespace
              + " (it runs "
              + pods.keySet()
              + ")");
    }
    return rt;
  }

  /** The role file of the pod of that name the kubelet runs now (where it would be, if none). */
  Path roleFile(String pod) {
    KubeletPod rt = pods.get(pod);
    return rt == null ? root.resolve(pod).resolve("role") : roleFile(rt);
  }

  // Each pod object gets a directory of its own, as an emptyDir volume is: an orphaned pod's
  // agent (disown) may still write its files while a new pod of the same name runs.
  private Path podDir(KubeletPod rt) {
    return root.resolve(rt.name).resolve(rt.uid);
  }

  private Path roleFile(KubeletPod rt) {
    return podDir(rt).resolve("role");
  }

  /**
   * The demo's fenced store that the pods of one group share (a pod without a group label has its
   * own); a name no pod can have, as pod names never start with a dot.
   */
  Path storeFile(KubeletPod rt) {
    String group =
        rt.pod.getMetadata().getLabels() == null
            ? null
            : rt.pod.getMetadata().getLabels().get(Labels.GROUP);
    return root.resolve(".fenced-store").resolve(group == null ? rt.name : group);
  }

  void onPodSeen(Pod pod) {
    if (closed.get()) {
      return;
    }
    String name = pod.getMetadata().getName();
    String uid = pod.getMetadata().getUid();
    if (finishedUids.contains(uid)) {
      // Stopping or stopped; terminate() lets go of the pod itself once the agent is down.
      return;
    }
    if (pod.getMetadata().getDeletionTimestamp() != null) {
      onPodTerminating(pod);
      return;
    }
    AtomicReference<KubeletPod> replaced = new AtomicReference<>();
    AtomicBoolean created = new AtomicBoolean();
    KubeletPod rt =
        pods.compute(
            name,
            (k, existing) -> {
              if (existing != null && existing.uid.equals(uid)) {
                return existing;
              }
              replaced.set(existing);
              created.set(true);
              return new KubeletPod(pod);
            });
    if (created.get()) {
      run(
          "start " + name,
          () -> {
            if (replaced.get() != null) {
              terminate(replaced.get(), false, replaced.get().gracePeriod());
            }
            startPod(rt);
          });
    }
  }

  private void onPodTerminating(Pod pod) {
    String name = pod.getMetadata().getName();
    String uid = pod.getMetadata().getUid();
    KubeletPod rt = pods.get(name);
    if (rt != null && rt.uid.equals(uid)) {
      Duration grace = KubeletPod.deletionGracePeriod(pod);
      run("terminate " + name, () -> terminate(rt, true, grace));
    } else if (rt == null && pod.getMetadata().getFinalizers().contains(LocalKubelet.FINALIZER)) {
      run("release " + name, () -> api.removeFinalizer(name, uid));
    }
  }

  /**
   * Lets go of the pod without stopping anything: its agent and workload run on, unmanaged (no
   * status, probe, restart or stop), and later events about that pod object are ignored. Returns
   * what the pod ran.
   */
  KubeletPod abandon(String pod) {
    KubeletPod rt = runtime(pod);
    synchronized (rt) {
      finishedUids.add(rt.uid);
      pods.remove(pod, rt);
      rt.phase = KubeletPod.Phase.GONE;
    }
    return rt;
  }

  void onPodGone(Pod pod) {
    String name = pod.getMetadata().getName();
    KubeletPod rt = pods.get(name);
    if (rt != null && rt.uid.equals(pod.getMetadata().getUid())) {
      log.atInfo().addKeyValue("pod", name).log("kubelet: pod deleted");
      run("stop " + name, () -> terminate(rt, false, rt.gracePeriod()));
    }
  }

  /** Runs pod work off the informer thread, logging what fails (nobody waits for it). */
  void run(String what, Runnable task) {
    try {
      exec.execute(
          () -> {
            try {
              task.run();
            } catch (RuntimeException e) {
              log.atError().setCause(e).addKeyValue("task", what).log("kubelet: task failed");
            }
          });
    } catch (RejectedExecutionException e) {
      log.atDebug().addKeyValue("task", what).log("kubelet: closed, task dropped");
    }
  }

  private void startPod(KubeletPod rt) {
    synchronized (rt) {
      boolean retry = rt.phase == KubeletPod.Phase.PENDING;
      if (rt.phase != KubeletPod.Phase.NEW && !retry || closed.get()) {
        return;
      }
      if (!retry && options.gracefulDeletion() && !api.addFinalizer(rt)) {
        rt.phase = KubeletPod.Phase.GONE;
        finishedUids.add(rt.uid);
        pods.remove(rt.name, rt);
        return;
      }
      if (!mountVolumes(rt)) {
        return;
      }
      try {
        Files.createDirectories(podDir(rt));
        rt.workload =
            options.workloadServers()
                ? DemoWorkload.start(rt.name, roleFile(rt), storeFile(rt))
                : DemoWorkload.serverless(rt.name, roleFile(rt));
        processes.start(rt, podDir(rt));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start the workload of " + rt.name, e);
      }
      rt.phase = KubeletPod.Phase.RUNNING;
      log.atInfo()
          .addKeyValue("pod", rt.name)
          .addKeyValue("port", rt.workload.port())
          .log("kubelet: started workload");
      if (rt.agentContainer != null) {
        agents.start(rt, roleFile(rt));
      }
      api.writeStatus(rt);
    }
  }

  /**
   * Sets up the pod's Secret volumes, and with workload processes the others they use (caller holds
   * the pod); when one cannot be, leaves the pod Pending with a FailedMount Warning event, as a
   * kubelet does, until {@link #retryPending}.
   */
  private boolean mountVolumes(KubeletPod rt) {
    try {
      volumes.setUp(rt, podDir(rt));
      if (WorkloadCommand.requested(rt.pod)) {
        processVolumes.setUp(rt, podDir(rt));
      }
    } catch (SecretVolumes.MountException e) {
      boolean changed = !e.getMessage().equals(rt.mountFailure);
      rt.phase = KubeletPod.Phase.PENDING;
      rt.mountFailure = e.getMessage();
      if (changed) {
        log.atWarn()
            .addKeyValue("pod", rt.name)
            .addKeyValue("error", e.getMessage())
            .log("kubelet: cannot mount a volume; the pod waits in ContainerCreating");
        api.failedMount(rt, e.getMessage());
        api.writeStatus(rt);
      }
      return false;
    }
    if (rt.mountFailure != null) {
      log.atInfo().addKeyValue("pod", rt.name).log("kubelet: volumes mounted after all");
      rt.mountFailure = null;
    }
    return true;
  }

  /** Tries again to start the pods whose volumes could not be set up. */
  void retryPending() {
    for (KubeletPod rt : pods.values()) {
      if (rt.phase == KubeletPod.Phase.PENDING) {
        run("mount volumes of " + rt.name, () -> startPod(rt));
      }
    }
  }

  /** A Secret was created or changed: pods waiting for it start, running pods get its files. */
  void onSecretChanged(String secret) {
    for (KubeletPod rt : pods.values()) {
      if (!SecretVolumes.secretNames(rt).contains(secret)) {
        continue;
      }
      run(
          "sync secret " + secret + " of " + rt.name,
          () -> {
            synchronized (rt) {
              if (rt.phase == KubeletPod.Phase.PENDING) {
                startPod(rt);
              } else if (rt.phase == KubeletPod.Phase.RUNNING) {
                volumes.refresh(rt, secret);
              }
            }
          });
    }
  }

  /** A container restart (caller holds the pod): restartCount up, last termination kept. */
  void restartAgent(KubeletPod rt) {
    if (rt.agentRunning()) {
      agents.stop(rt, "restart");
    }
    AgentRunner.releaseDead(rt);
    rt.restartCount++;
    rt.statusFrozen = false;
    agents.start(rt, roleFile(rt));
  }

  /** With {@link Options#withAgentRestarts}, restarts the pod's dead agent after the delay. */
  void scheduleRestart(KubeletPod rt) {
    options
        .agentRestartDelay()
        .ifPresent(
            delay ->
                timer.schedule(
                    () -> run("restart agent of " + rt.name, () -> restartDeadAgent(rt)),
                    delay.toMillis(),
                    TimeUnit.MILLISECONDS));
  }

  private void restartDeadAgent(KubeletPod rt) {
    synchronized (rt) {
      if (closed.get()
          || pods.get(rt.name) != rt
          || rt.phase != KubeletPod.Phase.RUNNING
          || rt.agentState != KubeletPod.AgentState.TERMINATED) {
        return;
      }
      AgentRunner.releaseDead(rt);
      rt.restartCount++;
      agents.start(rt, roleFile(rt));
      log.atInfo()
          .addKeyValue("pod", rt.name)
          .addKeyValue("restartCount", rt.restartCount)
          .log("kubelet: restarted the dead agent");
      api.writeStatus(rt);
    }
  }

  /**
   * Stops a pod's containers as a kubelet does ({@link ContainerStops}: preStop hooks, then the
   * agent and workload, within {@code grace}). With {@code podExists} it reports the containers
   * terminated and lets go of the pod object (removes the finalizer); either way the pod leaves the
   * kubelet. A second call while the pod stops waits for the first.
   */
  void terminate(KubeletPod rt, boolean podExists, Duration grace) {
    boolean first;
    synchronized (rt) {
      if (rt.phase == KubeletPod.Phase.TERMINATED || rt.phase == KubeletPod.Phase.GONE) {
        return;
      }
      if (closed.get()) {
        rt.cutHooks.complete(null); // kubelet shutdown waits for no hook
      }
      first = rt.phase != KubeletPod.Phase.TERMINATING;
      rt.phase = KubeletPod.Phase.TERMINATING;
      rt.statusFrozen = false;
      finishedUids.add(rt.uid);
    }
    if (first) {
      stopContainers(rt, podExists, grace);
    } else {
      rt.terminated.join();
    }
  }

  private void stopContainers(KubeletPod rt, boolean podExists, Duration grace) {
    try {
      stops.stop(rt, grace);
      synchronized (rt) {
        rt.phase = KubeletPod.Phase.TERMINATED;
        rt.volumeDirs.values().forEach(PodLifecycle::deleteQuietly);
        if (podExists && !closed.get()) {
          api.writeStatus(rt);
        }
      }
      pods.remove(rt.name, rt);
      if (podExists && !closed.get()) {
        api.removeFinalizer(rt.name, rt.uid);
      }
    } finally {
      rt.terminated.complete(null);
    }
  }

  private static void deleteQuietly(Path dir) {
    try {
      TempFiles.deleteRecursively(dir);
    } catch (UncheckedIOException e) {
      log.atDebug().addKeyValue("dir", dir).log("kubelet: volume not deleted");
    }
  }

  /**
   * Stops every pod it runs (the kubelet is closed), in parallel, cutting preStop hooks short and
   * waiting up to a minute for each.
   */
  void stopAll() {
    List<Future<?>> stopping = new ArrayList<>();
    for (KubeletPod rt : List.copyOf(pods.values())) {
      stopping.add(exec.submit(() -> terminate(rt, false, rt.gracePeriod())));
    }
    for (Future<?> stop : stopping) {
      try {
        stop.get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        log.atWarn().addKeyValue("error", e.toString()).log("kubelet: a pod did not stop");
      }
    }
  }
}
