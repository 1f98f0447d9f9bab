package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProcessVolumesTest {
  private static final Map<String, Path> VOLUMES =
      Map.of(
          "data", Path.of("/tmp/pod/volumes/data"),
          "hook", Path.of("/tmp/pod/volumes/hook"),
          "halo-role", Path.of("/tmp/pod"));

  private static final Container HOOK =
      new ContainerBuilder()
          .withName("role-hook")
          .addNewVolumeMount()
          .withName("hook")
          .withMountPath("/hook")
          .endVolumeMount()
          .addNewVolumeMount()
          .withName("halo-role")
          .withMountPath("/var/run/halo")
          .endVolumeMount()
          .addNewVolumeMount()
          .withName("data")
          .withMountPath("/etc/app.conf")
          .withSubPath("app.conf")
          .endVolumeMount()
          .addNewVolumeMount()
          .withName("not-set-up")
          .withMountPath("/elsewhere")
          .endVolumeMount()
          .build();

  @Test
  void eachMountPathMapsToItsVolumesDirectoryOrSubPath() {
    assertThat(ProcessVolumes.mounts(HOOK, VOLUMES))
        .containsExactly(
            Map.entry("/hook", Path.of("/tmp/pod/volumes/hook")),
            Map.entry("/var/run/halo", Path.of("/tmp/pod")),
            Map.entry("/etc/app.conf", Path.of("/tmp/pod/volumes/data/app.conf")));
  }

  @Test
  void pathsUnderAMountPointAtTheLocalDirectoryOthersStay() {
    Map<String, Path> mounts = ProcessVolumes.mounts(HOOK, VOLUMES);
    assertThat(AgentEnvResolver.toLocalMount("/hook/halo-redis-role.sh", mounts))
        .isEqualTo("/tmp/pod/volumes/hook/halo-redis-role.sh");
    assertThat(AgentEnvResolver.toLocalMount("/var/run/halo/role.json", mounts))
        .isEqualTo("/tmp/pod/role.json");
    assertThat(AgentEnvResolver.toLocalMount("/hookx/a", mounts)).isEqualTo("/hookx/a");
    assertThat(AgentEnvResolver.toLocalMount("--appendonly", mounts)).isEqualTo("--appendonly");
  }

  @Test
  void anExecProbesPathsPointAtTheLocalDirectoryToo() {
    io.fabric8.kubernetes.api.model.Probe probe =
        new io.fabric8.kubernetes.api.model.ProbeBuilder()
            .withNewExec()
            .withCommand("sh", "/hook/halo-redis-role.sh", "ready")
            .endExec()
            .withPeriodSeconds(1)
            .build();
    io.fabric8.kubernetes.api.model.Probe local =
        WorkloadRunner.withLocalPaths(probe, ProcessVolumes.mounts(HOOK, VOLUMES));
    assertThat(local.getExec().getCommand())
        .containsExactly("sh", "/tmp/pod/volumes/hook/halo-redis-role.sh", "ready");
    assertThat(local.getPeriodSeconds()).isEqualTo(1);
    assertThat(probe.getExec().getCommand()).contains("/hook/halo-redis-role.sh");
  }

  @Test
  void healthChecksAndWebhookGoToTheProcessThatDeclaresThePortElseToTheDemo() {
    Map<String, String> env = new HashMap<>();
    env.put("HALO_HEALTH_TCP", "localhost:6379");
    env.put("HALO_HEALTH_HTTP", "http://localhost:9121/ready");
    env.put("HALO_ROLE_WEBHOOK", "http://localhost:8080/role?x=1");
    AgentEnvResolver.pointAtWorkload(env, Map.of(6379, 41000, 9121, 41001), 40000);
    assertThat(env)
        .containsEntry("HALO_HEALTH_TCP", "127.0.0.1:41000")
        .containsEntry("HALO_HEALTH_HTTP", "http://127.0.0.1:41001/ready")
        .containsEntry("HALO_ROLE_WEBHOOK", "http://127.0.0.1:40000/role?x=1");
    env.put("HALO_HEALTH_HTTP", "http://localhost:8080/healthz");
    AgentEnvResolver.pointAtWorkload(env, Map.of(), 40000);
    assertThat(env).containsEntry("HALO_HEALTH_HTTP", "http://127.0.0.1:40000/health");
  }
}
