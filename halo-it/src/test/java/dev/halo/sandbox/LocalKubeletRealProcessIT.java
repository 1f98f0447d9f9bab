package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.halo.common.ElectionKeys;
import dev.halo.common.Labels;
import dev.halo.common.Names;
import dev.halo.sandbox.LocalKubelet.AgentMode;
import dev.halo.testing.EtcdExtension;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With {@link LocalKubelet#RUN_COMMAND_ANNOTATION} the kubelet runs a workload container's command
 * (here {@code redis-server}, which {@code make deps} installs) as a real process on a mapped port,
 * probes it, restarts it and stops it with its pod.
 */
class LocalKubeletRealProcessIT {
  @RegisterExtension static final EtcdExtension etcd = EtcdExtension.members(1);

  private static final String GROUP = "r";
  private static final Duration START = Duration.ofSeconds(30);
  private static EmbeddedApiServer kube;
  private static KubernetesClient client;
  private LocalKubelet kubelet;

  @BeforeAll
  static void startApi() {
    assertThat(onPath("redis-server"))
        .as(
            "redis-server is not installed: run make test (as root it installs it), or sudo"
                + " apt-get install redis-server")
        .isTrue();
    kube = EmbeddedApiServer.start();
    client = kube.client();
  }

  static boolean onPath(String program) {
    return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
        .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, program)));
  }

  @AfterAll
  static void stopApi() {
    kube.close();
  }

  @AfterEach
  void stopKubelet() {
    if (kubelet != null) {
      kubelet.close();
    }
  }

  @Test
  void runsRedisOnItsMappedPortRestartsItAfterKillAndStopsItWithThePod() throws Exception {
    String ns = "real";
    kubelet = LocalKubelet.start(client, ns, etcd.cluster(), AgentMode.IN_PROCESS);
    client.pods().inNamespace(ns).resource(redisPod(ns, "r-0", "Always")).create();

    await().atMost(START).until(() -> ready(ns, "r-0", "redis"));
    long pid = kubelet.workloadPid("r-0", "redis").orElseThrow();
    int port = kubelet.workloadPort("r-0");
    assertThat(port).isNotEqualTo(6379).isPositive();
    assertThat(redisPing(port)).isEqualTo("+PONG");
    // The pod's environment and working directory (redis overwrites its own environ with its
    // title, so a second container writes what it got), a process tree, the agent beside them.
    Path podDir = kubelet.roleFile("r-0").getParent();
    assertThat(Files.readSymbolicLink(Path.of("/proc/" + pid + "/cwd"))).isEqualTo(podDir);
    await().atMost(START).until(() -> Files.exists(podDir.resolve("env.txt")));
    await()
        .atMost(START)
        .untilAsserted(
            () ->
                assertThat(Files.readAllLines(podDir.resolve("env.txt")))
                    .contains("POD_NAME=r-0", "POD_NAMESPACE=" + ns, "POD_IP=127.0.0.1")
                    .contains("HOSTNAME=r-0")
                    .noneMatch(line -> line.startsWith("PORT=")));
    long shell = kubelet.workloadPid("r-0", "tree").orElseThrow();
    await().until(() -> ProcessHandle.of(shell).orElseThrow().children().count() == 1);
    long sleeper = ProcessHandle.of(shell).orElseThrow().children().findFirst().orElseThrow().pid();
    // A process whose parent is gone is no descendant any more, but still in the pod's group.
    await().atMost(START).until(() -> Files.exists(podDir.resolve("orphan.pid")));
    long orphan = Long.parseLong(Files.readString(podDir.resolve("orphan.pid")).trim());
    assertThat(alive(orphan)).isTrue();
    assertThat(ProcessHandle.of(shell).orElseThrow().descendants().map(ProcessHandle::pid))
        .doesNotContain(orphan);
    await().atMost(START).until(() -> "True".equals(condition(ns, "r-0", "Ready")));
    await().atMost(START).until(() -> kubelet.agent("r-0").role().equals("master"));

    // kill -9: the kubelet notices, reports the exit, restarts it (Always) on the same port.
    ProcessHandle.of(pid).orElseThrow().destroyForcibly();
    await().atMost(START).until(() -> containerStatus(ns, "r-0", "redis").getRestartCount() == 1);
    await().atMost(START).until(() -> ready(ns, "r-0", "redis"));
    ContainerStatus restarted = containerStatus(ns, "r-0", "redis");
    assertThat(restarted.getLastState().getTerminated().getExitCode()).isEqualTo(137);
    assertThat(restarted.getState().getRunning()).isNotNull();
    long newPid = kubelet.workloadPid("r-0", "redis").orElseThrow();
    assertThat(newPid).isNotEqualTo(pid);
    assertThat(alive(pid)).isFalse();
    assertThat(redisPing(kubelet.workloadPort("r-0"))).isEqualTo("+PONG");

    // Deleting the pod stops the process (SIGTERM), then the pod goes.
    client.pods().inNamespace(ns).withName("r-0").delete();
    await().atMost(START).until(() -> client.pods().inNamespace(ns).withName("r-0").get() == null);
    assertThat(alive(newPid)).isFalse();
    assertThat(alive(shell)).isFalse();
    assertThat(alive(sleeper)).isFalse();
    assertThat(alive(orphan)).isFalse();
  }

  @Test
  void neverPolicyLeavesTheExitedProcessTerminatedWithItsExitCode() {
    String ns = "never";
    kubelet = LocalKubelet.start(client, ns, etcd.cluster(), AgentMode.IN_PROCESS);
    Pod pod =
        new PodBuilder(redisPod(ns, "n-0", "Never"))
            .editSpec()
            .editFirstContainer()
            .withCommand("sh", "-c", "exit 3")
            .withArgs()
            .withReadinessProbe(null)
            .endContainer()
            .endSpec()
            .build();
    client.pods().inNamespace(ns).resource(pod).create();

    await()
        .atMost(START)
        .until(
            () -> {
              ContainerStatus s = containerStatus(ns, "n-0", "redis");
              return s != null && s.getState().getTerminated() != null;
            });
    ContainerStatus status = containerStatus(ns, "n-0", "redis");
    assertThat(status.getState().getTerminated().getExitCode()).isEqualTo(3);
    assertThat(status.getRestartCount()).isZero();
    assertThat(status.getReady()).isFalse();
    assertThat(condition(ns, "n-0", "Ready")).isEqualTo("False");
    assertThat(kubelet.workloadPid("n-0", "redis")).isEmpty();
  }

  @Test
  void podWithoutTheAnnotationKeepsTheDemoWorkloadWhateverItsCommand() {
    String ns = "demo";
    kubelet = LocalKubelet.start(client, ns, etcd.cluster(), AgentMode.IN_PROCESS);
    Pod pod =
        new PodBuilder(redisPod(ns, "d-0", "Always"))
            .editMetadata()
            .withAnnotations(Map.of())
            .endMetadata()
            .build();
    client.pods().inNamespace(ns).resource(pod).create();

    await().atMost(START).until(() -> ready(ns, "d-0", "redis"));
    assertThatThrownBy(() -> kubelet.workloadPid("d-0", "redis"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("demo workload");
    assertThat(Http.get("http://127.0.0.1:" + kubelet.workloadPort("d-0") + "/health", START))
        .hasValueSatisfying(body -> assertThat(body).startsWith("ok"));
  }

  @Test
  void closingTheKubeletLeavesNoWorkloadProcessBehind() {
    String ns = "close";
    kubelet = LocalKubelet.start(client, ns, etcd.cluster(), AgentMode.IN_PROCESS);
    client.pods().inNamespace(ns).resource(redisPod(ns, "c-0", "Always")).create();
    client.pods().inNamespace(ns).resource(redisPod(ns, "c-1", "Always")).create();
    await().atMost(START).until(() -> ready(ns, "c-0", "redis") && ready(ns, "c-1", "redis"));
    List<Long> pids =
        List.of(
            kubelet.workloadPid("c-0", "redis").orElseThrow(),
            kubelet.workloadPid("c-1", "redis").orElseThrow());

    kubelet.close();
    kubelet = null;

    assertThat(pids).noneMatch(LocalKubeletRealProcessIT::alive);
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  private static String redisPing(int port) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      socket.setSoTimeout(2000);
      OutputStream out = socket.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] reply = new byte[7];
      int n = in.readNBytes(reply, 0, 5);
      return new String(reply, 0, n, StandardCharsets.US_ASCII);
    }
  }

  private static Pod redisPod(String ns, String name, String restartPolicy) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(ns)
        .addToLabels(Labels.APP_MANAGED_BY, Labels.MANAGED_BY_HALO)
        .addToLabels(Labels.GROUP, GROUP)
        .addToAnnotations(LocalKubelet.RUN_COMMAND_ANNOTATION, "true")
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy(restartPolicy)
        .withTerminationGracePeriodSeconds(5L)
        .addNewContainer()
        .withName("redis")
        .withImage("redis:7")
        .withCommand("redis-server", "--port", "6379")
        .withArgs("--save", "", "--appendonly", "no")
        .addNewPort()
        .withName("redis")
        .withContainerPort(6379)
        .endPort()
        .withEnv(podFields())
        .withNewReadinessProbe()
        .withNewExec()
        .withCommand("sh", "-c", "redis-cli -p \"$PORT\" ping | grep -q PONG")
        .endExec()
        .withPeriodSeconds(1)
        .endReadinessProbe()
        .endContainer()
        .addNewContainer()
        .withName("tree")
        .withImage("busybox")
        .withCommand(
            "sh",
            "-c",
            "env > env.txt.tmp && mv env.txt.tmp env.txt;"
                + " (sleep 600 & echo $! > orphan.tmp && mv orphan.tmp orphan.pid);"
                + " sleep 600 & wait")
        .withEnv(podFields())
        .endContainer()
        .addNewContainer()
        .withName(Names.AGENT_CONTAINER)
        .withImage("halo")
        .addNewEnv()
        .withName("HALO_ETCD_ENDPOINTS")
        .withValue(etcd.cluster().endpoints())
        .endEnv()
        .addNewEnv()
        .withName("HALO_ELECTION")
        .withValue(ElectionKeys.electionName(ns, GROUP))
        .endEnv()
        .addNewEnv()
        .withName("HALO_MEMBER")
        .withValue(name)
        .endEnv()
        .addNewEnv()
        .withName("HALO_LEASE_TTL_SECONDS")
        .withValue("2")
        .endEnv()
        .endContainer()
        .endSpec()
        .build();
  }

  private static List<EnvVar> podFields() {
    return List.of(
        field("POD_NAME", "metadata.name"),
        field("POD_NAMESPACE", "metadata.namespace"),
        field("POD_IP", "status.podIP"));
  }

  private static EnvVar field(String name, String path) {
    return new EnvVarBuilder()
        .withName(name)
        .withNewValueFrom()
        .withNewFieldRef()
        .withFieldPath(path)
        .endFieldRef()
        .endValueFrom()
        .build();
  }

  private static boolean ready(String ns, String pod, String container) {
    ContainerStatus status = containerStatus(ns, pod, container);
    return status != null && Boolean.TRUE.equals(status.getReady());
  }

  private static String condition(String ns, String pod, String type) {
    Pod p = client.pods().inNamespace(ns).withName(pod).get();
    if (p == null || p.getStatus() == null) {
      return "missing";
    }
    return p.getStatus().getConditions().stream()
        .filter(c -> c.getType().equals(type))
        .map(PodCondition::getStatus)
        .findFirst()
        .orElse("missing");
  }

  private static ContainerStatus containerStatus(String ns, String pod, String container) {
    Pod p = client.pods().inNamespace(ns).withName(pod).get();
    if (p == null || p.getStatus() == null) {
      return null;
    }
    return p.getStatus().getContainerStatuses().stream()
        .filter(c -> c.getName().equals(container))
        .findFirst()
        .orElse(null);
  }
}
