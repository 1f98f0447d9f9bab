package dev.halo.sandbox;

import dev.halo.sandbox.LocalKubelet.AgentMode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.dsl.PodResource;
import java.time.Duration;
import java.util.NoSuchElementException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a test does to one pod of the kubelet: crash or restart its agent, make its workload
 * unhealthy, delete it gracefully, wait for it to run (the bodies of LocalKubelet's controls).
 */
final class PodControls {
  private static final Logger log = LoggerFactory.getLogger(PodControls.class);

  private final String namespace;
  private final AgentMode mode;
  private final PodLifecycle lifecycle;
  private final AgentRunner agents;
  private final PodApiWriter api;

  PodControls(
      String namespace,
      AgentMode mode,
      PodLifecycle lifecycle,
      AgentRunner agents,
      PodApiWriter api) {
    this.namespace = namespace;
    this.mode = mode;
    this.lifecycle = lifecycle;
    this.agents = agents;
    this.api = api;
  }

  void crashAgent(String pod) {
    AgentProcess process = runningProcess(pod, "crashAgent");
    KubeletPod rt = lifecycle.runtime(pod);
    synchronized (rt) {
      agents.kill(rt, process, "LocalKubelet.crashAgent");
      lifecycle.scheduleRestart(rt);
      api.writeStatus(rt);
    }
  }

  void crashAgentSilently(String pod) {
    AgentProcess process = runningProcess(pod, "crashAgentSilently");
    KubeletPod rt = lifecycle.runtime(pod);
    synchronized (rt) {
      rt.statusFrozen = true;
      agents.kill(rt, process, "LocalKubelet.crashAgentSilently");
    }
  }

  private AgentProcess runningProcess(String pod, String what) {
    if (mode != AgentMode.PROCESS) {
      throw new IllegalStateException(
          what + " needs AgentMode.PROCESS: an in-process agent cannot be killed");
    }
    KubeletPod rt = lifecycle.runtime(pod);
    synchronized (rt) {
      if (!(rt.agent instanceof AgentProcess process) || !rt.agentRunning()) {
        throw new IllegalStateException("pod " + pod + " has no running agent to crash");
      }
      return process;
    }
  }

  void restartAgent(String pod) {
    KubeletPod rt = lifecycle.runtime(pod);
    synchronized (rt) {
      if (rt.phase != KubeletPod.Phase.RUNNING || rt.agentContainer == null) {
        throw new IllegalStateException("pod " + pod + " is " + rt.phase + "; cannot restart");
      }
      lifecycle.restartAgent(rt);
      api.writeStatus(rt);
    }
  }

  void setWorkloadHealthy(String pod, boolean healthy) {
    KubeletPod rt = lifecycle.runtime(pod);
    synchronized (rt) {
      workload(pod).healthy.set(healthy);
      log.atInfo()
          .addKeyValue("pod", pod)
          .addKeyValue("healthy", healthy)
          .log("kubelet: workload health set");
      api.writeStatus(rt);
    }
  }

  DemoWorkload workload(String pod) {
    KubeletPod rt = lifecycle.runtime(pod);
    synchronized (rt) {
      if (rt.workload == null) {
        throw new IllegalStateException("pod " + pod + " has no workload yet");
      }
      return rt.workload;
    }
  }

  void deletePodGracefully(String pod) {
    PodResource resource = api.pod(pod);
    Pod current = resource.get();
    if (current == null) {
      throw new NoSuchElementException("no pod " + namespace + "/" + pod);
    }
    long grace = KubeletPod.gracePeriodSeconds(current);
    String uid = current.getMetadata().getUid();
    if (current.getMetadata().getDeletionTimestamp() == null) {
      api.markTerminating(current, grace);
    }
    log.atInfo()
        .addKeyValue("pod", pod)
        .addKeyValue("gracePeriodSeconds", grace)
        .log("kubelet: marked pod terminating");
    KubeletPod rt = lifecycle.get(pod);
    if (rt != null && rt.uid.equals(uid)) {
      lifecycle.terminate(rt, true, KubeletPod.deletionGracePeriod(current));
    } else {
      api.removeFinalizer(pod, uid);
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (PodApiWriter.isSamePod(resource, uid)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "pod " + pod + " is still there after its graceful deletion: " + resource.get());
      }
      PodApiWriter.sleep(Duration.ofMillis(20));
    }
  }

  AgentHandle forceDeleteOnLostNode(String pod) {
    KubeletPod rt = lifecycle.abandon(pod);
    api.removeFinalizer(pod, rt.uid);
    PodResource resource = api.pod(pod);
    resource.withGracePeriod(0).delete();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (PodApiWriter.isSamePod(resource, rt.uid)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("pod " + pod + " is still there after its forced deletion");
      }
      PodApiWriter.sleep(Duration.ofMillis(20));
    }
    log.atInfo()
        .addKeyValue("pod", pod)
        .log("kubelet: pod force-deleted; its agent and workload run on, unmanaged");
    AgentHandle agent = rt.agent;
    DemoWorkload workload = rt.workload;
    return new AgentHandle() {
      @Override
      public String member() {
        return agent.member();
      }

      @Override
      public int port() {
        return agent.port();
      }

      @Override
      public void close() {
        agent.close();
        if (workload != null) {
          workload.stop();
        }
      }
    };
  }

  void awaitRunning(String pod, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      KubeletPod rt = lifecycle.get(pod);
      if (rt != null) {
        synchronized (rt) {
          if (rt.phase == KubeletPod.Phase.RUNNING
              && rt.agentRunning()
              && rt.agentReady
              && rt.writtenAgentReady) {
            return;
          }
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException(
                "pod " + pod + " not running after " + timeout + ": " + rt.notRunningReason());
          }
        }
      } else if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "pod " + pod + " was never started by the kubelet within " + timeout);
      }
      PodApiWriter.sleep(Duration.ofMillis(20));
    }
  }
}
