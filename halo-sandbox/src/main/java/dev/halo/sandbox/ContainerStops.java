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
    Map<Container, LifecycleHandler> hooks = new LinkedHashMap<>();
    Map<Integer, Integer> podPorts;
    synchronized (rt) {
      for (Container c : rt.pod.getSpec().getContainers()) {
        PreStopHook.of(c).ifPresent(h -> hooks.put(c, h));
      }
      if (hooks.isEmpty() || rt.cutHooks.isDone()) {
        stopAgent(rt, grace);
        processes.stop(rt, grace);
        stopWorkload(rt);
        return;
      }
      podPorts = podPorts(rt);
    }
    List<CompletableFuture<Void>> stops = new ArrayList<>();
    List<CompletableFuture<Void>> demoHooks = new ArrayList<>();
    for (Container c : rt.pod.getSpec().getContainers()) {
      Optional<WorkloadProcess> wp = Optional.ofNullable(rt.processes.get(c.getName()));
      PreStopHook.Target target =
          new PreStopHook.Target(
              rt.name, c, podPorts, wp, ProcessVolumes.mounts(c, rt.processVolumeDirs));
      CompletableFuture<Void> hook =
          CompletableFuture.runAsync(() -> runHook(rt, target, hooks.get(c), deadline), exec);
      if (Names.AGENT_CONTAINER.equals(c.getName())) {
        stops.add(hook.thenRunAsync(() -> locked(rt, () -> stopAgent(rt, left(deadline))), exec));
      } else if (wp.isPresent()) {
        stops.add(
            hook.thenRunAsync(
                () -> locked(rt, () -> processes.stop(rt, wp.get(), left(deadline))), exec));
      } else {
        demoHooks.add(hook);
      }
    }
    stops.add(
        CompletableFuture.allOf(demoHooks.toArray(CompletableFuture[]::new))
            .thenRunAsync(() -> locked(rt, () -> stopWorkload(rt)), exec));
    CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).join();
    locked(rt, () -> processes.forget(rt));
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
  private void runHook(
      KubeletPod rt, PreStopHook.Target target, LifecycleHandler h, long deadline) {
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
