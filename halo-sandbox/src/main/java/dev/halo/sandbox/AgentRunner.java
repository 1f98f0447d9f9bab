package dev.halo.sandbox;

import dev.halo.common.AgentVariables;
import dev.halo.sandbox.LocalKubelet.AgentMode;
import dev.halo.sandbox.LocalKubelet.Options;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts, stops and kills a pod's agent, in this JVM or as a process (caller holds the pod). */
final class AgentRunner {
  private static final Logger log = LoggerFactory.getLogger(AgentRunner.class);

  private final AgentMode mode;
  private final Options options;
  private final AgentEnvResolver envResolver;
  private final RoleHistories histories;
  private final Set<TcpProxy> proxies = ConcurrentHashMap.newKeySet();

  AgentRunner(
      AgentMode mode, Options options, AgentEnvResolver envResolver, RoleHistories histories) {
    this.mode = mode;
    this.options = options;
    this.envResolver = envResolver;
    this.histories = histories;
  }

  /** Starts the agent of a running pod; records a failure to start as a terminated container. */
  void start(KubeletPod rt, Path roleFile) {
    rt.agentReady = false;
    rt.probeFailures = 0;
    rt.agentStartedAt = Instant.now();
    AgentEnv agentEnv;
    try {
      // Agent processes append their role transitions to the pod's history file (in-process
      // agents share one pid and are never killed: the harness could not close what they leave).
      Optional<Path> history =
          mode == AgentMode.PROCESS ? Optional.of(histories.fileOf(rt)) : Optional.empty();
      Map<String, String> env = envResolver.agentEnv(rt, roleFile, history);
      if (options.etcdProxies()) {
        env.put(AgentVariables.ETCD_ENDPOINTS, throughProxies(rt, env));
      }
      agentEnv = agentEnv(env);
    } catch (RuntimeException e) {
      rt.agentTerminated(1, "CreateContainerConfigError", e.getMessage());
      log.atWarn()
          .addKeyValue("pod", rt.name)
          .addKeyValue("error", e.getMessage())
          .log("kubelet: cannot build the agent environment");
      return;
    }
    try {
      rt.agent =
          mode == AgentMode.PROCESS
              ? AgentProcess.start(agentEnv)
              : InProcessAgent.start(agentEnv, options.electionClients());
    } catch (RuntimeException e) {
      rt.agent = null;
      rt.agentTerminated(1, "Error", e.getMessage());
      log.atWarn()
          .addKeyValue("pod", rt.name)
          .addKeyValue("error", e.getMessage())
          .log("kubelet: agent failed to start");
      return;
    }
    if (rt.agent instanceof AgentProcess process) {
      histories.follow(rt, process);
    }
    rt.agentState = KubeletPod.AgentState.RUNNING;
    if (!options.readinessRequests() && rt.agent instanceof InProcessAgent) {
      rt.agentReady = true; // Ready once started: the first status write says so
    }
    logStarted(rt);
  }

  /**
   * The pod's etcd endpoints through proxies of its own, started with its first agent and kept for
   * the pod's life (a restarted agent gets the same ones, cut or not).
   */
  private String throughProxies(KubeletPod rt, Map<String, String> env) {
    List<URI> endpoints =
        Arrays.stream(env.getOrDefault(AgentVariables.ETCD_ENDPOINTS, "").split(","))
            .map(String::strip)
            .filter(e -> !e.isEmpty())
            .map(URI::create)
            .toList();
    if (rt.etcdProxies.isEmpty()) {
      rt.etcdProxies = endpoints.stream().map(TcpProxy::to).toList();
      proxies.addAll(rt.etcdProxies);
    }
    List<String> through = new ArrayList<>();
    for (int i = 0; i < endpoints.size(); i++) {
      through.add(rt.etcdProxies.get(i).endpoint(endpoints.get(i).getScheme()).toString());
    }
    return String.join(",", through);
  }

  /** Closes the pod's etcd proxies (it is gone). */
  void closeEtcdProxies(KubeletPod rt) {
    rt.etcdProxies.forEach(TcpProxy::close);
    proxies.removeAll(rt.etcdProxies);
  }

  /** Closes every etcd proxy still open (the kubelet stops). */
  void closeEtcdProxies() {
    proxies.forEach(TcpProxy::close);
    proxies.clear();
  }

  private static AgentEnv agentEnv(Map<String, String> env) {
    AgentEnv agentEnv =
        AgentEnv.of(
            env.getOrDefault(AgentVariables.ETCD_ENDPOINTS, ""),
            env.getOrDefault(AgentVariables.ELECTION, ""),
            env.getOrDefault(AgentVariables.MEMBER, env.getOrDefault(AgentVariables.POD_NAME, "")));
    env.forEach(agentEnv::set);
    return agentEnv;
  }

  private void logStarted(KubeletPod rt) {
    var event =
        log.atInfo()
            .addKeyValue("pod", rt.name)
            .addKeyValue("port", rt.agent.port())
            .addKeyValue("mode", mode)
            .addKeyValue("restartCount", rt.restartCount);
    if (rt.agent instanceof AgentProcess p) {
      event = event.addKeyValue("pid", p.pid());
    }
    event.log("kubelet: started agent");
  }

  /** Stops the agent gracefully (SIGTERM / shutdown), killing it after the grace period. */
  void stop(KubeletPod rt, String why) {
    stop(rt, why, rt.gracePeriod());
  }

  /** Stops the agent gracefully (SIGTERM / shutdown), killing it after {@code grace}. */
  void stop(KubeletPod rt, String why, Duration grace) {
    AgentHandle agent = rt.agent;
    if (agent == null || !rt.agentRunning()) {
      return;
    }
    long start = System.nanoTime();
    int exitCode;
    if (agent instanceof AgentProcess process) {
      exitCode = process.terminate(grace);
      if (exitCode == -1) {
        process.kill();
        exitCode = process.waitFor(Duration.ofSeconds(10));
      }
      histories.processEnded(rt, process.pid(), System.nanoTime());
      process.close(); // deletes its log file
    } else {
      agent.close();
      exitCode = 0;
    }
    rt.agentTerminated(exitCode, exitCode == 0 ? "Completed" : "Error", why);
    log.atInfo()
        .addKeyValue("pod", rt.name)
        .addKeyValue("exitCode", exitCode)
        .addKeyValue("reason", why)
        .addKeyValue("tookMs", (System.nanoTime() - start) / 1_000_000)
        .log("kubelet: stopped agent");
  }

  /** Kills the agent process with SIGKILL and records its container terminated by {@code who}. */
  void kill(KubeletPod rt, AgentProcess process, String who) {
    process.kill();
    int exitCode = process.waitFor(Duration.ofSeconds(10));
    // Its role history may end in an open master interval: it ended by now at the latest.
    histories.processEnded(rt, process.pid(), System.nanoTime());
    rt.agentTerminated(exitCode, "Error", "killed by " + who);
    log.atInfo()
        .addKeyValue("pod", rt.name)
        .addKeyValue("pid", process.pid())
        .addKeyValue("exitCode", exitCode)
        .log(
            rt.statusFrozen
                ? "kubelet: crashed agent silently, pod status frozen"
                : "kubelet: crashed agent");
  }

  /** Closes the handle of an agent process that exited (crashed), deleting its log file. */
  static void releaseDead(KubeletPod rt) {
    if (rt.agent instanceof AgentProcess process && !process.isAlive()) {
      process.close();
    }
  }
}
