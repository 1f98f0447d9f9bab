package dev.halo.sandbox;

import dev.halo.agent.AgentConfig;
import dev.halo.agent.ElectionClient;
import dev.halo.common.Labels;
import dev.halo.common.Names;
import dev.halo.common.Threads;
import dev.halo.sandbox.history.HistoryFile;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays kubelet for the Halo pods ({@code app.kubernetes.io/managed-by=halo}) of one namespace of a
 * (mock) Kubernetes API: for every pod it starts a demo workload and the real elector agent with
 * the environment of the pod's {@value Names#AGENT_CONTAINER} container, and reports the pod status
 * (phase, IPs, conditions, container statuses) through the status subresource.
 *
 * <p>What it does for each pod:
 *
 * <ul>
 *   <li><b>Workload</b>: one {@link DemoWorkload} on 127.0.0.1 for all of the pod's non-agent
 *       containers (their images are not run): it answers {@code GET /} with the pod name and the
 *       role and term its agent published, {@code /health} with 200 or 503 ({@link
 *       #setWorkloadHealthy}, or {@code POST /health?healthy=false}), takes {@code POST /write}s
 *       into a store the pods of its group share, fenced by the term, and remembers the agent's
 *       role webhook ({@link #lastWebhook}). A pod annotated {@link #RUN_COMMAND_ANNOTATION} has
 *       each workload container whose {@code command} is on this machine run as a local process
 *       instead ({@link WorkloadRunner}), on free local ports.
 *   <li><b>Agent environment</b>: the container's {@code env} with {@code value}, {@code $(VAR)}
 *       references, {@code fieldRef} (metadata.name/namespace/uid/labels/annotations,
 *       spec.nodeName, status.podIP/hostIP), {@code configMapKeyRef} and {@code secretKeyRef}
 *       resolved; then {@code HALO_AGENT_ADDRESS=127.0.0.1}, {@code HALO_AGENT_PORT=<free port>} (0
 *       for an in-process agent, which binds a port itself and reports it), {@code
 *       HALO_ROLE_FILE=<temp dir>/<pod>/<pod uid>/role} (a directory per pod object, as an
 *       emptyDir), for agent processes {@code HALO_ROLE_HISTORY=<temp dir>/role-history/<pod>-<pod
 *       uid>.jsonl} (one file per pod, which a restarted agent appends to: {@link #roleHistories}),
 *       and {@code HALO_HEALTH_HTTP}, {@code HALO_HEALTH_TCP} and {@code HALO_ROLE_WEBHOOK} (when
 *       set) pointed at the workload. {@code HALO_ETCD_ENDPOINTS} stays what the operator wrote
 *       unless {@link Options#withEtcdEndpoints()} is used; with {@link Options#withEtcdProxies()}
 *       it names loopback proxies of the pod's own in front of those endpoints, which {@link
 *       #cutEtcd} cuts.
 *   <li><b>Secret volumes</b>: every Secret volume of the pod is written into a directory of the
 *       pod with the kubelet's atomic {@code ..data} symlink layout ({@link SecretVolumes}), and
 *       every agent variable naming a file under one of the agent container's mount paths (e.g.
 *       {@code HALO_ETCD_CERT=/etc/halo/etcd/tls/tls.crt}) is pointed at that directory. A changed
 *       Secret is swapped in (rotation); a missing Secret or key leaves the pod Pending with its
 *       containers in ContainerCreating and a FailedMount Warning event, and it starts once the
 *       Secret is there (retried on every Secret event and every 2 s).
 *   <li><b>Status</b>: phase Running, podIP/hostIP 127.0.0.1, conditions PodScheduled, Initialized,
 *       ContainersReady and Ready, and a status for every container. The agent container is ready
 *       while its process runs and answers {@code /healthz} (probed every 200 ms with a 200 ms
 *       timeout, like a readiness probe: ready on the first answer, not ready after 3 missed in a
 *       row); workload containers are ready while {@code /health} is healthy; the pod is Ready when
 *       all are. An agent that dies is reported {@code terminated} with its exit code and is not
 *       restarted until {@link #restartAgent}, unless {@link Options#withAgentRestarts} is on.
 *   <li><b>Deletion</b>: with {@link Options#gracefulDeletion()} on (the default) the kubelet puts
 *       the finalizer {@value #FINALIZER} on every pod it runs, so a DELETE (by the operator or a
 *       test) leaves the pod terminating (deletionTimestamp set) as a real API server does, until
 *       the kubelet has stopped the agent gracefully (it resigns) and the workload, reported the
 *       containers terminated and removed its finalizer; only then does the pod disappear. Each
 *       container first runs its {@code lifecycle.preStop} hook, all containers at once, within the
 *       grace period ({@link ContainerStops}). Without it a DELETE removes the pod at once and the
 *       agent is stopped afterwards. {@link #deletePodGracefully} always goes through the
 *       terminating state.
 * </ul>
 *
 * <p>Informer callbacks only queue work: pods start and stop on an executor, and all operations on
 * one pod (callbacks, probes, test controls, status writes) are serialised on that pod's state.
 * Status is written as one JSON patch of {@code /status} (guarded by a test of the pod's uid, so a
 * recreated pod of the same name is never written with an old pod's status), retried on 409 and
 * 5xx.
 */
public final class LocalKubelet implements AutoCloseable {
  /** How the agents run: in this JVM, or as {@code java -jar halo-agent.jar agent} processes. */
  public enum AgentMode {
    IN_PROCESS,
    PROCESS
  }

  /**
   * The pod annotation ({@code "true"}) that makes the kubelet run each workload container's {@code
   * command} as a local process when that program is on this machine.
   */
  public static final String RUN_COMMAND_ANNOTATION = WorkloadCommand.RUN_COMMAND_ANNOTATION;

  /** The finalizer through which the kubelet makes pod deletion graceful. */
  public static final String FINALIZER = "sandbox.halo.dev/kubelet";

  /** What the kubelet does beyond the defaults. */
  public record Options(
      boolean overrideEtcdEndpoints,
      boolean gracefulDeletion,
      Map<String, String> extraEnv,
      Optional<Duration> agentRestartDelay,
      Duration probePeriod,
      Duration readinessPeriod,
      Optional<Function<AgentConfig, ElectionClient>> electionClients,
      boolean workloadServers,
      boolean readinessRequests,
      boolean etcdProxies) {
    public Options {
      extraEnv = Map.copyOf(extraEnv);
      if (probePeriod.isNegative() || probePeriod.isZero()) {
        throw new IllegalArgumentException("probePeriod must be positive, got " + probePeriod);
      }
      if (readinessPeriod.compareTo(probePeriod) < 0) {
        readinessPeriod = probePeriod;
      }
    }

    /**
     * Keep the operator's etcd endpoints, graceful deletion on, no extra variables, readiness
     * probes every 200 ms, every in-process agent on its own etcd client, a demo workload server
     * per pod.
     */
    public static Options defaults() {
      return new Options(
          false,
          true,
          Map.of(),
          Optional.empty(),
          DEFAULT_PROBE_PERIOD,
          DEFAULT_PROBE_PERIOD,
          Optional.empty(),
          true,
          true,
          false);
    }

    /** Replace {@code HALO_ETCD_ENDPOINTS} with the endpoints of the kubelet's etcd cluster. */
    public Options withEtcdEndpoints() {
      return edit(o -> o.overrideEtcdEndpoints = true);
    }

    /** Do not put {@value LocalKubelet#FINALIZER} on pods: a DELETE removes the pod at once. */
    public Options withoutGracefulDeletion() {
      return edit(o -> o.gracefulDeletion = false);
    }

    /** Sets an agent variable on every pod, after everything else (e.g. HALO_LOG_LEVEL). */
    public Options withEnv(String name, String value) {
      Map<String, String> env = new LinkedHashMap<>(extraEnv);
      env.put(name, value);
      return edit(o -> o.extraEnv = env);
    }

    /**
     * Restarts an agent that died {@code delay} after it did, as a kubelet does for {@code
     * restartPolicy: Always} (restartCount goes up); by default a dead agent stays dead.
     */
    public Options withAgentRestarts(Duration delay) {
      return edit(o -> o.agentRestartDelay = Optional.of(delay));
    }

    /**
     * Runs the probe loop this often (default 200 ms): it notices a dead agent process, writes a
     * status an earlier write failed to, and asks {@code /healthz} (at most every readiness
     * period).
     */
    public Options withProbePeriod(Duration period) {
      return edit(o -> o.probePeriod = period);
    }

    /**
     * Asks a Ready agent's {@code /healthz} only this often (at least the probe period; an agent
     * not Ready yet is asked every probe period), while a dead agent process is still noticed every
     * probe period: readiness over HTTP costs agent CPU.
     */
    public Options withReadinessPeriod(Duration period) {
      return edit(o -> o.readinessPeriod = period);
    }

    /**
     * In-process agents (AgentMode.IN_PROCESS) talk to etcd through the client this gives for the
     * agent's config, e.g. one shared client for thousands of agents; the agent closes it when it
     * stops.
     */
    public Options withElectionClients(Function<AgentConfig, ElectionClient> clients) {
      return edit(o -> o.electionClients = Optional.of(clients));
    }

    /**
     * Runs no demo workload server: the workload containers are reported running and ready (unless
     * {@link #setWorkloadHealthy} says otherwise) but nothing listens, so the pods take no traffic
     * and a workload health probe or role webhook of the agent reaches nobody. For scale runs of
     * thousands of pods, where a server per pod (with its threads) would cost the machine more than
     * what is measured.
     */
    public Options withoutWorkloadServers() {
      return edit(o -> o.workloadServers = false);
    }

    /**
     * Takes an in-process agent (AgentMode.IN_PROCESS) as Ready as soon as it has started, without
     * asking its {@code /healthz} over HTTP: with thousands of agents in one JVM beside the kubelet
     * those requests, not the agents, took most of the machine. Process agents are still probed.
     */
    public Options withoutReadinessRequests() {
      return edit(o -> o.readinessRequests = false);
    }

    /**
     * Puts a loopback {@link TcpProxy} of the pod's own in front of each of its agent's etcd
     * endpoints ({@code HALO_ETCD_ENDPOINTS} points at them; they live as long as the pod, across
     * agent restarts), so that {@link #cutEtcd} can partition one agent from etcd while it keeps
     * serving its workload. Off by default: agents reach etcd directly.
     */
    public Options withEtcdProxies() {
      return edit(o -> o.etcdProxies = true);
    }

    private Options edit(Consumer<OptionsDraft> change) {
      OptionsDraft draft = new OptionsDraft(this);
      change.accept(draft);
      return draft.build();
    }
  }

  private static final Logger log = LoggerFactory.getLogger(LocalKubelet.class);
  private static final Duration DEFAULT_PROBE_PERIOD = Duration.ofMillis(200);
  private static final Duration CLOSE_API_BUDGET = Duration.ofSeconds(3);
  // How often a pod whose volumes could not be set up tries again (a Secret event tries at once).
  private static final Duration MOUNT_RETRY = Duration.ofSeconds(2);

  private final String namespace;
  private final KubernetesClient client;
  private final AgentMode mode;
  private final Options options;
  private final Path root;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final ExecutorService exec;
  private final ScheduledExecutorService timer;
  private final PodApiWriter api;
  private final AgentRunner agents;
  private final WorkloadRunner processes;
  private final PodLifecycle lifecycle;
  private final ReadinessProber prober;
  private final PodControls controls;
  private final RoleHistories histories;
  // Agents of force-deleted pods, left running; stopped at close.
  private final List<AgentHandle> abandoned = new CopyOnWriteArrayList<>();
  private SharedIndexInformer<Pod> informer;
  private SharedIndexInformer<Secret> secrets;
  private final List<OrphanedPod> orphans = new CopyOnWriteArrayList<>();

  private LocalKubelet(
      KubernetesClient client,
      String namespace,
      EtcdCluster etcd,
      AgentMode mode,
      Options options,
      Path root) {
    this.client = client;
    this.namespace = namespace;
    this.mode = mode;
    this.options = options;
    this.root = root;
    this.exec = Executors.newCachedThreadPool(Threads.daemons("kubelet-" + namespace));
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> Threads.daemon("kubelet-" + namespace + "-probe", r));
    this.api = new PodApiWriter(client, namespace, closed);
    this.histories = new RoleHistories(root.resolve("role-history"));
    AgentEnvResolver env = new AgentEnvResolver(client, namespace, mode, options, etcd);
    this.agents = new AgentRunner(mode, options, env, histories);
    this.processes =
        new WorkloadRunner(env, api, exec, timer, closed, options.agentRestartDelay(), peersFile());
    this.lifecycle =
        new PodLifecycle(
            namespace,
            options,
            root,
            agents,
            processes,
            new SecretVolumes(client, namespace),
            new ProcessVolumes(client, namespace),
            api,
            exec,
            timer,
            closed);
    this.prober = new ReadinessProber(namespace, lifecycle, processes, api, options, closed);
    this.controls = new PodControls(namespace, mode, lifecycle, agents, api);
  }

  /**
   * Starts a kubelet for the Halo pods of {@code namespace}, keeping the etcd endpoints the
   * operator wrote into the pods; {@code etcd} may be null.
   */
  public static LocalKubelet start(
      KubernetesClient client, String namespace, EtcdCluster etcd, AgentMode mode) {
    return start(client, namespace, etcd, mode, Options.defaults());
  }

  /** Starts a kubelet with {@code options}; {@code etcd} is needed for withEtcdEndpoints(). */
  public static LocalKubelet start(
      KubernetesClient client,
      String namespace,
      EtcdCluster etcd,
      AgentMode mode,
      Options options) {
    if (options.overrideEtcdEndpoints() && etcd == null) {
      throw new IllegalArgumentException("withEtcdEndpoints() needs an etcd cluster");
    }
    if (mode == AgentMode.PROCESS) {
      AgentProcess.agentJar(); // fail now, not on the first pod, when the jar is missing
    }
    Path root;
    try {
      root = Files.createTempDirectory("halo-kubelet-" + namespace + "-");
      ChildReaper.deleteAtExit(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    LocalKubelet kubelet = new LocalKubelet(client, namespace, etcd, mode, options, root);
    try {
      kubelet.begin();
    } catch (RuntimeException e) {
      kubelet.close();
      throw e;
    }
    return kubelet;
  }

  private void begin() {
    informer =
        client
            .pods()
            .inNamespace(namespace)
            .withLabel(Labels.APP_MANAGED_BY, Labels.MANAGED_BY_HALO)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Pod pod) {
                    lifecycle.onPodSeen(pod);
                  }

                  @Override
                  public void onUpdate(Pod oldPod, Pod pod) {
                    lifecycle.onPodSeen(pod);
                  }

                  @Override
                  public void onDelete(Pod pod, boolean finalStateUnknown) {
                    lifecycle.onPodGone(pod);
                  }
                },
                0);
    secrets =
        client
            .secrets()
            .inNamespace(namespace)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Secret secret) {
                    lifecycle.onSecretChanged(secret.getMetadata().getName());
                  }

                  @Override
                  public void onUpdate(Secret oldSecret, Secret secret) {
                    lifecycle.onSecretChanged(secret.getMetadata().getName());
                  }

                  @Override
                  public void onDelete(Secret secret, boolean finalStateUnknown) {
                    // Mounted files stay as they are, as with a kubelet.
                  }
                },
                0);
    long period = options.probePeriod().toMillis();
    timer.scheduleWithFixedDelay(prober::probeAll, period, period, TimeUnit.MILLISECONDS);
    long retry = MOUNT_RETRY.toMillis();
    timer.scheduleWithFixedDelay(lifecycle::retryPending, retry, retry, TimeUnit.MILLISECONDS);
    log.atInfo()
        .addKeyValue("namespace", namespace)
        .addKeyValue("mode", mode)
        .addKeyValue("gracefulDeletion", options.gracefulDeletion())
        .log("kubelet: started");
  }

  // ---------------------------------------------------------------- test controls

  /** The running agent of {@code pod} (to read {@code /role}); throws when it has none. */
  public AgentHandle agent(String pod) {
    KubeletPod rt = lifecycle.runtime(pod);
    synchronized (rt) {
      if (rt.agent == null || !rt.agentRunning()) {
        throw new IllegalStateException(
            "pod " + pod + " has no running agent (agent " + rt.agentState + ")");
      }
      return rt.agent;
    }
  }

  /** Names of the pods whose agent is running. */
  public Set<String> pods() {
    Set<String> running = new TreeSet<>();
    for (KubeletPod rt : lifecycle.all()) {
      synchronized (rt) {
        if (rt.phase == KubeletPod.Phase.RUNNING && rt.agentRunning()) {
          running.add(rt.name);
        }
      }
    }
    return running;
  }

  /** What the kubelet runs for one pod, for the sandbox's live view. */
  public record PodView(
      String name, String agentState, OptionalLong agentPid, int agentPort, int workloadPort) {}

  /** The pods the kubelet runs now, by name. */
  public List<PodView> view() {
    List<PodView> views = new ArrayList<>();
    for (KubeletPod rt : lifecycle.all()) {
      synchronized (rt) {
        views.add(
            new PodView(
                rt.name,
                rt.agentState.name().toLowerCase(Locale.ROOT),
                rt.agent instanceof AgentProcess p && p.isAlive()
                    ? OptionalLong.of(p.pid())
                    : OptionalLong.empty(),
                rt.agent == null ? 0 : rt.agent.port(),
                rt.servicePort()));
      }
    }
    views.sort(Comparator.comparing(PodView::name));
    return views;
  }

  /**
   * The file listing where each pod's workload processes listen, {@code
   * <pod>:<containerPort>=127.0.0.1:<local port>} per line (the processes find it in {@value
   * WorkloadCommand#PEERS_VARIABLE}).
   */
  public Path peersFile() {
    return root.resolve("peers");
  }

  /**
   * Each pod whose workload processes run, with the local port its container port {@code
   * containerPort} maps to (what {@link #peersFile()} lists), by pod name.
   */
  public Map<String, Integer> processPorts(int containerPort) {
    return processes.localPorts(containerPort);
  }

  /**
   * The workload's port (what a Service of the pod sends traffic to): the local port of its first
   * workload process's first container port when it runs one ({@link #RUN_COMMAND_ANNOTATION}),
   * else the demo workload's.
   */
  public int workloadPort(String pod) {
    controls.workload(pod);
    KubeletPod rt = lifecycle.runtime(pod);
    synchronized (rt) {
      return rt.servicePort();
    }
  }

  /**
   * The pid of the process running the pod's workload container {@code container} ({@link
   * #RUN_COMMAND_ANNOTATION}); empty while none runs (exited, waiting for its restart).
   */
  public OptionalLong workloadPid(String pod, String container) {
    KubeletPod rt = lifecycle.runtime(pod);
    synchronized (rt) {
      WorkloadProcess wp = rt.processes.get(container);
      if (wp == null) {
        throw new IllegalStateException(
            "pod " + pod + " runs no process for container " + container + " (demo workload)");
      }
      return wp.running() ? wp.pid() : OptionalLong.empty();
    }
  }

  /** The directory the kubelet wrote the pod's Secret volume {@code volume} into. */
  public Path secretVolume(String pod, String volume) {
    KubeletPod rt = lifecycle.runtime(pod);
    synchronized (rt) {
      Path dir = rt.volumeDirs.get(volume);
      if (dir == null) {
        throw new IllegalStateException("pod " + pod + " has no mounted Secret volume " + volume);
      }
      return dir;
    }
  }

  /** The role file the pod's agent writes. */
  public Path roleFile(String pod) {
    return lifecycle.roleFile(pod);
  }

  /**
   * The role history file of every pod whose agent ran as a process (AgentMode.PROCESS) in this
   * namespace, pods that are gone included, each with the monotonic time ({@link System#nanoTime})
   * by which each of its agent processes had ended (killed by {@link #crashAgent}, stopped with its
   * pod, or exited): what {@link dev.halo.sandbox.history.RoleHistoryChecker} needs to close an
   * interval a killed agent left open. The files are in the kubelet's working directory, which
   * {@link #close} deletes: check them before.
   */
  public List<HistoryFile> roleHistories() {
    return histories.files(null);
  }

  /** The role history files of the pods of {@code group} ({@code halo.dev/group}). */
  public List<HistoryFile> roleHistories(String group) {
    return histories.files(group);
  }

  /** The body of the last role webhook the pod's agent posted to the workload, if any. */
  public Optional<String> lastWebhook(String pod) {
    KubeletPod rt = lifecycle.runtime(pod);
    synchronized (rt) {
      return rt.workload == null
          ? Optional.empty()
          : Optional.ofNullable(rt.workload.webhook.get());
    }
  }

  /** The agent's output so far (PROCESS mode; in-process agents log to the test's output). */
  public String agentOutput(String pod) {
    KubeletPod rt = lifecycle.runtime(pod);
    synchronized (rt) {
      return rt.agent instanceof AgentProcess p ? p.output() : "(agent runs in-process)";
    }
  }

  /**
   * Kills the pod's agent with SIGKILL (PROCESS mode only) and reports its container terminated
   * with the exit code (137) and the pod not ready; the agent is not restarted.
   */
  public void crashAgent(String pod) {
    controls.crashAgent(pod);
  }

  /**
   * Kills the pod's agent with SIGKILL (PROCESS mode only) and reports nothing: the pod keeps the
   * status last written (Running, Ready) as when its node stops reporting, so only the agent's
   * lease running out tells that it is gone. The status stays frozen, and the agent is not
   * restarted, until {@link #restartAgent} or the pod's deletion.
   */
  public void crashAgentSilently(String pod) {
    controls.crashAgentSilently(pod);
  }

  /**
   * Leaves the pod's agent process and workload running as a node that lost its kubelet does, and
   * lets go of the pod (PROCESS mode only): from now on the kubelet writes no status for it, does
   * not probe or restart its agent, takes its finalizer off (so a DELETE, such as {@code kubectl
   * delete pod --force --grace-period=0}, removes the object at once), does not stop it when the
   * object goes, and starts a new pod of the same name beside it. After {@code lifetime} it kills
   * the agent with SIGKILL and stops the workload, and the orphan records when.
   */
  public OrphanedPod orphan(String pod, Duration lifetime) {
    if (mode != AgentMode.PROCESS) {
      throw new IllegalStateException("orphan needs AgentMode.PROCESS: it kills the agent later");
    }
    KubeletPod running = lifecycle.runtime(pod);
    synchronized (running) {
      if (running.phase != KubeletPod.Phase.RUNNING
          || !(running.agent instanceof AgentProcess)
          || !running.agentRunning()) {
        throw new IllegalStateException(
            "pod " + pod + " has no running agent process to leave running");
      }
    }
    KubeletPod rt = lifecycle.abandon(pod);
    OrphanedPod orphan = new OrphanedPod(rt, (AgentProcess) rt.agent);
    orphans.add(orphan);
    orphan.killedAtNanos().thenRun(() -> orphans.remove(orphan));
    timer.schedule(
        () -> lifecycle.run("kill orphan " + pod, () -> orphan.kill("orphan's time is up")),
        lifetime.toMillis(),
        TimeUnit.MILLISECONDS);
    api.removeFinalizer(rt.name, rt.uid);
    log.atInfo()
        .addKeyValue("pod", pod)
        .addKeyValue("uid", rt.uid)
        .addKeyValue("pid", orphan.pid())
        .addKeyValue("lifetimeMs", lifetime.toMillis())
        .log("kubelet: let go of the pod, its agent and workload run on as an orphan");
    return orphan;
  }

  /** The orphaned pods whose agent still runs ({@link #orphan}). */
  public List<OrphanedPod> orphans() {
    return List.copyOf(orphans);
  }

  /**
   * Starts a new agent for the pod (stopping the current one first if it still runs), as a
   * container restart: restartCount goes up by one and the last termination becomes lastState.
   */
  public void restartAgent(String pod) {
    controls.restartAgent(pod);
  }

  /** Makes the pod's fake workload answer {@code /health} with 200 (true) or 503 (false). */
  public void setWorkloadHealthy(String pod, boolean healthy) {
    controls.setWorkloadHealthy(pod, healthy);
  }

  /**
   * Deletes the pod the way Kubernetes does: marks it terminating (deletionTimestamp now,
   * deletionGracePeriodSeconds from the pod spec or 30, held by {@value #FINALIZER}) so the
   * operator sees a terminating pod, stops the agent gracefully (it resigns), stops the workload,
   * reports the containers terminated, then lets the pod object go; returns once it is gone.
   */
  public void deletePodGracefully(String pod) {
    controls.deletePodGracefully(pod);
  }

  /**
   * Deletes the pod as {@code kubectl delete pod --force --grace-period=0} does when its node lost
   * contact with the API server: the pod object goes at once, while its agent and workload keep
   * running, no longer managed by this kubelet (not stopped, probed, restarted or reported).
   * Returns once the pod is gone from the API; the caller stops what the handle holds (it is
   * stopped at {@link #close} too). A pod of the same name created later is a new pod.
   */
  public AgentHandle forceDeleteOnLostNode(String pod) {
    AgentHandle agent = controls.forceDeleteOnLostNode(pod);
    abandoned.add(agent);
    return agent;
  }

  /**
   * Cuts the pod's agent off from etcd ({@link Options#withEtcdProxies()} only): its proxies close
   * every connection and black-hole new ones, as a network partition that drops packets does, while
   * the agent goes on running and serving its workload. The proxies stay with the pod when it is
   * {@link #orphan orphaned}.
   */
  public void cutEtcd(String pod) {
    etcdProxies(pod).forEach(TcpProxy::cut);
  }

  /** Ends {@link #cutEtcd}: the pod's agent reaches etcd again. */
  public void healEtcd(String pod) {
    etcdProxies(pod).forEach(TcpProxy::heal);
  }

  private List<TcpProxy> etcdProxies(String pod) {
    if (!options.etcdProxies()) {
      throw new IllegalStateException("cutting a pod from etcd needs Options.withEtcdProxies()");
    }
    KubeletPod rt = lifecycle.runtime(pod);
    synchronized (rt) {
      if (rt.etcdProxies.isEmpty()) {
        throw new IllegalStateException("pod " + pod + " has no etcd proxies (no agent started)");
      }
      return rt.etcdProxies;
    }
  }

  /** Waits until the pod's agent runs and answers, and the status saying so has been written. */
  public void awaitRunning(String pod, Duration timeout) {
    controls.awaitRunning(pod, timeout);
  }

  /**
   * Stops every agent (gracefully) and workload, stops watching, removes its finalizer from the
   * pods it still runs (best effort, bounded) and deletes its temp files. Pod statuses are not
   * updated.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (informer != null) {
      informer.close();
    }
    if (secrets != null) {
      secrets.close();
    }
    timer.shutdownNow();
    prober.close();
    orphans().forEach(o -> o.kill("kubelet stopped"));
    lifecycle.stopAll();
    abandoned.forEach(AgentHandle::close);
    processes.close();
    agents.closeEtcdProxies();
    // Leave no pod stuck behind our finalizer, without hanging when the API is already gone.
    Future<?> cleanup =
        exec.submit(
            () -> {
              try {
                api.removeAllFinalizers();
              } catch (RuntimeException e) {
                log.atDebug()
                    .addKeyValue("error", e.toString())
                    .log("kubelet: no finalizer cleanup");
              }
            });
    try {
      cleanup.get(CLOSE_API_BUDGET.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      cleanup.cancel(true);
    }
    exec.shutdownNow();
    try {
      TempFiles.deleteRecursively(root);
    } catch (UncheckedIOException e) {
      log.atDebug().addKeyValue("dir", root).log("kubelet: temp dir not deleted");
    }
    log.atInfo().addKeyValue("namespace", namespace).log("kubelet: stopped");
  }
}
