package dev.halo.sandbox;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pod the kubelet let go of while its processes run on ({@link LocalKubelet#orphan}), as on a
 * node whose kubelet stopped: its API object can be deleted at once (a forced deletion), nobody
 * writes its status, its agent and workload keep running until the kubelet kills them when the
 * orphan's time is up. {@link #killedAtNanos()} says when, on the machine's monotonic clock, so
 * that a checker can end the agent's last role interval there.
 */
public final class OrphanedPod {
  private static final Logger log = LoggerFactory.getLogger(OrphanedPod.class);

  private final KubeletPod rt;
  private final AgentProcess agent;
  private final Instant orphanedAt = Instant.now();
  private final CompletableFuture<Long> killed = new CompletableFuture<>();

  OrphanedPod(KubeletPod rt, AgentProcess agent) {
    this.rt = rt;
    this.agent = agent;
  }

  /** The pod's name (a new pod of the same name may run beside it). */
  public String name() {
    return rt.name;
  }

  /** The uid of the pod object it ran for. */
  public String uid() {
    return rt.uid;
  }

  /** Its agent, still reachable over HTTP until it is killed. */
  public AgentHandle agent() {
    return agent;
  }

  /** The agent process's id. */
  public long pid() {
    return agent.pid();
  }

  /** Whether its agent still runs. */
  public boolean isAlive() {
    return !killed.isDone() && agent.isAlive();
  }

  /**
   * Completes with {@link System#nanoTime()} right after its agent was killed with SIGKILL (an
   * upper bound of the instant it stopped running).
   */
  public CompletableFuture<Long> killedAtNanos() {
    return killed;
  }

  /** kill -9 of the agent, then the workload; records the time (once). */
  void kill(String why) {
    synchronized (rt) {
      if (killed.isDone()) {
        return;
      }
      agent.kill();
      long at = System.nanoTime();
      if (rt.workload != null) {
        rt.workload.stop();
      }
      rt.etcdProxies.forEach(TcpProxy::close);
      rt.agentTerminated(agent.waitFor(Duration.ofSeconds(1)), "Error", why);
      rt.phase = KubeletPod.Phase.GONE;
      agent.close();
      killed.complete(at);
      log.atInfo()
          .addKeyValue("pod", rt.name)
          .addKeyValue("uid", rt.uid)
          .addKeyValue("pid", agent.pid())
          .addKeyValue("orphanForMs", Duration.between(orphanedAt, Instant.now()).toMillis())
          .addKeyValue("reason", why)
          .log("kubelet: killed an orphaned pod's agent and workload");
    }
  }
}
