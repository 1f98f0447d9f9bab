package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class RedisExampleSandboxTest {
  @Test
  void theManifestIsTheExamplesHeadlessServiceAndGroup() {
    RedisExample.Manifest manifest = RedisExample.manifest();
    assertThat(manifest.services())
        .extracting(s -> s.getMetadata().getName())
        .contains("redis-peers");
    assertThat(manifest.group().getMetadata().getName()).isEqualTo("redis");
    assertThat(RedisExample.hookScript()).startsWith("#!/bin/sh").contains("REDIS_PEERS_FILE");
  }

  @Test
  void theSandboxRunsRedisAndTheHookAsProcessesThatFindEachOtherThroughTheKubelet() {
    HighAvailabilityGroup hag = RedisExample.forSandbox(RedisExample.manifest().group());
    assertThat(hag.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry(WorkloadCommand.RUN_COMMAND_ANNOTATION, "true");
    assertThat(hag.getSpec().getElection().getEndpoints()).isEmpty();
    assertThat(hag.getSpec().getElection().getTls().getSecretName()).isEqualTo("redis-etcd-tls");
    Container redis = container(hag, "redis");
    assertThat(redis.getCommand()).containsExactly("redis-server");
    assertThat(redis.getArgs()).startsWith("--port", "6379").contains("--dir", "/data");
    Map<String, String> hookEnv =
        container(hag, "role-hook").getEnv().stream()
            .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
    assertThat(hookEnv)
        .containsEntry("HALO_ROLE_JSON", "/var/run/halo/role.json")
        .containsEntry("REDIS_PORT", "$(HALO_SANDBOX_PORT_REDIS)")
        .containsEntry("REDIS_MASTER_PORT", "6379")
        .containsEntry("REDIS_PEERS_FILE", "$(" + WorkloadCommand.PEERS_VARIABLE + ")")
        .doesNotContainKey("REDIS_MASTER_HOST_PATTERN");
  }

  @Test
  void saysWhatToInstallWhenRedisIsMissing() {
    assertThatThrownBy(() -> RedisExample.requirePrograms("/nonexistent"))
        .hasMessageContaining("redis-server, redis-cli, sh")
        .hasMessageContaining("sudo apt-get install redis-server");
  }

  private static Container container(HighAvailabilityGroup hag, String name) {
    return hag.getSpec().getTemplate().getSpec().getContainers().stream()
        .filter(c -> c.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }
}
