package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.common.Labels;
import dev.halo.sandbox.LocalKubelet.AgentMode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.LifecycleHandlerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * On a graceful deletion the kubelet runs every container's preStop hook, all at once, then stops
 * the container, all within the grace period, as a kubelet does. The pods here have no agent: only
 * the workload's end is measured.
 */
class LocalKubeletPreStopIT {
  private static final Duration START = Duration.ofSeconds(20);
  // A workload server in Python whose GET /drain takes a second: it notes when it began and ended.
  private static final String DRAINING_SERVER =
      """
      import http.server, os, time
      class H(http.server.BaseHTTPRequestHandler):
          def do_GET(self):
              if self.path == '/drain':
                  open('drain-started', 'w').close()
                  time.sleep(1)
                  open('drained', 'w').close()
              self.send_response(200)
              self.end_headers()
      http.server.HTTPServer(('127.0.0.1', int(os.environ['PORT'])), H).serve_forever()
      """;
  private static EmbeddedApiServer kube;
  private static KubernetesClient client;
  private LocalKubelet kubelet;
  private String ns;

  @BeforeAll
  static void startApi() {
    kube = EmbeddedApiServer.start();
    client = kube.client();
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
  void workloadKeepsServingDuringItsPreStopSleepAndStopsAfter() {
    int port = run(pod("sleep-0", 5, demo("app", sleep(1))));

    long deleted = delete("sleep-0");

    await().during(Duration.ofMillis(700)).atMost(START).until(() -> serves(port));
    await().atMost(START).until(() -> !serves(port));
    assertThat(millisSince(deleted)).isBetween(900L, 2_500L);
    await().atMost(START).until(() -> gone("sleep-0"));
  }

  @Test
  void httpGetHookReachesTheProcessPortAndHoldsTheStopUntilItAnswers() {
    Container server =
        new ContainerBuilder()
            .withName("server")
            .withCommand("python3", "-c", DRAINING_SERVER)
            .addNewPort()
            .withName("http")
            .withContainerPort(8080)
            .endPort()
            .withNewLifecycle()
            .withPreStop(
                new LifecycleHandlerBuilder()
                    .withNewHttpGet()
                    .withPath("/drain")
                    .withPort(new IntOrString("http"))
                    .endHttpGet()
                    .build())
            .endLifecycle()
            .build();
    Pod pod = processes(pod("http-0", 5, server));
    run(pod);
    long pid = kubelet.workloadPid("http-0", "server").orElseThrow();
    Path cwd = kubelet.roleFile("http-0").getParent();

    long deleted = delete("http-0");

    await().atMost(START).until(() -> Files.exists(cwd.resolve("drain-started")));
    assertThat(alive(pid)).as("the process runs while its hook is answered").isTrue();
    await().atMost(START).until(() -> !alive(pid));
    assertThat(millisSince(deleted)).isGreaterThanOrEqualTo(1_000L);
    assertThat(cwd.resolve("drained")).exists();
  }

  @Test
  void hookLongerThanTheGracePeriodIsCutOffAtItsEnd() {
    int port = run(pod("long-0", 1, demo("app", sleep(10))));

    long deleted = delete("long-0");

    await().atMost(START).until(() -> !serves(port));
    assertThat(millisSince(deleted)).isBetween(900L, 2_500L);
    await().atMost(START).until(() -> gone("long-0"));
    assertThat(warnings("long-0"))
        .anySatisfy(
            e -> assertThat(e.getMessage()).contains("sleep 10s", "\"app\"", "grace period ended"));
  }

  @Test
  void hooksOfTheContainersRunInParallel() {
    int port = run(pod("both-0", 5, demo("a", sleep(1)), demo("b", sleep(1)), demo("c", sleep(1))));

    long deleted = delete("both-0");

    await().atMost(START).until(() -> !serves(port));
    assertThat(millisSince(deleted)).as("about one hook's time, not three").isBetween(900L, 2_000L);
  }

  @Test
  void failingHookIsReportedAndTheContainerIsStoppedAnyway() {
    Container sleeper =
        new ContainerBuilder()
            .withName("sleeper")
            .withCommand("sleep", "600")
            .withNewLifecycle()
            .withPreStop(
                new LifecycleHandlerBuilder()
                    .withNewExec()
                    .withCommand("sh", "-c", "echo cannot drain >&2; exit 3")
                    .endExec()
                    .build())
            .endLifecycle()
            .build();
    run(processes(pod("fail-0", 10, sleeper)));
    long pid = kubelet.workloadPid("fail-0", "sleeper").orElseThrow();

    long deleted = delete("fail-0");

    await().atMost(START).until(() -> !alive(pid));
    assertThat(millisSince(deleted)).isLessThan(5_000L);
    await()
        .atMost(START)
        .untilAsserted(
            () ->
                assertThat(warnings("fail-0"))
                    .anySatisfy(
                        e ->
                            assertThat(e.getMessage())
                                .contains("\"sleeper\"", "exited with 3", "cannot drain")));
  }

  @Test
  void closingTheKubeletCutsRunningHooksShort() {
    int port = run(pod("close-0", 60, demo("app", sleep(30))));
    delete("close-0");
    await().during(Duration.ofMillis(300)).atMost(START).until(() -> serves(port));

    long closing = System.nanoTime();
    kubelet.close();
    kubelet = null;

    assertThat(millisSince(closing)).isLessThan(5_000L);
    assertThat(serves(port)).isFalse();
  }

  /** Starts a kubelet of a namespace of the test's own, creates the pod, returns its port. */
  private int run(Pod pod) {
    kubelet = LocalKubelet.start(client, ns, null, AgentMode.IN_PROCESS);
    client.pods().inNamespace(ns).resource(pod).create();
    String name = pod.getMetadata().getName();
    await().atMost(START).ignoreExceptions().until(() -> serves(kubelet.workloadPort(name)));
    return kubelet.workloadPort(name);
  }

  private Pod pod(String name, long graceSeconds, Container... containers) {
    ns = "prestop-" + name;
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(ns)
        .addToLabels(Labels.APP_MANAGED_BY, Labels.MANAGED_BY_HALO)
        .endMetadata()
        .withNewSpec()
        .withTerminationGracePeriodSeconds(graceSeconds)
        .withContainers(containers)
        .endSpec()
        .build();
  }

  private static Pod processes(Pod pod) {
    return new PodBuilder(pod)
        .editMetadata()
        .addToAnnotations(LocalKubelet.RUN_COMMAND_ANNOTATION, "true")
        .endMetadata()
        .build();
  }

  private static Container demo(String name, LifecycleHandler preStop) {
    return new ContainerBuilder()
        .withName(name)
        .withImage("demo")
        .withNewLifecycle()
        .withPreStop(preStop)
        .endLifecycle()
        .build();
  }

  private static LifecycleHandler sleep(long seconds) {
    return new LifecycleHandlerBuilder().withNewSleep().withSeconds(seconds).endSleep().build();
  }

  private long delete(String pod) {
    long now = System.nanoTime();
    client.pods().inNamespace(ns).withName(pod).delete();
    return now;
  }

  private boolean gone(String pod) {
    return client.pods().inNamespace(ns).withName(pod).get() == null;
  }

  private List<Event> warnings(String pod) {
    return client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> pod.equals(e.getInvolvedObject().getName()))
        .filter(e -> "FailedPreStopHook".equals(e.getReason()))
        .toList();
  }

  private static boolean serves(int port) {
    return Http.get("http://127.0.0.1:" + port + "/", Duration.ofMillis(500)).isPresent();
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  private static long millisSince(long nanos) {
    return (System.nanoTime() - nanos) / 1_000_000;
  }
}
