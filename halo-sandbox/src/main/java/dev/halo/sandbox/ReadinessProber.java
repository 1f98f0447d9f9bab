package dev.halo.sandbox;

import dev.halo.common.Threads;
import dev.halo.sandbox.LocalKubelet.Options;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kubelet's probe loop: notices dead agent processes, asks agents' {@code /healthz} as a
 * readiness probe does, and writes a pod's status when what it reports has changed.
 */
final class ReadinessProber implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ReadinessProber.class);
  private static final Duration PROBE_TIMEOUT = Duration.ofMillis(200);
  private static final int PROBE_FAILURE_THRESHOLD = 3;
  // Pods probed at once: probes and status writes wait on I/O, and with thousands of pods one at a
  // time a round took minutes (a kubelet probes every container on its own worker).
  private static final int PROBE_WORKERS = 8;

  private final PodLifecycle pods;
  private final WorkloadRunner processes;
  private final PodApiWriter api;
  private final Options options;
  private final long readinessPeriodNanos;
  private final AtomicBoolean closed;
  private final ExecutorService workers;

  ReadinessProber(
      String namespace,
      PodLifecycle pods,
      WorkloadRunner processes,
      PodApiWriter api,
      Options options,
      AtomicBoolean closed) {
    this.pods = pods;
    this.processes = processes;
    this.api = api;
    this.options = options;
    this.readinessPeriodNanos = options.readinessPeriod().toNanos();
    this.closed = closed;
    this.workers =
        Executors.newFixedThreadPool(
            PROBE_WORKERS, Threads.daemons("kubelet-" + namespace + "-probe"));
  }

  /** One probe round: every pod, {@value #PROBE_WORKERS} at a time; the next round waits. */
  void probeAll() {
    List<Callable<Void>> round = new ArrayList<>();
    for (KubeletPod rt : pods.all()) {
      round.add(
          () -> {
            try {
              probe(rt);
            } catch (RuntimeException e) {
              log.atWarn()
                  .addKeyValue("pod", rt.name)
                  .addKeyValue("error", e.toString())
                  .log("probe");
            }
            return null;
          });
    }
    try {
      workers.invokeAll(round);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RejectedExecutionException e) {
      log.atDebug().log("kubelet: closed, probe round dropped");
    }
  }

  private void probe(KubeletPod rt) {
    if (processes.check(rt, options.probePeriod().toNanos())) {
      synchronized (rt) {
        if (rt.phase == KubeletPod.Phase.RUNNING && !closed.get()) {
          api.writeStatus(rt);
        }
      }
    }
    AgentHandle agent;
    synchronized (rt) {
      if (rt.phase != KubeletPod.Phase.RUNNING || !rt.agentRunning()) {
        return;
      }
      agent = rt.agent;
    }
    boolean alive = !(agent instanceof AgentProcess p) || p.isAlive();
    long now = System.nanoTime();
    // A dead process is noticed every probe period; /healthz is asked every probe period until
    // the agent is Ready (so a fresh agent is Ready as soon as it answers), then every readiness
    // period.
    boolean askHttp =
        alive && (!rt.agentReady || now - rt.lastReadinessProbeNanos >= readinessPeriodNanos);
    boolean answered = askHttp && answers(agent);
    synchronized (rt) {
      if (rt.agent != agent || !rt.agentRunning() || closed.get()) {
        return;
      }
      boolean ready = rt.agentReady;
      if (askHttp) {
        rt.lastReadinessProbeNanos = now;
        // As a kubelet's readiness probe: ready on the first success, not ready only after
        // failureThreshold failures in a row, so one slow answer on a busy machine is no flap.
        rt.probeFailures = answered ? 0 : rt.probeFailures + 1;
        ready = answered || (rt.agentReady && rt.probeFailures < PROBE_FAILURE_THRESHOLD);
      }
      report(rt, agent, alive, ready);
    }
  }

  private boolean answers(AgentHandle agent) {
    return !options.readinessRequests() && agent instanceof InProcessAgent
        || Http.get("http://" + KubeletPod.IP + ":" + agent.port() + "/healthz", PROBE_TIMEOUT)
            .isPresent();
  }

  /** Writes the status when the probe found a change, or when an earlier write failed. */
  private void report(KubeletPod rt, AgentHandle agent, boolean alive, boolean ready) {
    if (!alive) {
      AgentProcess process = (AgentProcess) agent;
      int exitCode = process.waitFor(Duration.ofSeconds(1));
      rt.agentTerminated(exitCode, exitCode == 0 ? "Completed" : "Error", "agent exited");
      pods.scheduleRestart(rt);
      log.atWarn()
          .addKeyValue("pod", rt.name)
          .addKeyValue("exitCode", exitCode)
          .addKeyValue("output", tail(process.output(), 10))
          .log("kubelet: agent exited");
      api.writeStatus(rt);
    } else if (rt.workload != null && rt.workload.healthy.get() != rt.writtenWorkloadHealthy) {
      rt.agentReady = ready;
      api.writeStatus(rt);
    } else if (ready != rt.agentReady) {
      rt.agentReady = ready;
      log.atInfo()
          .addKeyValue("pod", rt.name)
          .addKeyValue("ready", ready)
          .log("kubelet: agent readiness changed");
      api.writeStatus(rt);
    } else if (rt.statusUnsynced) {
      api.writeStatus(rt); // an earlier write failed: sync again, as a kubelet's status loop does
    }
  }

  private static String tail(String text, int lines) {
    List<String> all = text.lines().toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  @Override
  public void close() {
    workers.shutdownNow();
  }
}
