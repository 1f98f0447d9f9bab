package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session with a headless {@code halo sandbox} (3 etcd members secured by TLS, client
 * certificates and roles, real agent processes) driven the way a user would: the real kubectl,
 * etcdctl and plain HTTP requests through the service proxy. The steps build on each other, so they
 * run in order; the last one stops the sandbox and checks that it leaves no process behind.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SandboxIT {
  private static final Duration START = Duration.ofSeconds(120);
  private static final Duration CONVERGE = Duration.ofSeconds(60);

  @TempDir static Path dir;
  private static SandboxProcess sandbox;
  private static Kubectl kubectl;
  private static Path kubeconfig;
  private static List<ProcessHandle> children = List.of();

  @BeforeAll
  static void start() throws IOException {
    Awaitility.ignoreExceptionsByDefault();
    kubeconfig = dir.resolve("kube/config");
    kubectl = new Kubectl(kubeconfig, dir);
    sandbox =
        SandboxProcess.start(dir, Map.of(), "--headless", "--kubeconfig", kubeconfig.toString());
    sandbox.awaitBanner("web", START);
  }

  @AfterAll
  static void stop() {
    if (sandbox != null) {
      sandbox.close();
    }
  }

  @Test
  @Order(1)
  void getHagShowsThePrinterColumnsAndTheMaster() throws Exception {
    String master = awaitMaster("web");
    String table = kubectl.ok("get", "hag");
    assertThat(table.lines().findFirst().orElseThrow())
        .contains("NAME", "MASTER", "ZONE", "READY", "PHASE", "PAUSED", "LAST FAILOVER", "AGE");
    assertThat(table).containsPattern("(?m)^web\\s.*" + master);
  }

  @Test
  @Order(2)
  void podsShowRoleAndZoneLabelsWithExactlyOneMaster() throws Exception {
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () -> {
              String pods = kubectl.ok("get", "pods", "-L", "halo.dev/role,halo.dev/zone");
              assertThat(pods.lines().findFirst().orElseThrow()).contains("ROLE", "ZONE");
              assertThat(pods).containsPattern("(?m)^web-0\\s.*\\sa\\s*$");
              assertThat(pods).containsPattern("(?m)^web-1\\s.*\\sb\\s*$");
              assertThat(pods).containsPattern("(?m)^web-2\\s.*\\sc\\s*$");
              assertThat(pods.lines().filter(l -> l.contains(" master "))).hasSize(1);
              assertThat(pods.lines().filter(l -> l.contains(" standby "))).hasSize(2);
            });
  }

  @Test
  @Order(3)
  void etcdLeaderIsTheLabelledMaster() throws Exception {
    assertThat(sandbox.etcdEndpoints()).startsWith("https://");
    assertThat(sandbox.etcdctl()).contains("--cacert", "--cert", "--key");
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () -> assertThat(etcdLeader("web")).isEqualTo(awaitMaster("web")).isNotBlank());
  }

  @Test
  @Order(4)
  void appliedSecondGroupGetsALabelledMaster() throws Exception {
    Path yaml = dir.resolve("api.yaml");
    Files.writeString(
        yaml,
        String.join(
            "\n",
            "apiVersion: halo.dev/v1alpha1",
            "kind: HighAvailabilityGroup",
            "metadata:",
            "  name: api",
            "spec:",
            "  replicas: 2",
            "  zones: [zone-x, zone-z]",
            "  election:",
            "    tls:",
            "      secretName: api-etcd-tls",
            "  template:",
            "    spec:",
            "      containers:",
            "        - name: app",
            "          image: example/api:1.0",
            "          ports: [{containerPort: 8080}]",
            ""));
    assertThat(kubectl.ok("apply", "-f", yaml.toString()))
        .contains("highavailabilitygroup.halo.dev/api created");
    String master = awaitMaster("api");
    assertThat(master).isIn("api-0", "api-1");
    // The sandbox issued the Secret the group names, for its own etcd user.
    assertThat(kubectl.ok("get", "secret", "api-etcd-tls", "-o", "jsonpath={.type}"))
        .isEqualTo("kubernetes.io/tls");
    assertThat(kubectl.ok("get", "pods", "-l", "halo.dev/group=api", "-o", "name"))
        .contains("pod/api-0", "pod/api-1");
  }

  @Test
  @Order(5)
  void invalidGroupGetsValidFalseWithTheReasonAndNoPods() throws Exception {
    Path yaml = dir.resolve("broken.yaml");
    Files.writeString(
        yaml,
        String.join(
            "\n",
            "apiVersion: halo.dev/v1alpha1",
            "kind: HighAvailabilityGroup",
            "metadata:",
            "  name: broken",
            "spec:",
            "  replicas: 2",
            "  zones: [x, x]",
            "  template:",
            "    spec:",
            "      containers:",
            "        - name: app",
            "          image: example/api:1.0",
            "          ports: [{containerPort: 8080}]",
            ""));
    kubectl.ok("apply", "-f", yaml.toString());
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertThat(
                        kubectl.ok(
                            "get",
                            "hag",
                            "broken",
                            "-o",
                            "jsonpath={.status.conditions[?(@.type==\"Valid\")].message}"))
                    .contains("spec.zones")
                    .contains("\"x\""));
    assertThat(kubectl.ok("get", "hag", "broken")).contains("Invalid");
    assertThat(kubectl.ok("get", "pods", "-l", "halo.dev/group=broken", "-o", "name")).isBlank();
  }

  @Test
  @Order(6)
  void kubectlLabelChangesAPodLabel() throws Exception {
    assertThat(kubectl.ok("label", "pod", "web-0", "team=payments")).contains("labeled");
    assertThat(kubectl.ok("get", "pod", "web-0", "-o", "jsonpath={.metadata.labels.team}"))
        .isEqualTo("payments");
  }

  @Test
  @Order(7)
  void curlReachesTheMasterBeforeAndAfterItsAgentCrashes() throws Exception {
    int port = sandbox.servicePort("web").orElseThrow();
    String master = awaitMaster("web");
    await()
        .atMost(CONVERGE)
        .until(() -> curl(port).filter(r -> r.startsWith(master + " master term=")).isPresent());
    long term = term(curl(port).orElseThrow());
    assertThat(post(port, "/write", "before")).startsWith("accepted: " + master).endsWith("200");
    OptionalLong pid = sandbox.agentPid(master);
    assertThat(pid).as("the agent process of %s", master).isPresent();
    new ProcessBuilder("kill", "-9", Long.toString(pid.getAsLong())).start().waitFor();
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () -> {
              Optional<String> reply = curl(port);
              assertThat(reply).isPresent();
              assertThat(reply.get()).contains(" master term=").doesNotStartWith(master + " ");
            });
    String next = awaitMaster("web");
    assertThat(next).isNotEqualTo(master);
    String reply = curl(port).orElseThrow();
    assertThat(reply).startsWith(next + " master term=");
    assertThat(term(reply)).as("the new master's term").isGreaterThan(term);
    // The fencing token at work: once the new master wrote, a write with the old term is refused.
    assertThat(post(port, "/write", "after")).startsWith("accepted: " + next).endsWith("200");
    assertThat(post(port, "/write?term=" + term, "stale"))
        .startsWith("rejected: term " + term + " is lower than " + term(reply))
        .endsWith("409");

    // The kubelet restarts the dead agent (10 s later): the pod is Ready 2/2 again, as a standby.
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () -> {
              String restarts =
                  kubectl.ok(
                      "get",
                      "pod",
                      master,
                      "-o",
                      "jsonpath={.status.containerStatuses[?(@.name==\"halo-agent\")]"
                          + ".restartCount}");
              assertThat(restarts.strip()).isEqualTo("1");
              assertThat(kubectl.ok("get", "pod", master))
                  .containsPattern(master + "\\s+2/2\\s+Running\\s+1\\b");
            });
    assertThat(awaitMaster("web")).isNotEqualTo(master);
  }

  @Test
  @Order(8)
  void getWatchSeesTheFailoverAfterDeletingTheMaster() throws Exception {
    String master = awaitMaster("web");
    Path out = dir.resolve("watch.txt");
    Process watch =
        new ProcessBuilder(
                kubectl.command(
                    "get",
                    "pods",
                    "-l",
                    "halo.dev/group=web",
                    "-L",
                    "halo.dev/role",
                    "-w",
                    "--output-watch-events"))
            .redirectOutput(out.toFile())
            .redirectErrorStream(true)
            .start();
    try {
      await().atMost(CONVERGE).until(() -> Files.readString(out).contains(master));
      assertThat(kubectl.ok("delete", "pod", master)).contains("pod \"" + master + "\" deleted");
      await()
          .atMost(CONVERGE)
          .untilAsserted(
              () -> {
                List<String> lines = Files.readAllLines(out);
                assertThat(lines).anyMatch(l -> l.startsWith("DELETED") && l.contains(master));
                assertThat(lines)
                    .anyMatch(
                        l ->
                            l.startsWith("MODIFIED")
                                && !l.contains(" " + master + " ")
                                && l.trim().endsWith("master"));
              });
    } finally {
      watch.destroyForcibly();
      watch.waitFor(10, TimeUnit.SECONDS);
    }
    assertThat(awaitMaster("web")).isNotEqualTo(master);
  }

  @Test
  @Order(9)
  void stoppingTheSandboxLeavesNoProcessBehind() throws Exception {
    children = sandbox.process.descendants().filter(ProcessHandle::isAlive).toList();
    assertThat(children).as("etcd members and agents run as child processes").hasSizeGreaterThan(3);
    assertThat(sandbox.terminate(Duration.ofSeconds(60))).isZero();
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(children).noneMatch(ProcessHandle::isAlive));
    assertThat(sandbox.stdout()).contains("stopping the sandbox");
    assertThat(Http.get(sandbox.apiUrl() + "/version", Duration.ofSeconds(1))).isEmpty();
  }

  /** The pod labelled master of {@code group}, once there is exactly one. */
  private static String awaitMaster(String group) {
    return await()
        .atMost(CONVERGE)
        .until(
            () ->
                kubectl
                    .ok(
                        "get",
                        "pods",
                        "-l",
                        "halo.dev/group=" + group + ",halo.dev/role=master",
                        "-o",
                        "jsonpath={.items[*].metadata.name}")
                    .strip(),
            name -> !name.isEmpty() && !name.contains(" "));
  }

  private static String etcdLeader(String group) throws IOException, InterruptedException {
    // The line the banner prints: TLS, the read-only client certificate.
    List<String> command = new java.util.ArrayList<>(sandbox.etcdctl());
    command.addAll(
        List.of(
            "get",
            "/halo/default/" + group + "/election",
            "--prefix",
            "--sort-by=CREATE",
            "--order=ASCEND",
            "--limit=1",
            "--print-value-only"));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("ETCDCTL_API", "3");
    Process etcdctl = builder.start();
    assertThat(etcdctl.waitFor(20, TimeUnit.SECONDS)).isTrue();
    String output = new String(etcdctl.getInputStream().readAllBytes()).strip();
    assertThat(etcdctl.exitValue()).as("etcdctl: %s", output).isZero();
    return output;
  }

  /** The term in the demo workload's reply {@code <pod> <role> term=<term>}. */
  private static long term(String reply) {
    return Long.parseLong(reply.substring(reply.indexOf(" term=") + " term=".length()));
  }

  /** {@code curl -s -m 1 --data-binary <value> http://127.0.0.1:<port><path>}: body, then code. */
  private static String post(int port, String path, String value)
      throws IOException, InterruptedException {
    Process curl =
        new ProcessBuilder(
                "curl",
                "-s",
                "-m",
                "1",
                "--data-binary",
                value,
                "-w",
                "%{http_code}",
                "http://127.0.0.1:" + port + path)
            .redirectErrorStream(true)
            .start();
    assertThat(curl.waitFor(5, TimeUnit.SECONDS)).as("curl ends").isTrue();
    return new String(curl.getInputStream().readAllBytes()).strip();
  }

  /** {@code curl -s -m 1 http://127.0.0.1:<port>/}: the reply body, or empty on failure. */
  private static Optional<String> curl(int port) throws IOException, InterruptedException {
    Process curl =
        new ProcessBuilder("curl", "-s", "-f", "-m", "1", "http://127.0.0.1:" + port + "/")
            .redirectErrorStream(true)
            .start();
    if (!curl.waitFor(5, TimeUnit.SECONDS)) {
      curl.destroyForcibly();
      return Optional.empty();
    }
    String body = new String(curl.getInputStream().readAllBytes()).strip();
    return curl.exitValue() == 0 ? Optional.of(body) : Optional.empty();
  }
}
