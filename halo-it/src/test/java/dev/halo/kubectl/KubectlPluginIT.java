package dev.halo.kubectl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.Annotations;
import dev.halo.sandbox.Sandbox;
import java.time.Duration;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kubectl halo} run as a process, installed as Krew installs it, against a sandbox (one
 * etcd, the example group {@code web} of three pods): the steps build on each other.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubectlPluginIT {
  private static final Duration CONVERGE = Duration.ofSeconds(60);
  private static final String GROUP = "web";

  @TempDir static java.nio.file.Path dir;
  private static Sandbox sandbox;
  private static KubectlPlugin plugin;

  @BeforeAll
  static void start() throws Exception {
    Awaitility.ignoreExceptionsByDefault();
    sandbox = Sandbox.start(new Sandbox.Options(1, 0, 0, Optional.empty(), true, true));
    plugin = KubectlPlugin.install(dir, sandbox.kubeconfig());
  }

  @AfterAll
  static void stop() {
    if (sandbox != null) {
      sandbox.close();
    }
  }

  private static String master() {
    HighAvailabilityGroup hag =
        sandbox
            .client()
            .resources(HighAvailabilityGroup.class)
            .inNamespace("default")
            .withName(GROUP)
            .get();
    return hag == null || hag.getStatus() == null ? null : hag.getStatus().getMaster();
  }

  @Test
  @Order(1)
  void statusShowsTheMasterAndTheThreeMembersInOneHundredColumns() {
    await().atMost(CONVERGE).until(() -> master() != null);
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () -> {
              KubectlPlugin.Run run = plugin.run("status");
              assertThat(run.code()).as(run.toString()).isZero();
              String master = master();
              assertThat(run.out())
                  .contains("web (namespace default)  Running", "master " + master)
                  .containsPattern("term \\d+")
                  .containsPattern("(?m)^" + master + " +master +\\S+ +yes +yes");
              assertThat(run.out().lines().filter(l -> l.matches("web-\\d .*"))).hasSize(3);
              assertThat(run.out().lines().filter(l -> l.matches("web-\\d +standby .*")))
                  .hasSize(2);
              assertThat(run.out().lines())
                  .allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(100));
            });
  }

  @Test
  @Order(2)
  void statusAsJsonAndYamlNamesTheMaster() throws Exception {
    String master = master();
    KubectlPlugin.Run json = plugin.run("status", GROUP, "-o", "json");
    KubectlPlugin.Run yaml = plugin.run("status", GROUP, "-n", "default", "-o", "yaml");

    assertThat(json.code()).as(json.toString()).isZero();
    assertThat(json.out()).contains("\"master\": \"" + master + "\"", "\"members\": [");
    assertThat(yaml.code()).as(yaml.toString()).isZero();
    assertThat(yaml.out()).contains("master: " + master, "members:");
  }

  @Test
  @Order(3)
  void historyListsASwitchover() throws Exception {
    String before = master();
    sandbox
        .client()
        .resources(HighAvailabilityGroup.class)
        .inNamespace("default")
        .withName(GROUP)
        .edit(
            h -> {
              h.getMetadata().getAnnotations().put(Annotations.SWITCHOVER, before);
              return h;
            });
    await().atMost(CONVERGE).until(() -> master() != null && !master().equals(before));

    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () -> {
              KubectlPlugin.Run run = plugin.run("history", GROUP);
              assertThat(run.code()).as(run.toString()).isZero();
              assertThat(run.out())
                  .containsPattern(
                      "(?m)^\\S+ +" + before + " +" + master() + " +switchover +\\d+ ms$");
            });
  }

  @Test
  @Order(4)
  void switchoverWithWaitMovesTheMasterAndExitsWithZero() throws Exception {
    String before = master();

    KubectlPlugin.Run run = plugin.run("switchover", GROUP, "--wait");

    assertThat(run.code()).as(run.toString()).isZero();
    String after = master();
    assertThat(after).isNotEqualTo(before);
    assertThat(run.out())
        .contains("asked for a switchover of web away from " + before)
        .containsPattern(after + " is master \\(was " + before + "\\) after \\d+ ms");
  }

  @Test
  @Order(5)
  void switchoverToAChosenMemberMakesItMaster() throws Exception {
    String before = master();
    String target =
        java.util.stream.Stream.of("web-0", "web-1", "web-2")
            .filter(p -> !p.equals(before))
            .findFirst()
            .orElseThrow();

    KubectlPlugin.Run run = plugin.run("switchover", GROUP, "--to", target, "--wait");

    assertThat(run.code()).as(run.toString()).isZero();
    assertThat(master()).isEqualTo(target);
    assertThat(run.out()).containsPattern(target + " is master \\(was " + before + "\\)");
    KubectlPlugin.Run unknown = plugin.run("switchover", GROUP, "--to", "web-9", "--wait");
    assertThat(unknown.code()).as(unknown.toString()).isNotZero();
    assertThat(unknown.err()).contains("web-9");
  }

  @Test
  @Order(6)
  void pauseSetsSpecPausedAndResumeClearsIt() throws Exception {
    KubectlPlugin.Run pause = plugin.run("pause", GROUP);

    assertThat(pause.code()).as(pause.toString()).isZero();
    assertThat(plugin.run("status", GROUP, "-o", "json").out()).contains("\"paused\": true");
    KubectlPlugin.Run resume = plugin.run("resume", GROUP);
    assertThat(resume.code()).as(resume.toString()).isZero();
    assertThat(plugin.run("status", GROUP, "-o", "json").out()).doesNotContain("\"paused\": true");
  }

  @Test
  @Order(7)
  void explainSaysWhyTheMasterIsMasterAndWhereTheOthersQueue() {
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () -> {
              KubectlPlugin.Run run = plugin.run("explain", GROUP);
              assertThat(run.code()).as(run.toString()).isZero();
              String master = master();
              assertThat(run.out())
                  .contains("web (namespace default): " + master + " is master")
                  .containsPattern(
                      "(?m)^" + master + " +master: its key leads the election \\(term \\d+\\)")
                  .containsPattern(
                      "(?m)^web-\\d +standby: place 2 in the election queue, next if the master goes$")
                  .containsPattern("(?m)^web-\\d +standby: place 3 in the election queue$");
            });
  }

  @Test
  @Order(9)
  void aMissingGroupExitsWithSixAndSaysWhereItLooked() throws Exception {
    KubectlPlugin.Run run = plugin.run("status", "nope");

    assertThat(run.code()).as(run.toString()).isEqualTo(6);
    assertThat(run.err())
        .contains(
            "no HighAvailabilityGroup \"nope\" in namespace \"default\"", "kubectl halo status");
    assertThat(run.out()).isEmpty();
  }

  @Test
  @Order(10)
  void anUnreachableApiServerExitsWithFour() throws Exception {
    java.nio.file.Path config = dir.resolve("unreachable");
    java.nio.file.Files.writeString(
        config,
        "clusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:9\ncontexts:\n- name: c\n"
            + "  context:\n    cluster: c\n    user: u\ncurrent-context: c\nusers:\n- name: u\n  user: {}\n");
    KubectlPlugin.Run run = plugin.run("status", "--kubeconfig", config.toString());

    assertThat(run.code()).as(run.toString()).isEqualTo(4);
    assertThat(run.err())
        .contains("cannot reach the API server http://127.0.0.1:9", "connection refused");
  }
}
