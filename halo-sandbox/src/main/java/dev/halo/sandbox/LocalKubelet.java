package dev.halo.sandbox;

import dev.halo.agent.AgentConfig;
import dev.halo.agent.ElectionClient;
import dev.halo.common.AgentVariables;
import dev.halo.common.Labels;
import dev.halo.common.Names;
import dev.halo.common.Threads;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateTerminatedBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.PodResource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 *       role its agent published, {@code /health} with 200 or 503 ({@link #setWorkloadHealthy}, or
 *       {@code POST /health?healthy=false}), and remembers the agent's role webhook ({@link
 *       #lastWebhook}).
 *   <li><b>Agent environment</b>: the container's {@code env} with {@code value}, {@code $(VAR)}
 *       references, {@code fieldRef} (metadata.name/namespace/uid/labels/annotations,
 *       spec.nodeName, status.podIP/hostIP), {@code configMapKeyRef} and {@code secretKeyRef}
 *       resolved; then {@code HALO_AGENT_ADDRESS=127.0.0.1}, {@code HALO_AGENT_PORT=<free port>} (0
 *       for an in-process agent, which binds a port itself and reports it), {@code
 *       HALO_ROLE_FILE=<temp dir>/<pod>/role}, and {@code HALO_HEALTH_HTTP}, {@code
 *       HALO_HEALTH_TCP} and {@code HALO_ROLE_WEBHOOK} (when set) pointed at the workload. {@code
 *       HALO_ETCD_ENDPOINTS} stays what the operator wrote unless {@link
 *       Options#withEtcdEndpoints()} is used.
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
 *       containers terminated and removed its finalizer; only then does the pod disappear. Without
 *       it a DELETE removes the pod at once and the agent is stopped afterwards. {@link
 *       #deletePodGracefully} always goes through the terminating state.
 * </ul>
 *
 * <p>Informer callbacks only queue work: pods start and stop on an executor, and all operations on
 * one pod (callbacks, probes, test controls, status writes) are serialised on that pod's state.
 * Status is written as one JSON patch of {@code /status} (guarded by a test of the pod's uid, so a
 * recreated pod of the same name is never written with an old pod's status), retried on 409 and
 * 5xx.
 */
public final class LocalKubelet implements AutoCloseable {
  /** How the agents run: in this JVM, or as {@code java -jar halo.jar agent} processes. */
  public enum AgentMode {
    IN_PROCESS,
    PROCESS
  }

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
      boolean readinessRequests) {
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
          true);
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

    private Options edit(java.util.function.Consumer<Draft> change) {
      Draft d = new Draft(this);
      change.accept(d);
      return new Options(
          d.overrideEtcdEndpoints,
          d.gracefulDeletion,
          d.extraEnv,
          d.agentRestartDelay,
          d.probePeriod,
          d.readinessPeriod,
          d.electionClients,
          d.workloadServers,
          d.readinessRequests);
    }

    /** A mutable copy of the options, for the withers. */
    private static final class Draft {
      boolean overrideEtcdEndpoints;
      boolean gracefulDeletion;
      Map<String, String> extraEnv;
      Optional<Duration> agentRestartDelay;
      Duration probePeriod;
      Duration readinessPeriod;
      Optional<Function<AgentConfig, ElectionClient>> electionClients;
      boolean workloadServers;
      boolean readinessRequests;

      Draft(Options o) {
        overrideEtcdEndpoints = o.overrideEtcdEndpoints;
        gracefulDeletion = o.gracefulDeletion;
        extraEnv = o.extraEnv;
        agentRestartDelay = o.agentRestartDelay;
        probePeriod = o.probePeriod;
        readinessPeriod = o.readinessPeriod;
        electionClients = o.electionClients;
        workloadServers = o.workloadServers;
        readinessRequests = o.readinessRequests;
      }
    }
  }

  private static final Logger log = LoggerFactory.getLogger(LocalKubelet.class);
  private static final String LOCALHOST = "127.0.0.1";
  private static final String NODE_NAME = "halo-sandbox-node";
  private static final Duration DEFAULT_PROBE_PERIOD = Duration.ofMillis(200);
  private static final Duration PROBE_TIMEOUT = Duration.ofMillis(200);
  private static final int PROBE_FAILURE_THRESHOLD = 3;
  // Pods probed at once: probes and status writes wait on I/O, and with thousands of pods one at a
  // time a round took minutes (a kubelet probes every container on its own worker).
  private static final int PROBE_WORKERS = 8;
  private static final long DEFAULT_GRACE_SECONDS = 30;
  private static final int WRITE_ATTEMPTS = 6;
  private static final Duration CLOSE_API_BUDGET = Duration.ofSeconds(3);
  private static final Pattern VAR_REF = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_.-]*)\\)");
  private static final Pattern LABEL_REF =
      Pattern.compile("metadata\\.(labels|annotations)\\['(.+)'\\]");

  private final KubernetesClient client;
  private final String namespace;
  private final EtcdCluster etcd;
  private final AgentMode mode;
  private final Options options;
  private final Path root;
  private final ConcurrentHashMap<String, PodRuntime> pods = new ConcurrentHashMap<>();
  // Pods already stopped: a late event about one of them must not start it again.
  private final Set<String> finishedUids = ConcurrentHashMap.newKeySet();
  private final ExecutorService exec;
  private final ScheduledExecutorService prober;
  private final ExecutorService probeWorkers;
  private final long readinessPeriodNanos;
  private final AtomicBoolean closed = new AtomicBoolean();
  private SharedIndexInformer<Pod> informer;

  private LocalKubelet(
      KubernetesClient client,
      String namespace,
      EtcdCluster etcd,
      AgentMode mode,
      Options options,
      Path root) {
    this.client = client;
    this.namespace = namespace;
    this.etcd = etcd;
    this.mode = mode;
    this.options = options;
    this.readinessPeriodNanos = options.readinessPeriod().toNanos();
    this.root = root;
    this.exec = Executors.newCachedThreadPool(Threads.daemons("kubelet-" + namespace));
    this.prober =
        Executors.newSingleThreadScheduledExecutor(
            r -> Threads.daemon("kubelet-" + namespace + "-probe", r));
    this.probeWorkers =
        Executors.newFixedThreadPool(
            PROBE_WORKERS, Threads.daemons("kubelet-" + namespace + "-probe"));
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
      AgentProcess.jar(); // fail now, not on the first pod, when the jar is missing
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
                    onPodSeen(pod);
                  }

                  @Override
                  public void onUpdate(Pod oldPod, Pod pod) {
                    onPodSeen(pod);
                  }

                  @Override
                  public void onDelete(Pod pod, boolean finalStateUnknown) {
                    onPodGone(pod);
                  }
                },
                0);
    long period = options.probePeriod().toMillis();
    prober.scheduleWithFixedDelay(this::probeAll, period, period, TimeUnit.MILLISECONDS);
    log.atInfo()
        .addKeyValue("namespace", namespace)
        .addKeyValue("mode", mode)
        .addKeyValue("gracefulDeletion", options.gracefulDeletion())
        .log("kubelet: started");
  }

  // ---------------------------------------------------------------- test controls

  /** The running agent of {@code pod} (to read {@code /role}); throws when it has none. */
  public AgentHandle agent(String pod) {
    PodRuntime rt = runtime(pod);
    synchronized (rt) {
      if (rt.agent == null || rt.agentState != AgentState.RUNNING) {
        throw new IllegalStateException(
            "pod " + pod + " has no running agent (agent " + rt.agentState + ")");
      }
      return rt.agent;
    }
  }

  /** Names of the pods whose agent is running. */
  public Set<String> pods() {
    Set<String> running = new TreeSet<>();
    pods.forEach(
        (name, rt) -> {
          synchronized (rt) {
            if (rt.phase == PodPhase.RUNNING && rt.agentState == AgentState.RUNNING) {
              running.add(name);
            }
          }
        });
    return running;
  }

  /** What the kubelet runs for one pod, for the sandbox's live view. */
  public record PodView(
      String name, String agentState, OptionalLong agentPid, int agentPort, int workloadPort) {}

  /** The pods the kubelet runs now, by name. */
  public List<PodView> view() {
    List<PodView> views = new ArrayList<>();
    pods.forEach(
        (name, rt) -> {
          synchronized (rt) {
            views.add(
                new PodView(
                    name,
                    rt.agentState.name().toLowerCase(Locale.ROOT),
                    rt.agent instanceof AgentProcess p && p.isAlive()
                        ? OptionalLong.of(p.pid())
                        : OptionalLong.empty(),
                    rt.agent == null ? 0 : rt.agent.port(),
                    rt.workload == null ? 0 : rt.workload.port()));
          }
        });
    views.sort(Comparator.comparing(PodView::name));
    return views;
  }

  /** The workload's port (what a Service of the pod sends traffic to). */
  public int workloadPort(String pod) {
    PodRuntime rt = runtime(pod);
    synchronized (rt) {
      if (rt.workload == null) {
        throw new IllegalStateException("pod " + pod + " has no workload yet");
      }
      return rt.workload.port();
    }
  }

  /** The role file the pod's agent writes. */
  public Path roleFile(String pod) {
    return root.resolve(pod).resolve("role");
  }

  /** The body of the last role webhook the pod's agent posted to the workload, if any. */
  public Optional<String> lastWebhook(String pod) {
    PodRuntime rt = runtime(pod);
    synchronized (rt) {
      return rt.workload == null
          ? Optional.empty()
          : Optional.ofNullable(rt.workload.webhook.get());
    }
  }

  /** The agent's output so far (PROCESS mode; in-process agents log to the test's output). */
  public String agentOutput(String pod) {
    PodRuntime rt = runtime(pod);
    synchronized (rt) {
      return rt.agent instanceof AgentProcess p ? p.output() : "(agent runs in-process)";
    }
  }

  /**
   * Kills the pod's agent with SIGKILL (PROCESS mode only) and reports its container terminated
   * with the exit code (137) and the pod not ready; the agent is not restarted.
   */
  public void crashAgent(String pod) {
    AgentProcess process = runningProcess(pod, "crashAgent");
    PodRuntime rt = runtime(pod);
    synchronized (rt) {
      process.kill();
      int exitCode = process.waitFor(Duration.ofSeconds(10));
      rt.agentTerminated(exitCode, "Error", "killed by LocalKubelet.crashAgent");
      scheduleRestart(rt);
      log.atInfo()
          .addKeyValue("pod", pod)
          .addKeyValue("pid", process.pid())
          .addKeyValue("exitCode", exitCode)
          .log("kubelet: crashed agent");
      writeStatus(rt);
    }
  }

  /**
   * Kills the pod's agent with SIGKILL (PROCESS mode only) and reports nothing: the pod keeps the
   * status last written (Running, Ready) as when its node stops reporting, so only the agent's
   * lease running out tells that it is gone. The status stays frozen, and the agent is not
   * restarted, until {@link #restartAgent} or the pod's deletion.
   */
  public void crashAgentSilently(String pod) {
    AgentProcess process = runningProcess(pod, "crashAgentSilently");
    PodRuntime rt = runtime(pod);
    synchronized (rt) {
      rt.statusFrozen = true;
      process.kill();
      int exitCode = process.waitFor(Duration.ofSeconds(10));
      rt.agentTerminated(exitCode, "Error", "killed by LocalKubelet.crashAgentSilently");
      log.atInfo()
          .addKeyValue("pod", pod)
          .addKeyValue("pid", process.pid())
          .addKeyValue("exitCode", exitCode)
          .log("kubelet: crashed agent silently, pod status frozen");
    }
  }

  private AgentProcess runningProcess(String pod, String what) {
    if (mode != AgentMode.PROCESS) {
      throw new IllegalStateException(
          what + " needs AgentMode.PROCESS: an in-process agent cannot be killed");
    }
    PodRuntime rt = runtime(pod);
    synchronized (rt) {
      if (!(rt.agent instanceof AgentProcess process) || rt.agentState != AgentState.RUNNING) {
        throw new IllegalStateException("pod " + pod + " has no running agent to crash");
      }
      return process;
    }
  }

  /**
   * Starts a new agent for the pod (stopping the current one first if it still runs), as a
   * container restart: restartCount goes up by one and the last termination becomes lastState.
   */
  public void restartAgent(String pod) {
    PodRuntime rt = runtime(pod);
    synchronized (rt) {
      if (rt.phase != PodPhase.RUNNING || rt.agentContainer == null) {
        throw new IllegalStateException("pod " + pod + " is " + rt.phase + "; cannot restart");
      }
      if (rt.agentState == AgentState.RUNNING) {
        stopAgent(rt, "restart");
      }
      releaseDeadAgent(rt);
      rt.restartCount++;
      rt.statusFrozen = false;
      startAgent(rt);
      writeStatus(rt);
    }
  }

  /** Makes the pod's fake workload answer {@code /health} with 200 (true) or 503 (false). */
  public void setWorkloadHealthy(String pod, boolean healthy) {
    PodRuntime rt = runtime(pod);
    synchronized (rt) {
      if (rt.workload == null) {
        throw new IllegalStateException("pod " + pod + " has no workload yet");
      }
      rt.workload.healthy.set(healthy);
      log.atInfo()
          .addKeyValue("pod", pod)
          .addKeyValue("healthy", healthy)
          .log("kubelet: workload health set");
      writeStatus(rt);
    }
  }

  /**
   * Deletes the pod the way Kubernetes does: marks it terminating (deletionTimestamp now,
   * deletionGracePeriodSeconds from the pod spec or 30, held by {@value #FINALIZER}) so the
   * operator sees a terminating pod, stops the agent gracefully (it resigns), stops the workload,
   * reports the containers terminated, then lets the pod object go; returns once it is gone.
   */
  public void deletePodGracefully(String pod) {
    PodResource resource = client.pods().inNamespace(namespace).withName(pod);
    Pod current = resource.get();
    if (current == null) {
      throw new NoSuchElementException("no pod " + namespace + "/" + pod);
    }
    long grace =
        Optional.ofNullable(current.getSpec().getTerminationGracePeriodSeconds())
            .orElse(DEFAULT_GRACE_SECONDS);
    String uid = current.getMetadata().getUid();
    if (current.getMetadata().getDeletionTimestamp() == null) {
      // A JSON patch, not edit(): fabric8 leaves metadata.deletionTimestamp out of edit() diffs.
      List<String> finalizers = new ArrayList<>(current.getMetadata().getFinalizers());
      if (!finalizers.contains(FINALIZER)) {
        finalizers.add(FINALIZER);
      }
      String patch =
          "[{\"op\":\"test\",\"path\":\"/metadata/uid\",\"value\":"
              + Serialization.asJson(uid)
              + "},{\"op\":\"add\",\"path\":\"/metadata/finalizers\",\"value\":"
              + Serialization.asJson(finalizers)
              + "},{\"op\":\"add\",\"path\":\"/metadata/deletionTimestamp\",\"value\":"
              + Serialization.asJson(timestamp(Instant.now()))
              + "},{\"op\":\"add\",\"path\":\"/metadata/deletionGracePeriodSeconds\",\"value\":"
              + grace
              + "}]";
      resource.patch(PatchContext.of(PatchType.JSON), patch);
    }
    log.atInfo()
        .addKeyValue("pod", pod)
        .addKeyValue("gracePeriodSeconds", grace)
        .log("kubelet: marked pod terminating");
    PodRuntime rt = pods.get(pod);
    if (rt != null && rt.uid.equals(uid)) {
      terminate(rt, true);
    } else {
      removeFinalizer(pod, uid);
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (isSamePod(resource, uid)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "pod " + pod + " is still there after its graceful deletion: " + resource.get());
      }
      sleep(Duration.ofMillis(20));
    }
  }

  /** Waits until the pod's agent runs and answers, and the status saying so has been written. */
  public void awaitRunning(String pod, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      PodRuntime rt = pods.get(pod);
      if (rt != null) {
        synchronized (rt) {
          if (rt.phase == PodPhase.RUNNING
              && rt.agentState == AgentState.RUNNING
              && rt.agentReady
              && rt.writtenAgentReady) {
            return;
          }
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException(
                "pod "
                    + pod
                    + " not running after "
                    + timeout
                    + ": phase "
                    + rt.phase
                    + ", agent "
                    + rt.agentState
                    + (rt.agentTermination == null
                        ? ""
                        : " (" + rt.agentTermination.getMessage() + ")")
                    + ", agent ready "
                    + rt.agentReady
                    + (rt.agent instanceof AgentProcess p ? "\nagent output:\n" + p.output() : ""));
          }
        }
      } else if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "pod " + pod + " was never started by the kubelet within " + timeout);
      }
      sleep(Duration.ofMillis(20));
    }
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
    prober.shutdownNow();
    probeWorkers.shutdownNow();
    List<Future<?>> stops = new ArrayList<>();
    for (PodRuntime rt : List.copyOf(pods.values())) {
      stops.add(exec.submit(() -> terminate(rt, false)));
    }
    for (Future<?> stop : stops) {
      try {
        stop.get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        log.atWarn().addKeyValue("error", e.toString()).log("kubelet: a pod did not stop");
      }
    }
    // Leave no pod stuck behind our finalizer, without hanging when the API is already gone.
    Future<?> cleanup =
        exec.submit(
            () -> {
              try {
                client
                    .pods()
                    .inNamespace(namespace)
                    .withLabel(Labels.APP_MANAGED_BY, Labels.MANAGED_BY_HALO)
                    .list()
                    .getItems()
                    .stream()
                    .filter(p -> p.getMetadata().getFinalizers().contains(FINALIZER))
                    .forEach(
                        p -> removeFinalizer(p.getMetadata().getName(), p.getMetadata().getUid()));
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

  // ---------------------------------------------------------------- pod lifecycle

  private void onPodSeen(Pod pod) {
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
      PodRuntime rt = pods.get(name);
      if (rt != null && rt.uid.equals(uid)) {
        run("terminate " + name, () -> terminate(rt, true));
      } else if (rt == null && pod.getMetadata().getFinalizers().contains(FINALIZER)) {
        run("release " + name, () -> removeFinalizer(name, uid));
      }
      return;
    }
    AtomicReference<PodRuntime> replaced = new AtomicReference<>();
    AtomicBoolean created = new AtomicBoolean();
    PodRuntime rt =
        pods.compute(
            name,
            (k, existing) -> {
              if (existing != null && existing.uid.equals(uid)) {
                return existing;
              }
              replaced.set(existing);
              created.set(true);
              return new PodRuntime(pod);
            });
    if (created.get()) {
      run(
          "start " + name,
          () -> {
            if (replaced.get() != null) {
              terminate(replaced.get(), false);
            }
            startPod(rt);
          });
    }
  }

  private void onPodGone(Pod pod) {
    String name = pod.getMetadata().getName();
    PodRuntime rt = pods.get(name);
    if (rt != null && rt.uid.equals(pod.getMetadata().getUid())) {
      log.atInfo().addKeyValue("pod", name).log("kubelet: pod deleted");
      run("stop " + name, () -> terminate(rt, false));
    }
  }

  /** Runs pod work off the informer thread, logging what fails (nobody waits for it). */
  private void run(String what, Runnable task) {
    try {
      exec.execute(
          () -> {
            try {
              task.run();
            } catch (RuntimeException e) {
              log.atError().setCause(e).addKeyValue("task", what).log("kubelet: task failed");
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      log.atDebug().addKeyValue("task", what).log("kubelet: closed, task dropped");
    }
  }

  private void startPod(PodRuntime rt) {
    synchronized (rt) {
      if (rt.phase != PodPhase.NEW || closed.get()) {
        return;
      }
      if (options.gracefulDeletion() && !addFinalizer(rt)) {
        rt.phase = PodPhase.GONE;
        finishedUids.add(rt.uid);
        pods.remove(rt.name, rt);
        return;
      }
      try {
        Files.createDirectories(root.resolve(rt.name));
        rt.workload =
            options.workloadServers()
                ? DemoWorkload.start(rt.name, roleFile(rt.name))
                : DemoWorkload.serverless(rt.name, roleFile(rt.name));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start the workload of " + rt.name, e);
      }
      rt.phase = PodPhase.RUNNING;
      log.atInfo()
          .addKeyValue("pod", rt.name)
          .addKeyValue("port", rt.workload.port())
          .log("kubelet: started workload");
      if (rt.agentContainer != null) {
        startAgent(rt);
      }
      writeStatus(rt);
    }
  }

  /** Starts the agent of a running pod; records a failure to start as a terminated container. */
  private void startAgent(PodRuntime rt) {
    rt.agentReady = false;
    rt.probeFailures = 0;
    rt.agentStartedAt = Instant.now();
    Map<String, String> env;
    try {
      env = agentEnv(rt);
    } catch (RuntimeException e) {
      rt.agentTerminated(1, "CreateContainerConfigError", e.getMessage());
      log.atWarn()
          .addKeyValue("pod", rt.name)
          .addKeyValue("error", e.getMessage())
          .log("kubelet: cannot build the agent environment");
      return;
    }
    AgentEnv agentEnv =
        AgentEnv.of(
            env.getOrDefault(AgentVariables.ETCD_ENDPOINTS, ""),
            env.getOrDefault(AgentVariables.ELECTION, ""),
            env.getOrDefault(AgentVariables.MEMBER, env.getOrDefault(AgentVariables.POD_NAME, "")));
    env.forEach(agentEnv::set);
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
    rt.agentState = AgentState.RUNNING;
    if (!options.readinessRequests() && rt.agent instanceof InProcessAgent) {
      rt.agentReady = true; // Ready once started: the first status write says so
    }
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
  private void stopAgent(PodRuntime rt, String why) {
    AgentHandle agent = rt.agent;
    if (agent == null || rt.agentState != AgentState.RUNNING) {
      return;
    }
    long start = System.nanoTime();
    int exitCode;
    if (agent instanceof AgentProcess process) {
      exitCode = process.terminate(rt.gracePeriod());
      if (exitCode == -1) {
        process.kill();
        exitCode = process.waitFor(Duration.ofSeconds(10));
      }
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

  /** With {@link Options#withAgentRestarts}, restarts the pod's dead agent after the delay. */
  private void scheduleRestart(PodRuntime rt) {
    options
        .agentRestartDelay()
        .ifPresent(
            delay ->
                prober.schedule(
                    () -> run("restart agent of " + rt.name, () -> restartDeadAgent(rt)),
                    delay.toMillis(),
                    TimeUnit.MILLISECONDS));
  }

  private void restartDeadAgent(PodRuntime rt) {
    synchronized (rt) {
      if (closed.get()
          || pods.get(rt.name) != rt
          || rt.phase != PodPhase.RUNNING
          || rt.agentState != AgentState.TERMINATED) {
        return;
      }
      releaseDeadAgent(rt);
      rt.restartCount++;
      startAgent(rt);
      log.atInfo()
          .addKeyValue("pod", rt.name)
          .addKeyValue("restartCount", rt.restartCount)
          .log("kubelet: restarted the dead agent");
      writeStatus(rt);
    }
  }

  /** Closes the handle of an agent process that exited (crashed), deleting its log file. */
  private static void releaseDeadAgent(PodRuntime rt) {
    if (rt.agent instanceof AgentProcess process && !process.isAlive()) {
      process.close();
    }
  }

  /**
   * Stops a pod's agent and workload. With {@code podExists} it reports the containers terminated
   * and lets go of the pod object (removes the finalizer); either way the pod leaves the kubelet.
   */
  private void terminate(PodRuntime rt, boolean podExists) {
    synchronized (rt) {
      if (rt.phase == PodPhase.TERMINATED || rt.phase == PodPhase.GONE) {
        return;
      }
      rt.phase = PodPhase.TERMINATING;
      rt.statusFrozen = false;
      finishedUids.add(rt.uid);
      stopAgent(rt, "pod terminating");
      releaseDeadAgent(rt);
      if (rt.workload != null) {
        rt.workload.stop();
        rt.workloadFinishedAt = Instant.now();
        log.atInfo().addKeyValue("pod", rt.name).log("kubelet: stopped workload");
      }
      rt.phase = PodPhase.TERMINATED;
      if (podExists && !closed.get()) {
        writeStatus(rt);
      }
    }
    pods.remove(rt.name, rt);
    if (podExists && !closed.get()) {
      removeFinalizer(rt.name, rt.uid);
    }
  }

  /** One probe round: every pod, {@value #PROBE_WORKERS} at a time; the next round waits. */
  private void probeAll() {
    List<Callable<Void>> round = new ArrayList<>();
    for (PodRuntime rt : pods.values()) {
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
      probeWorkers.invokeAll(round);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.RejectedExecutionException e) {
      log.atDebug().log("kubelet: closed, probe round dropped");
    }
  }

  private void probe(PodRuntime rt) {
    AgentHandle agent;
    synchronized (rt) {
      if (rt.phase != PodPhase.RUNNING || rt.agentState != AgentState.RUNNING) {
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
    boolean answered =
        askHttp
            && (!options.readinessRequests() && agent instanceof InProcessAgent
                || Http.get("http://" + LOCALHOST + ":" + agent.port() + "/healthz", PROBE_TIMEOUT)
                    .isPresent());
    synchronized (rt) {
      if (rt.agent != agent || rt.agentState != AgentState.RUNNING || closed.get()) {
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
      if (!alive) {
        AgentProcess process = (AgentProcess) agent;
        int exitCode = process.waitFor(Duration.ofSeconds(1));
        rt.agentTerminated(exitCode, exitCode == 0 ? "Completed" : "Error", "agent exited");
        scheduleRestart(rt);
        log.atWarn()
            .addKeyValue("pod", rt.name)
            .addKeyValue("exitCode", exitCode)
            .addKeyValue("output", tail(process.output(), 10))
            .log("kubelet: agent exited");
        writeStatus(rt);
      } else if (rt.workload != null && rt.workload.healthy.get() != rt.writtenWorkloadHealthy) {
        rt.agentReady = ready;
        writeStatus(rt);
      } else if (ready != rt.agentReady) {
        rt.agentReady = ready;
        log.atInfo()
            .addKeyValue("pod", rt.name)
            .addKeyValue("ready", ready)
            .log("kubelet: agent readiness changed");
        writeStatus(rt);
      } else if (rt.statusUnsynced) {
        writeStatus(rt); // an earlier write failed: sync again, as a kubelet's status loop does
      }
    }
  }

  // ---------------------------------------------------------------- agent environment

  private Map<String, String> agentEnv(PodRuntime rt) {
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvVar var : rt.agentContainer.getEnv()) {
      String value = resolve(rt.pod, var, env);
      if (value != null) {
        env.put(var.getName(), value);
      }
    }
    if (!rt.agentContainer.getEnvFrom().isEmpty()) {
      log.atWarn().addKeyValue("pod", rt.name).log("kubelet: envFrom is not supported, ignored");
    }
    int workloadPort = rt.workload.port();
    env.put(AgentVariables.AGENT_ADDRESS, LOCALHOST);
    // An in-process agent binds a port of its own choosing (its handle reports it): a free port
    // picked here could be taken by another pod's server before the agent binds it, and with
    // hundreds of pods starting at once that happened. A process agent needs it up front.
    env.put(
        AgentVariables.AGENT_PORT,
        mode == AgentMode.IN_PROCESS ? "0" : Integer.toString(Http.freePort()));
    env.put(AgentVariables.ROLE_FILE, root.resolve(rt.name).resolve("role").toString());
    if (env.containsKey(AgentVariables.HEALTH_HTTP)) {
      env.put(AgentVariables.HEALTH_HTTP, "http://" + LOCALHOST + ":" + workloadPort + "/health");
    }
    if (env.containsKey(AgentVariables.HEALTH_TCP)) {
      env.put(AgentVariables.HEALTH_TCP, LOCALHOST + ":" + workloadPort);
    }
    String webhook = env.get(AgentVariables.ROLE_WEBHOOK);
    if (webhook != null && !webhook.isBlank()) {
      env.put(AgentVariables.ROLE_WEBHOOK, toWorkload(webhook, workloadPort));
    }
    if (options.overrideEtcdEndpoints()) {
      env.put(AgentVariables.ETCD_ENDPOINTS, etcd.endpoints());
    }
    env.putAll(options.extraEnv());
    return env;
  }

  private static String toWorkload(String url, int port) {
    URI uri = URI.create(url);
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
    return "http://" + LOCALHOST + ":" + port + path + query;
  }

  private String resolve(Pod pod, EnvVar var, Map<String, String> earlier) {
    EnvVarSource from = var.getValueFrom();
    if (from == null) {
      return expand(Objects.requireNonNullElse(var.getValue(), ""), earlier);
    }
    if (from.getFieldRef() != null) {
      return fieldRef(pod, from.getFieldRef().getFieldPath());
    }
    if (from.getConfigMapKeyRef() != null) {
      var ref = from.getConfigMapKeyRef();
      var map = client.configMaps().inNamespace(namespace).withName(ref.getName()).get();
      String value = map == null || map.getData() == null ? null : map.getData().get(ref.getKey());
      return required(
          value, ref.getOptional(), "configMap " + ref.getName() + " key " + ref.getKey());
    }
    if (from.getSecretKeyRef() != null) {
      var ref = from.getSecretKeyRef();
      var secret = client.secrets().inNamespace(namespace).withName(ref.getName()).get();
      String value = null;
      if (secret != null
          && secret.getData() != null
          && secret.getData().get(ref.getKey()) != null) {
        value =
            new String(
                Base64.getDecoder().decode(secret.getData().get(ref.getKey())),
                StandardCharsets.UTF_8);
      } else if (secret != null && secret.getStringData() != null) {
        value = secret.getStringData().get(ref.getKey());
      }
      return required(value, ref.getOptional(), "secret " + ref.getName() + " key " + ref.getKey());
    }
    log.atWarn()
        .addKeyValue("pod", pod.getMetadata().getName())
        .addKeyValue("variable", var.getName())
        .log("kubelet: unsupported valueFrom, variable left unset");
    return null;
  }

  private static String required(String value, Boolean optional, String what) {
    if (value == null && !Boolean.TRUE.equals(optional)) {
      throw new IllegalStateException(what + " not found");
    }
    return value;
  }

  private String fieldRef(Pod pod, String path) {
    switch (path) {
      case "metadata.name":
        return pod.getMetadata().getName();
      case "metadata.namespace":
        return namespace;
      case "metadata.uid":
        return pod.getMetadata().getUid();
      case "spec.nodeName":
        return NODE_NAME;
      case "spec.serviceAccountName":
        return Objects.requireNonNullElse(pod.getSpec().getServiceAccountName(), "default");
      case "status.podIP":
      case "status.podIPs":
      case "status.hostIP":
      case "status.hostIPs":
        return LOCALHOST;
      default:
        Matcher m = LABEL_REF.matcher(path);
        if (m.matches()) {
          Map<String, String> values =
              m.group(1).equals("labels")
                  ? pod.getMetadata().getLabels()
                  : pod.getMetadata().getAnnotations();
          return values == null ? "" : values.getOrDefault(m.group(2), "");
        }
        throw new IllegalStateException("unsupported fieldRef " + path);
    }
  }

  /** Kubernetes' {@code $(VAR)} expansion: earlier variables only, {@code $$} escapes. */
  static String expand(String value, Map<String, String> earlier) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < value.length()) {
      if (value.startsWith("$$", i)) {
        out.append('$');
        i += 2;
        continue;
      }
      Matcher m = VAR_REF.matcher(value).region(i, value.length());
      if (m.lookingAt() && earlier.containsKey(m.group(1))) {
        out.append(earlier.get(m.group(1)));
        i = m.end();
        continue;
      }
      out.append(value.charAt(i++));
    }
    return out.toString();
  }

  // ---------------------------------------------------------------- API writes

  private boolean addFinalizer(PodRuntime rt) {
    try {
      Pod edited =
          client
              .pods()
              .inNamespace(namespace)
              .withName(rt.name)
              .edit(
                  p -> {
                    if (rt.uid.equals(p.getMetadata().getUid())
                        && !p.getMetadata().getFinalizers().contains(FINALIZER)) {
                      List<String> finalizers = new ArrayList<>(p.getMetadata().getFinalizers());
                      finalizers.add(FINALIZER);
                      p.getMetadata().setFinalizers(finalizers);
                    }
                    return p;
                  });
      return edited != null && rt.uid.equals(edited.getMetadata().getUid());
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        log.atInfo().addKeyValue("pod", rt.name).log("kubelet: pod vanished before it started");
        return false;
      }
      throw e;
    }
  }

  private void removeFinalizer(String name, String uid) {
    for (int attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
      try {
        client
            .pods()
            .inNamespace(namespace)
            .withName(name)
            .edit(
                p -> {
                  if (uid.equals(p.getMetadata().getUid())) {
                    List<String> finalizers = new ArrayList<>(p.getMetadata().getFinalizers());
                    finalizers.remove(FINALIZER);
                    p.getMetadata().setFinalizers(finalizers);
                  }
                  return p;
                });
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404 || closed.get() && attempt > 1) {
          return;
        }
        if (attempt == WRITE_ATTEMPTS || !retryable(e)) {
          log.atWarn()
              .addKeyValue("pod", name)
              .addKeyValue("error", e.getMessage())
              .log("kubelet: cannot remove the finalizer");
          return;
        }
        sleep(Duration.ofMillis(50L * attempt));
      }
    }
  }

  /** Writes the pod's whole status (caller holds the pod's lock); false when the pod is gone. */
  private boolean writeStatus(PodRuntime rt) {
    if (closed.get()) {
      return false;
    }
    if (rt.statusFrozen) {
      return true; // crashAgentSilently: the node reports nothing
    }
    PodStatus status = rt.status();
    String patch =
        "[{\"op\":\"test\",\"path\":\"/metadata/uid\",\"value\":"
            + Serialization.asJson(rt.uid)
            + "},{\"op\":\"add\",\"path\":\"/status\",\"value\":"
            + Serialization.asJson(status)
            + "}]";
    PodResource resource = client.pods().inNamespace(namespace).withName(rt.name);
    for (int attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
      try {
        resource.subresource("status").patch(PatchContext.of(PatchType.JSON), patch);
        rt.writtenAgentReady = rt.agentState == AgentState.RUNNING && rt.agentReady;
        rt.writtenWorkloadHealthy = rt.workload != null && rt.workload.healthy.get();
        rt.statusUnsynced = false;
        return true;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          rt.statusUnsynced = false;
          return false;
        }
        if (e.getCode() != 409 && !isSamePod(resource, rt.uid)) {
          rt.statusUnsynced = false;
          return false; // the uid test failed: this name is a new pod now
        }
        if (attempt == WRITE_ATTEMPTS || !retryable(e)) {
          // The probe loop writes it again (a busy API server timed the request out).
          rt.statusUnsynced = true;
          log.atWarn()
              .addKeyValue("pod", rt.name)
              .addKeyValue("code", e.getCode())
              .addKeyValue("error", e.getMessage())
              .log("kubelet: cannot write pod status; retrying at the next probe");
          return false;
        }
        sleep(Duration.ofMillis(50L * attempt));
      }
    }
    return false;
  }

  private static boolean retryable(KubernetesClientException e) {
    return e.getCode() == 409 || e.getCode() == 429 || e.getCode() >= 500 || e.getCode() <= 0;
  }

  /** Whether the pod under that name is still {@code uid}; true when the API cannot tell now. */
  private static boolean isSamePod(PodResource resource, String uid) {
    Pod pod;
    try {
      pod = resource.get();
    } catch (KubernetesClientException e) {
      return true; // unknown: keep the write pending rather than drop it
    }
    return pod != null && uid.equals(pod.getMetadata().getUid());
  }

  // ---------------------------------------------------------------- helpers

  private PodRuntime runtime(String pod) {
    PodRuntime rt = pods.get(pod);
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

  private static String timestamp(Instant instant) {
    return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static String tail(String text, int lines) {
    List<String> all = text.lines().toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  // ---------------------------------------------------------------- per-pod state

  private enum PodPhase {
    NEW,
    RUNNING,
    TERMINATING,
    TERMINATED,
    GONE
  }

  private enum AgentState {
    WAITING,
    RUNNING,
    TERMINATED
  }

  /** Everything the kubelet knows about one pod; guarded by its own monitor. */
  private final class PodRuntime {
    final String name;
    final String uid;
    final Pod pod;
    final Container agentContainer;
    final Instant startTime = Instant.now();
    final Map<String, PodCondition> conditions = new HashMap<>();
    PodPhase phase = PodPhase.NEW;
    DemoWorkload workload;
    Instant workloadFinishedAt;
    AgentHandle agent;
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

    PodRuntime(Pod pod) {
      this.name = pod.getMetadata().getName();
      this.uid = pod.getMetadata().getUid();
      this.pod = pod;
      this.agentContainer =
          pod.getSpec().getContainers().stream()
              .filter(c -> Names.AGENT_CONTAINER.equals(c.getName()))
              .findFirst()
              .orElse(null);
    }

    Duration gracePeriod() {
      return Duration.ofSeconds(
          Optional.ofNullable(pod.getSpec().getTerminationGracePeriodSeconds())
              .orElse(DEFAULT_GRACE_SECONDS));
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
              .withStartedAt(timestamp(agentStartedAt == null ? now : agentStartedAt))
              .withFinishedAt(timestamp(now))
              .build();
      agentLastTermination = agentTermination;
    }

    String containerId(String container, int restarts) {
      return "halo-sandbox://" + name + "/" + container + "/" + restarts;
    }

    PodStatus status() {
      boolean stopped = phase == PodPhase.TERMINATED;
      boolean workloadReady = !stopped && workload != null && workload.healthy.get();
      boolean agentIsReady =
          agentContainer == null || (agentState == AgentState.RUNNING && agentReady);
      boolean ready = workloadReady && agentIsReady;
      List<ContainerStatus> statuses = new ArrayList<>();
      for (Container c : pod.getSpec().getContainers()) {
        statuses.add(
            Names.AGENT_CONTAINER.equals(c.getName())
                ? agentStatus(c)
                : workloadStatus(c, workloadReady, stopped));
      }
      List<ContainerStatus> initStatuses = new ArrayList<>();
      for (Container c : pod.getSpec().getInitContainers()) {
        initStatuses.add(
            new ContainerStatusBuilder()
                .withName(c.getName())
                .withImage(c.getImage())
                .withImageID("")
                .withContainerID(containerId(c.getName(), 0))
                .withReady(true)
                .withStarted(false)
                .withRestartCount(0)
                .withState(
                    new ContainerStateBuilder()
                        .withTerminated(
                            new ContainerStateTerminatedBuilder()
                                .withExitCode(0)
                                .withReason("Completed")
                                .withStartedAt(timestamp(startTime))
                                .withFinishedAt(timestamp(startTime))
                                .build())
                        .build())
                .build());
      }
      return new PodStatusBuilder()
          .withPhase(stopped ? terminalPhase(statuses) : "Running")
          .withPodIP(LOCALHOST)
          .addNewPodIP(LOCALHOST)
          .withHostIP(LOCALHOST)
          .addNewHostIP(LOCALHOST)
          .withStartTime(timestamp(startTime))
          .withQosClass("BestEffort")
          .withConditions(
              condition("PodScheduled", true),
              condition("Initialized", true),
              condition("ContainersReady", ready),
              condition("Ready", ready))
          .withContainerStatuses(statuses)
          .withInitContainerStatuses(initStatuses)
          .build();
    }

    private String terminalPhase(List<ContainerStatus> statuses) {
      boolean allZero =
          statuses.stream()
              .map(ContainerStatus::getState)
              .map(ContainerState::getTerminated)
              .allMatch(t -> t != null && t.getExitCode() == 0);
      return allZero ? "Succeeded" : "Failed";
    }

    private PodCondition condition(String type, boolean value) {
      String status = value ? "True" : "False";
      PodCondition previous = conditions.get(type);
      if (previous != null && previous.getStatus().equals(status)) {
        return previous;
      }
      PodCondition next =
          new PodConditionBuilder()
              .withType(type)
              .withStatus(status)
              .withLastTransitionTime(timestamp(Instant.now()))
              .withReason(value ? null : "ContainersNotReady")
              .build();
      conditions.put(type, next);
      return next;
    }

    private ContainerStatus workloadStatus(Container c, boolean ready, boolean stopped) {
      ContainerState state =
          stopped
              ? new ContainerStateBuilder()
                  .withTerminated(
                      new ContainerStateTerminatedBuilder()
                          .withContainerID(containerId(c.getName(), 0))
                          .withExitCode(0)
                          .withReason("Completed")
                          .withStartedAt(timestamp(startTime))
                          .withFinishedAt(
                              timestamp(
                                  workloadFinishedAt == null ? Instant.now() : workloadFinishedAt))
                          .build())
                  .build()
              : new ContainerStateBuilder()
                  .withNewRunning()
                  .withStartedAt(timestamp(startTime))
                  .endRunning()
                  .build();
      return new ContainerStatusBuilder()
          .withName(c.getName())
          .withImage(c.getImage())
          .withImageID("")
          .withContainerID(containerId(c.getName(), 0))
          .withReady(ready)
          .withStarted(!stopped)
          .withRestartCount(0)
          .withState(state)
          .build();
    }

    private ContainerStatus agentStatus(Container c) {
      ContainerState state;
      if (agentState == AgentState.RUNNING) {
        state =
            new ContainerStateBuilder()
                .withNewRunning()
                .withStartedAt(timestamp(agentStartedAt))
                .endRunning()
                .build();
      } else if (agentState == AgentState.TERMINATED) {
        state = new ContainerStateBuilder().withTerminated(agentTermination).build();
      } else {
        state =
            new ContainerStateBuilder()
                .withNewWaiting()
                .withReason("ContainerCreating")
                .endWaiting()
                .build();
      }
      ContainerStatusBuilder status =
          new ContainerStatusBuilder()
              .withName(c.getName())
              .withImage(c.getImage())
              .withImageID("")
              .withContainerID(containerId(c.getName(), restartCount))
              .withReady(agentState == AgentState.RUNNING && agentReady)
              .withStarted(agentState == AgentState.RUNNING)
              .withRestartCount(restartCount)
              .withState(state);
      if (agentLastTermination != null && agentState == AgentState.RUNNING) {
        status.withNewLastState().withTerminated(agentLastTermination).endLastState();
      }
      return status.build();
    }
  }
}
