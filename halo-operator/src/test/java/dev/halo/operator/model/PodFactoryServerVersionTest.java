package dev.halo.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.Names;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The pods the operator builds for each API server release it supports (1.28 to 1.35), one older
 * and a managed server's version string: the same pod everywhere, with the drain hook as an {@code
 * httpGet} preStop (which every release takes) and never a {@code sleep} action (which servers
 * before 1.30 refuse with 422).
 */
class PodFactoryServerVersionTest {
  private static final OperatorDefaults DEFAULTS = OperatorDefaults.of("halo/halo:test");
  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  private final HighAvailabilityGroup hag = withSidecar(TestGroups.valid("shop", "web"));

  static Stream<String> olderThan130() {
    return Stream.of("v1.27.16", "v1.28.15", "v1.29.0", "v1.29.3-gke.1");
  }

  static Stream<String> from130() {
    return Stream.of(
        "v1.30.0", "v1.30.2-eks-1552ad0", "v1.31.4", "v1.32.1", "v1.33.0", "v1.34.2", "v1.35.0");
  }

  static Stream<String> all() {
    return Stream.concat(olderThan130(), from130());
  }

  private static HighAvailabilityGroup withSidecar(HighAvailabilityGroup hag) {
    hag.getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .add(new ContainerBuilder().withName("metrics").withImage("example/metrics:1").build());
    return hag;
  }

  private Pod podOn(String gitVersion) {
    ServerVersion version = ServerVersion.parse(gitVersion).orElseThrow();
    return PodFactory.pod(hag, 0, DEFAULTS.on(version));
  }

  private static List<Container> workloads(Pod pod) {
    return pod.getSpec().getContainers().stream()
        .filter(c -> !c.getName().equals(Names.AGENT_CONTAINER))
        .toList();
  }

  /** Every lifecycle handler in the pod that carries a sleep action, as the server would see it. */
  private static List<JsonNode> sleepActions(Pod pod) {
    JsonNode json = JSON.convertValue(pod, JsonNode.class);
    return json.findValues("lifecycle").stream()
        .flatMap(l -> Stream.of(l.path("preStop"), l.path("postStart")))
        .filter(h -> h.has("sleep"))
        .toList();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("all")
  void givesEveryContainerTheDrainHookAndNoSleepActionOnEveryServer(String gitVersion) {
    Pod pod = podOn(gitVersion);

    assertThat(sleepActions(pod)).isEmpty();
    assertThat(pod.getSpec().getContainers())
        .hasSize(3)
        .allSatisfy(
            c ->
                assertThat(c.getLifecycle().getPreStop().getHttpGet().getPath())
                    .startsWith("/drain?token="));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("all")
  void keepsTheTemplatesOwnPreStopHookOnEveryServer(String gitVersion) {
    hag.getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .get(0)
        .setLifecycle(
            new io.fabric8.kubernetes.api.model.LifecycleBuilder()
                .withNewPreStop()
                .withNewExec()
                .withCommand("/app/drain")
                .endExec()
                .endPreStop()
                .build());

    Container app = workloads(podOn(gitVersion)).get(0);

    assertThat(app.getLifecycle().getPreStop().getExec().getCommand())
        .containsExactly("/app/drain");
    assertThat(app.getLifecycle().getPreStop().getSleep()).isNull();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("all")
  void isTheSamePodOnEveryServer(String gitVersion) {
    Pod pod = podOn(gitVersion);
    Pod newest = podOn("v1.35.0");

    assertThat(JSON.asJson(pod)).isEqualTo(JSON.asJson(newest));
  }

  @Test
  void aServerOfUnknownVersionGetsThePodsOfTheOldestSupportedOne() {
    Pod unknown = PodFactory.pod(hag, 0, DEFAULTS);

    assertThat(DEFAULTS.serverVersion()).isEqualTo(ServerVersion.OLDEST_SUPPORTED);
    assertThat(sleepActions(unknown)).isEmpty();
    assertThat(JSON.asJson(unknown)).isEqualTo(JSON.asJson(podOn("v1.28.15")));
  }
}
