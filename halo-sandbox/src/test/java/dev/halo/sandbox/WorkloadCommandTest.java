package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WorkloadCommandTest {
  private static final Set<Path> ON_DISK =
      Set.of(Path.of("/usr/bin/redis-server"), Path.of("/opt/x/bin/tool"));

  @Test
  void findsABareNameInTheFirstPathDirectoryThatHasIt() {
    assertThat(
            WorkloadCommand.resolve("redis-server", "/nope:/usr/bin:/opt/x/bin", ON_DISK::contains))
        .contains(Path.of("/usr/bin/redis-server"));
    assertThat(WorkloadCommand.resolve("tool", "/usr/bin::/opt/x/bin", ON_DISK::contains))
        .contains(Path.of("/opt/x/bin/tool"));
  }

  @Test
  void takesAnAbsolutePathOnlyWhenItIsThere() {
    assertThat(WorkloadCommand.resolve("/opt/x/bin/tool", "", ON_DISK::contains))
        .contains(Path.of("/opt/x/bin/tool"));
    assertThat(
            WorkloadCommand.resolve("/usr/local/bin/redis-server", "/usr/bin", ON_DISK::contains))
        .isEmpty();
  }

  @Test
  void doesNotLookForMissingProgramsOrRelativePaths() {
    assertThat(WorkloadCommand.resolve("postgres", "/usr/bin", ON_DISK::contains)).isEmpty();
    assertThat(WorkloadCommand.resolve("bin/tool", "/opt/x", ON_DISK::contains)).isEmpty();
    assertThat(WorkloadCommand.resolve("", "/usr/bin", ON_DISK::contains)).isEmpty();
  }

  @Test
  void containerWithoutCommandHasNoProgram() {
    Container c = new ContainerBuilder().withName("app").withImage("nginx").build();
    assertThat(WorkloadCommand.program(c, "/usr/bin:/bin")).isEmpty();
  }

  @Test
  void replacesWholeArgumentsThatAreContainerPortsOnly() {
    assertThat(
            WorkloadCommand.substitutePorts(
                List.of("--port", "6379", "--x=6379", "16379", "8080"), Map.of(6379, 41234)))
        .containsExactly("--port", "41234", "--x=6379", "16379", "8080");
  }

  @Test
  void buildsArgvFromCommandAndArgsWithVariablesExpandedAndPortsMapped() {
    Container c =
        new ContainerBuilder()
            .withName("redis")
            .withCommand("redis-server", "--port", "6379")
            .withArgs("--replica-announce-ip", "$(POD_IP)", "--save", "")
            .build();
    assertThat(
            WorkloadCommand.argv(
                Path.of("/usr/bin/redis-server"),
                c,
                Map.of("POD_IP", "127.0.0.1"),
                Map.of(6379, 41234)))
        .containsExactly(
            "/usr/bin/redis-server",
            "--port",
            "41234",
            "--replica-announce-ip",
            "127.0.0.1",
            "--save",
            "");
  }

  @Test
  void theOtherContainersOfThePodLearnOnlyTheNamedPorts() {
    List<ContainerPort> declared =
        List.of(
            new ContainerPortBuilder().withContainerPort(6379).withName("redis").build(),
            new ContainerPortBuilder().withContainerPort(7000).build());
    assertThat(WorkloadCommand.namedPortEnv(declared, Map.of(6379, 41000, 7000, 41002)))
        .containsExactly(Map.entry("HALO_SANDBOX_PORT_REDIS", "41000"));
  }

  @Test
  void tellsTheFirstPortAsPortAndEachNamedPortByName() {
    List<ContainerPort> declared =
        List.of(
            new ContainerPortBuilder().withContainerPort(6379).withName("redis").build(),
            new ContainerPortBuilder().withContainerPort(9121).withName("metrics-http").build(),
            new ContainerPortBuilder().withContainerPort(7000).build());
    assertThat(WorkloadCommand.portEnv(declared, Map.of(6379, 41000, 9121, 41001, 7000, 41002)))
        .containsExactly(
            Map.entry("PORT", "41000"),
            Map.entry("HALO_SANDBOX_PORT_REDIS", "41000"),
            Map.entry("HALO_SANDBOX_PORT_METRICS_HTTP", "41001"));
  }

  @Test
  void processEnvironmentIsPathHomeHostnameContainerEnvThenPorts() {
    assertThat(
            WorkloadCommand.processEnv(
                "web-0",
                Map.of("PATH", "/usr/bin", "HOME", "/root", "SECRET_TOKEN", "x"),
                Map.of("PORT", "6379", "POD_NAME", "web-0"),
                Map.of("PORT", "41000")))
        .containsOnly(
            Map.entry("PATH", "/usr/bin"),
            Map.entry("HOME", "/root"),
            Map.entry("HOSTNAME", "web-0"),
            Map.entry("POD_NAME", "web-0"),
            Map.entry("PORT", "41000"));
  }

  @Test
  void runsCommandsOnlyForPodsThatAskWithTheAnnotation() {
    Pod plain = new PodBuilder().withNewMetadata().withName("p").endMetadata().build();
    Pod other =
        new PodBuilder()
            .withNewMetadata()
            .withName("p")
            .addToAnnotations(WorkloadCommand.RUN_COMMAND_ANNOTATION, "false")
            .endMetadata()
            .build();
    Pod asking =
        new PodBuilder()
            .withNewMetadata()
            .withName("p")
            .addToAnnotations(WorkloadCommand.RUN_COMMAND_ANNOTATION, "true")
            .endMetadata()
            .build();
    assertThat(WorkloadCommand.requested(plain)).isFalse();
    assertThat(WorkloadCommand.requested(other)).isFalse();
    assertThat(WorkloadCommand.requested(asking)).isTrue();
  }
}
