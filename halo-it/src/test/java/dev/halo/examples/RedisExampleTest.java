package dev.halo.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.operator.model.OperatorDefaults;
import dev.halo.operator.model.PodFactory;
import dev.halo.operator.validation.HighAvailabilityGroupValidator;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Redis example's manifests fit together, and the operator builds working pods from them. */
class RedisExampleTest {
  private static final Path EXAMPLE = Path.of("examples", "redis");

  private final List<String> documents = documents();
  private final HighAvailabilityGroup group =
      Serialization.unmarshal(document("HighAvailabilityGroup"), HighAvailabilityGroup.class);
  private final Service peers = Serialization.unmarshal(document("Service"), Service.class);

  @Test
  void theGroupIsValid() {
    assertThat(HighAvailabilityGroupValidator.validate(group, OperatorDefaults.of("halo:test")))
        .isEmpty();
  }

  @Test
  void everyPodIsNamedThroughThePeersServiceTheHookResolvesTheLeaderWith() {
    Pod pod = PodFactory.pod(group, 1, OperatorDefaults.of("halo:test"));
    assertThat(pod.getSpec().getSubdomain()).isEqualTo(peers.getMetadata().getName());
    assertThat(peers.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(peers.getSpec().getPublishNotReadyAddresses()).isTrue();
    assertThat(hook(pod).getEnv())
        .extracting(EnvVar::getName, EnvVar::getValue)
        .contains(tuple("REDIS_MASTER_HOST_PATTERN", "%s." + peers.getMetadata().getName()));
  }

  @Test
  void theHookReadsTheRoleFileTheOperatorMountsAndRunsTheScriptTheKustomizationShips()
      throws IOException {
    Pod pod = PodFactory.pod(group, 0, OperatorDefaults.of("halo:test"));
    Container hook = hook(pod);
    assertThat(hook.getVolumeMounts())
        .extracting(VolumeMount::getMountPath)
        .contains("/var/run/halo", "/hook");
    assertThat(hook.getEnv()).extracting(EnvVar::getValue).contains("/var/run/halo/role.json");
    assertThat(hook.getCommand()).containsExactly("sh", "/hook/halo-redis-role.sh");
    String kustomization = Files.readString(EXAMPLE.resolve("kustomization.yaml"));
    assertThat(kustomization).contains("name: redis-role-hook", "- halo-redis-role.sh");
    assertThat(pod.getSpec().getVolumes())
        .filteredOn(v -> v.getConfigMap() != null)
        .extracting(v -> v.getConfigMap().getName())
        .containsExactly("redis-role-hook");
    String script = Files.readString(RoleHook.SCRIPT);
    for (EnvVar env : hook.getEnv()) {
      assertThat(script).as("the script reads " + env.getName()).contains(env.getName());
    }
  }

  private static Container hook(Pod pod) {
    return pod.getSpec().getContainers().stream()
        .filter(c -> c.getName().equals("role-hook"))
        .findFirst()
        .orElseThrow();
  }

  private String document(String kind) {
    return documents.stream()
        .filter(d -> d.contains("\nkind: " + kind + "\n"))
        .findFirst()
        .orElseThrow();
  }

  private static List<String> documents() {
    try {
      return Arrays.asList(Files.readString(EXAMPLE.resolve("redis.yaml")).split("\n---\n"));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
