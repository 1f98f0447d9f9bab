package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.HighAvailabilityGroupSpec;
import dev.halo.api.v1alpha1.HighAvailabilityGroupStatus;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real kubectl against {@link EmbeddedApiServer}: what sandbox users will type. */
class KubectlCompatTest {
  private static final String NS = "default";

  @TempDir static Path dir;
  private static EmbeddedApiServer kube;
  private static KubernetesClient client;
  private static Path kubeconfig;
  private static Kubectl kubectl;

  @BeforeAll
  static void start() {
    kube = EmbeddedApiServer.start().validateSchemas(true);
    client = kube.client();
    kubeconfig = dir.resolve("kube/config");
    kube.writeKubeconfig(kubeconfig);
    kubectl = new Kubectl(kubeconfig, dir);
  }

  @AfterAll
  static void stop() {
    kube.close();
  }

  private static List<String> command(String... args) {
    return kubectl.command(args);
  }

  private static Kubectl.Run kubectl(String... args) throws IOException, InterruptedException {
    return kubectl.run(args);
  }

  private static String ok(String... args) throws IOException, InterruptedException {
    return kubectl.ok(args);
  }

  private static Path hagYaml(String name, int replicas) throws IOException {
    Path file = dir.resolve(name + "-" + replicas + ".yaml");
    Files.writeString(
        file,
        String.join(
            "\n",
            "apiVersion: halo.dev/v1alpha1",
            "kind: HighAvailabilityGroup",
            "metadata:",
            "  name: " + name,
            "spec:",
            "  replicas: " + replicas,
            "  zones: [a, b, c]",
            "  election:",
            "    endpoints: [\"http://127.0.0.1:2379\"]",
            "  template:",
            "    spec:",
            "      containers:",
            "        - name: app",
            "          image: demo",
            ""));
    return file;
  }

  private static HighAvailabilityGroup hag(String name) {
    return client.resources(HighAvailabilityGroup.class).inNamespace(NS).withName(name).get();
  }

