package dev.halo.sandbox;

import dev.halo.common.Names;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops a pod's containers as a kubelet does on a graceful deletion: every container at once runs
 * its preStop hook, then gets SIGTERM, then SIGKILL once the grace period is up. The grace period
 * counts from the start and is shared by hook and stop; a hook still running at its end is cut off,
 * and the stop then gets at least {@link #MIN_STOP_GRACE}, as a kubelet gives it. The demo workload
 * serves all the pod's containers that run no process, so it stops once all their hooks are done.
 */
final class ContainerStops {
  private static final Logger log = LoggerFactory.getLogger(ContainerStops.class);
  // A kubelet gives a container at least this long between SIGTERM and SIGKILL after its hook.
  static final Duration MIN_STOP_GRACE = Duration.ofSeconds(2);

  private final AgentRunner agents;
  private final WorkloadRunner processes;
  private final PodApiWriter api;
  private final ExecutorService exec;

  ContainerStops(
      AgentRunner agents, WorkloadRunner processes, PodApiWriter api, ExecutorService exec) {
    this.agents = agents;
    this.processes = processes;
    this.api = api;
    this.exec = exec;
  }

  /** Stops the pod's containers (the pod is terminating; the caller does not hold it). */
  void stop(KubeletPod rt, Duration grace) {
    long deadline = System.nanoTime() + grace.toNanos();
    List<PreStopHook.Target> targets = new ArrayList<>();
    synchronized (rt) {
      boolean hooks = rt.pod.getSpec().getContainers().stream().anyMatch(c -> hook(c) != null);
      if (!hooks || rt.cutHooks.isDone()) {
        stopAgent(rt, grace);
        processes.stop(rt, grace);
        stopWorkload(rt);
        return;
      }
      Map<Integer, Integer> podPorts = podPorts(rt);
      for (Container c : rt.pod.getSpec().getContainers()) {
        targets.add(
            new PreStopHook.Target(
                rt.name,
                c,
                podPorts,
                Optional.ofNullable(rt.processes.get(c.getName())),
                ProcessVolumes.mounts(c, rt.processVolumeDirs)));
      }
    }
    List<CompletableFuture<Void>> stops = new ArrayList<>();
    List<CompletableFuture<Void>> demoHooks = new ArrayList<>();
    for (PreStopHook.Target target : targets) {
      CompletableFuture<Void> hook =
          CompletableFuture.runAsync(() -> runHook(rt, target, deadline), exec);
      String container = target.container().getName();
      if (Names.AGENT_CONTAINER.equals(container)) {
        stops.add(then(hook, rt, container, () -> stopAgent(rt, left(deadline))));
      } else if (target.process().isPresent()) {
        WorkloadProcess wp = target.process().get();
        stops.add(then(hook, rt, container, () -> processes.stop(rt, wp, left(deadline))));
      } else {
        demoHooks.add(hook);
      }
    }
    CompletableFuture<Void> demoHooksDone =
        CompletableFuture.allOf(demoHooks.toArray(CompletableFuture[]::new));
    stops.add(then(demoHooksDone, rt, "demo workload", () -> stopWorkload(rt)));
    CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).join();
    locked(rt, () -> processes.forget(rt));
  }

  private static LifecycleHandler hook(Container c) {
    return PreStopHook.of(c).orElse(null);
  }

  /** Once the hook is done, stops the container holding the pod; what fails is logged. */
  private CompletableFuture<Void> then(
      CompletableFuture<Void> hook, KubeletPod rt, String container, Runnable stop) {
    return hook.thenRunAsync(() -> locked(rt, stop), exec)
        .exceptionally(
            e -> {
              log.atError()
                  .setCause(e)
                  .addKeyValue("pod", rt.name)
                  .addKeyValue("container", container)
                  .log("kubelet: cannot stop the container");
              return null;
            });
  }

  /**
   * Each container port of the pod with the local port it maps to (caller holds the pod): the
   * agent's ports go to its HTTP server, a process's to its own, the others to the demo workload.
   */
  private static Map<Integer, Integer> podPorts(KubeletPod rt) {
    Map<Integer, Integer> ports = new LinkedHashMap<>();
    for (Container c : rt.pod.getSpec().getContainers()) {
      WorkloadProcess wp = rt.processes.get(c.getName());
      int local;
      if (Names.AGENT_CONTAINER.equals(c.getName())) {
        local = rt.agent == null ? 0 : rt.agent.port();
      } else {
        local = wp != null || rt.workload == null ? 0 : rt.workload.port();
      }
      for (ContainerPort port : c.getPorts()) {
        int mapped = wp == null ? local : wp.ports.getOrDefault(port.getContainerPort(), 0);
        if (mapped > 0) {
          ports.putIfAbsent(port.getContainerPort(), mapped);
        }
      }
    }
    return ports;
  }

  /** Runs one container's hook (if any) until it ends, the grace period does, or the kubelet. */
  private void runHook(KubeletPod rt, PreStopHook.Target target, long deadline) {
    LifecycleHandler h = hook(target.container());
    if (h == null) {
      return;
    }
    long start = System.nanoTime();
    PreStopHook hook = PreStopHook.start(h, target, left(deadline, Duration.ZERO), exec);
    String container = target.container().getName();
    try {
      CompletableFuture.anyOf(hook.result, rt.cutHooks)
          .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (rt.cutHooks.isDone() && !hook.result.isDone()) {
        ran(rt, container, hook, start, "cut short: the kubelet stops");
      } else {
        ran(rt, container, hook, start, hook.result.getNow("done"));
      }
    } catch (ExecutionException e) {
      String why = e.getCause() == null ? e.toString() : e.getCause().getMessage();
      failed(rt, container, hook, start, why);
    } catch (TimeoutException e) {
      failed(rt, container, hook, start, "still running when the grace period ended; cut off");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      hook.abort();
    }
  }

  private void failed(KubeletPod rt, String container, PreStopHook hook, long start, String why) {
    log.atWarn()
        .addKeyValue("pod", rt.name)
        .addKeyValue("container", container)
        .addKeyValue("handler", hook.handler)
        .addKeyValue("tookMs", (System.nanoTime() - start) / 1_000_000)
        .addKeyValue("outcome", why)
        .log("kubelet: preStop hook failed; stopping the container anyway");
    if (!rt.cutHooks.isDone()) {
      api.failedPreStopHook(
          rt,
          "PreStopHook "
              + hook.handler
              + " for container \""
              + container
              + "\" in pod \""
              + rt.name
              + "\" failed: "
              + why);
    }
  }

  private static void ran(
      KubeletPod rt, String container, PreStopHook hook, long start, String outcome) {
    log.atInfo()
        .addKeyValue("pod", rt.name)
        .addKeyValue("container", container)
        .addKeyValue("handler", hook.handler)
        .addKeyValue("tookMs", (System.nanoTime() - start) / 1_000_000)
        .addKeyValue("outcome", outcome)
        .log("kubelet: ran preStop hook");
  }

  /** Stops the agent and closes its etcd proxies (caller holds the pod). */
  private void stopAgent(KubeletPod rt, Duration grace) {
    agents.stop(rt, "pod terminating", grace);
    AgentRunner.releaseDead(rt);
    agents.closeEtcdProxies(rt);
  }

  /** Stops the demo workload (caller holds the pod). */
  private static void stopWorkload(KubeletPod rt) {
    if (rt.workload != null) {
      rt.workload.stop();
      rt.workloadFinishedAt = Instant.now();
      log.atInfo().addKeyValue("pod", rt.name).log("kubelet: stopped workload");
    }
  }

  private static void locked(KubeletPod rt, Runnable task) {
    synchronized (rt) {
      task.run();
    }
  }

  /** What is left of the grace period for a stop: at least {@link #MIN_STOP_GRACE}. */
  private static Duration left(long deadline) {
    return left(deadline, MIN_STOP_GRACE);
  }

  private static Duration left(long deadline, Duration atLeast) {
    Duration left = Duration.ofNanos(deadline - System.nanoTime());
    return left.compareTo(atLeast) < 0 ? atLeast : left;
  }
}