  private static Pod pod(String name, Map<String, String> labels) {
    return client
        .pods()
        .inNamespace(NS)
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("app")
                .withImage("demo:1")
                .withArgs("--port=8080")
                .endContainer()
                .endSpec()
                .build())
        .create();
  }

  @Test
  void versionReportsTheServer() throws Exception {
    assertThat(ok("version")).contains("Server Version: v1.32");
  }

  @Test
  void apiResourcesListTheHighAvailabilityGroupWithItsShortName() throws Exception {
    String out = ok("api-resources");

    assertThat(out.lines())
        .anySatisfy(
            line ->
                assertThat(line.split("\\s+"))
                    .containsExactly(
                        "highavailabilitygroups",
                        "hag",
                        "halo.dev/v1alpha1",
                        "true",
                        "HighAvailabilityGroup"));
    assertThat(out.lines())
        .anySatisfy(line -> assertThat(line.split("\\s+")).startsWith("pods", "po", "v1"));
  }

  @Test
  void applyCreatesAndReapplyChangesTheHag() throws Exception {
    assertThat(ok("apply", "-f", hagYaml("applied", 3).toString()))
        .contains("highavailabilitygroup.halo.dev/applied created");
    assertThat(hag("applied").getSpec().getReplicas()).isEqualTo(3);

    assertThat(ok("apply", "-f", hagYaml("applied", 5).toString()))
        .contains("highavailabilitygroup.halo.dev/applied configured");
    assertThat(hag("applied").getSpec().getReplicas()).isEqualTo(5);
    assertThat(hag("applied").getSpec().getZones()).containsExactly("a", "b", "c");
  }

  @Test
  void serverSideApplyCreatesAndUpdatesTheHag() throws Exception {
    assertThat(ok("apply", "--server-side", "-f", hagYaml("ssa", 3).toString()))
        .contains("highavailabilitygroup.halo.dev/ssa serverside-applied");
    assertThat(hag("ssa").getSpec().getReplicas()).isEqualTo(3);

    ok("apply", "--server-side", "-f", hagYaml("ssa", 4).toString());
    assertThat(hag("ssa").getSpec().getReplicas()).isEqualTo(4);
  }

  @Test
  void scaleHagChangesReplicasThroughTheScaleSubresource() throws Exception {
    ok("apply", "-f", hagYaml("scaled", 3).toString());

    assertThat(ok("scale", "hag", "scaled", "--replicas=5"))
        .contains("highavailabilitygroup.halo.dev/scaled scaled");
    assertThat(hag("scaled").getSpec().getReplicas()).isEqualTo(5);

    String scale =
        ok(
            "get",
            "--raw",
            "/apis/halo.dev/v1alpha1/namespaces/" + NS + "/highavailabilitygroups/scaled/scale");
    JsonNode read = Serialization.jsonMapper().readTree(scale);
    assertThat(read.path("kind").asText()).isEqualTo("Scale");
    assertThat(read.path("apiVersion").asText()).isEqualTo("autoscaling/v1");
    assertThat(read.path("spec").path("replicas").asInt()).isEqualTo(5);
  }

  @Test
  void scaleHagBeyondTheSchemaIsRefusedNamingTheField() throws Exception {
    ok("apply", "-f", hagYaml("overscaled", 3).toString());

    Kubectl.Run refused = kubectl("scale", "hag", "overscaled", "--replicas=100");

    assertThat(refused.exit()).isNotZero();
    assertThat(refused.err()).contains("spec.replicas");
    assertThat(hag("overscaled").getSpec().getReplicas()).isEqualTo(3);
  }

  @Test
  void scaleWithAStaleCurrentReplicasPreconditionIsRefused() throws Exception {
    ok("apply", "-f", hagYaml("guarded", 3).toString());

    Kubectl.Run refused =
        kubectl("scale", "hag", "guarded", "--current-replicas=2", "--replicas=4");

    assertThat(refused.exit()).isNotZero();
    assertThat(refused.err()).contains("Expected replicas to be 2");
    assertThat(hag("guarded").getSpec().getReplicas()).isEqualTo(3);
  }

  @Test
  void getHagPrintsThePrinterColumnsAndJsonpathReadsFields() throws Exception {
    HighAvailabilityGroup hag = new HighAvailabilityGroup();
    hag.setMetadata(new ObjectMetaBuilder().withName("columns").withNamespace(NS).build());
    hag.setSpec(new HighAvailabilityGroupSpec());
    hag.getSpec().setTemplate(new io.fabric8.kubernetes.api.model.PodTemplateSpec());
    client.resources(HighAvailabilityGroup.class).inNamespace(NS).resource(hag).create();
    HighAvailabilityGroupStatus status = new HighAvailabilityGroupStatus();
    status.setMaster("columns-1");
    status.setMasterZone("zone-b");
    status.setPhase("Running");
    status.setReady("2/3");
    hag.setStatus(status);
    client.resources(HighAvailabilityGroup.class).inNamespace(NS).resource(hag).patchStatus();

    List<String> lines = ok("get", "hag", "columns").lines().toList();

    assertThat(lines.get(0).split("\\s+"))
        .containsExactlyInAnyOrder(
            "NAME", "MASTER", "ZONE", "READY", "PHASE", "PAUSED", "LAST", "FAILOVER", "AGE");
    assertThat(lines.get(0)).startsWith("NAME ");
    assertThat(lines.get(1).split("\\s+"))
        .startsWith("columns")
        .contains("columns-1", "zone-b", "Running", "2/3");
    assertThat(ok("get", "hag", "columns", "-o", "jsonpath={.status.master}/{.status.phase}"))
        .isEqualTo("columns-1/Running");
    assertThat(ok("get", "hag", "columns", "-o", "yaml")).contains("master: columns-1");
    assertThat(ok("get", "hag", "-o", "wide")).contains("columns-1");
  }

  @Test
  void getPodsShowsTheStatusColumnsAndRequestedLabels() throws Exception {
    pod("listed-0", Map.of("app", "listed", "halo.dev/role", "master"));
    pod("listed-1", Map.of("app", "listed", "halo.dev/role", "standby"));

    List<String> lines =
        ok("get", "pods", "-l", "app=listed", "-L", "halo.dev/role").lines().toList();

    assertThat(lines.get(0).split("\\s+"))
        .containsExactly("NAME", "READY", "STATUS", "RESTARTS", "AGE", "ROLE");
    assertThat(lines.get(1).split("\\s+")).startsWith("listed-0", "0/1", "Pending", "0");
    assertThat(lines.get(1)).endsWith("master");
    assertThat(lines.get(2)).startsWith("listed-1").endsWith("standby");
    assertThat(lines).hasSize(3);
  }

  @Test
  void labelOverwriteChangesTheLabel() throws Exception {
    pod("labelled", Map.of("halo.dev/role", "standby", "keep", "yes"));

    assertThat(ok("label", "pod", "labelled", "halo.dev/role=master", "--overwrite"))
        .contains("pod/labelled labeled");

    assertThat(client.pods().inNamespace(NS).withName("labelled").get().getMetadata().getLabels())
        .containsExactlyInAnyOrderEntriesOf(Map.of("halo.dev/role", "master", "keep", "yes"));
  }

  @Test
  void deletePodRemovesIt() throws Exception {
    pod("doomed", Map.of());

    assertThat(ok("delete", "pod", "doomed")).contains("pod \"doomed\" deleted");

    assertThat(client.pods().inNamespace(NS).withName("doomed").get()).isNull();
    Kubectl.Run missing = kubectl("get", "pod", "doomed");
    assertThat(missing.exit()).isNotZero();
    assertThat(missing.err()).contains("NotFound").contains("doomed");
  }

  @Test
  void strategicPatchMergesContainersByName() throws Exception {
    pod("patched", Map.of());

    ok(
        "patch",
        "pod",
        "patched",
        "--type=strategic",
        "-p",
        "{\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"demo:2\"}]}}");

    var container =
        client.pods().inNamespace(NS).withName("patched").get().getSpec().getContainers();
    assertThat(container).hasSize(1);
    assertThat(container.get(0).getImage()).isEqualTo("demo:2");
    assertThat(container.get(0).getArgs()).containsExactly("--port=8080");
  }

  @Test
  void getEventsShowsTypeReasonObjectAndMessage() throws Exception {
    client
        .v1()
        .events()
        .inNamespace(NS)
        .resource(
            new EventBuilder()
                .withNewMetadata()
                .withName("shop.failover")
                .endMetadata()
                .withNewInvolvedObject()
                .withKind("HighAvailabilityGroup")
                .withName("shop")
                .endInvolvedObject()
                .withReason("Failover")
                .withMessage("master moved")
                .withType("Normal")
                .build())
        .create();

    String table = ok("get", "events");
    assertThat(table.lines().findFirst().orElseThrow())
        .contains("LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE", "NAME");
    assertThat(table)
        .containsPattern("Normal\\s+Failover\\s+shop\\s+master moved\\s+shop.failover");
  }

  /** A Warning about a HAG, shaped as the operator's EventRecorder writes it. */
  private static void warnAbout(HighAvailabilityGroup hag, String name, String message) {
    client
        .v1()
        .events()
        .inNamespace(NS)
        .resource(
            new EventBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NS)
                .endMetadata()
                .withNewInvolvedObject()
                .withApiVersion(hag.getApiVersion())
                .withKind(hag.getKind())
                .withName(hag.getMetadata().getName())
                .withNamespace(NS)
                .withUid(hag.getMetadata().getUid())
                .endInvolvedObject()
                .withReason("InvalidSpec")
                .withMessage(message)
                .withType("Warning")
                .withNewSource()
                .withComponent("halo-operator")
                .endSource()
                .build())
        .create();
  }

  @Test
  void describeHagListsTheEventsAboutIt() throws Exception {
    ok("apply", "-f", hagYaml("described", 3).toString());
    ok("apply", "-f", hagYaml("neighbour", 3).toString());
    warnAbout(hag("described"), "described.1", "spec.zones is wrong");
    warnAbout(hag("neighbour"), "neighbour.1", "not about described");

    String out = ok("describe", "hag", "described");

    assertThat(out)
        .containsPattern("Warning\\s+InvalidSpec\\s+.*halo-operator\\s+spec.zones is wrong");
    assertThat(out).doesNotContain("not about described").doesNotContain("Events:  <none>");
  }

  @Test
  void eventsForAHagListOnlyItsEvents() throws Exception {
    ok("apply", "-f", hagYaml("eventful", 3).toString());
    ok("apply", "-f", hagYaml("quiet", 3).toString());
    warnAbout(hag("eventful"), "eventful.1", "about eventful");
    warnAbout(hag("quiet"), "quiet.1", "about quiet");

    String out = ok("events", "--for", "hag/eventful");

    assertThat(out).contains("about eventful").doesNotContain("about quiet");
  }

  @Test
  void anUnsupportedFieldSelectorIsRefusedLikeByARealServer() throws Exception {
    Kubectl.Run run = kubectl("get", "pods", "--field-selector", "spec.zones=a");

    assertThat(run.exit()).isNotZero();
    assertThat(run.err()).contains("BadRequest").contains("field label not supported: spec.zones");
  }

  @Test
  void applyOfAHagWithAWronglyTypedFieldFailsNamingTheField() throws Exception {
    Path file = dir.resolve("zones-string.yaml");
    Files.writeString(
        file,
        Files.readString(hagYaml("zonestring", 3)).replace("zones: [a, b, c]", "zones: \"a,b,c\""));

    Kubectl.Run run = kubectl("apply", "-f", file.toString());

    assertThat(run.exit()).isNotZero();
    assertThat(run.err())
        .contains(
            "spec.zones: Invalid value: \"string\": spec.zones in body must be of type array:"
                + " \"string\"");
    assertThat(hag("zonestring")).isNull();
  }

  @Test
  void explainPrintsTheFieldsOfTheCrdSchema() throws Exception {
    String election = ok("explain", "hag.spec.election");

    assertThat(election)
        .contains("GROUP:      halo.dev")
        .contains("KIND:       HighAvailabilityGroup")
        .contains("VERSION:    v1alpha1")
        .contains("How the agents reach etcd and campaign")
        .contains("leaseTTLSeconds\t<integer>")
        .contains("Lease TTL in seconds");
    assertThat(ok("explain", "hag", "--recursive")).contains("zones\t<[]string>");
    assertThat(ok("explain", "highavailabilitygroups.spec"))
        .contains("template\t<Object> -required-");
  }

  @Test
  void getPodsWatchPrintsEventsAsTheyHappen() throws Exception {
    pod("watched-0", Map.of("app", "watched"));
    Path out = dir.resolve("watch.txt");
    Process watch =
        new ProcessBuilder(
                command("get", "pods", "-l", "app=watched", "-w", "--output-watch-events"))
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    try {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> read(out).contains("ADDED") && read(out).contains("watched-0"));
      // Created before or after the watch opens, it is newer than the list kubectl printed, so
      // the watch delivers it either way.
      pod("watched-1", Map.of("app", "watched"));
      await().atMost(Duration.ofSeconds(30)).until(() -> hasEvent(out, "ADDED", "watched-1"));
      ok("label", "pod", "watched-1", "step=two");
      await().atMost(Duration.ofSeconds(30)).until(() -> hasEvent(out, "MODIFIED", "watched-1"));
      ok("delete", "pod", "watched-1");
      await().atMost(Duration.ofSeconds(30)).until(() -> hasEvent(out, "DELETED", "watched-1"));
      assertThat(read(out).lines().filter(l -> l.contains("watched-0")))
          .as("the existing pod is printed once, not replayed by the watch")
          .hasSize(1);
    } finally {
      watch.destroy();
      watch.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static boolean hasEvent(Path out, String type, String name) throws IOException {
    return read(out).lines().anyMatch(l -> l.startsWith(type) && l.contains(name));
  }

  private static String read(Path file) throws IOException {
    return Files.readString(file, StandardCharsets.UTF_8);
  }
}
