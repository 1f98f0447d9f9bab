package dev.halo.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.common.AgentVariables;
import dev.halo.sandbox.AgentEnv;
import dev.halo.sandbox.AgentProcess;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code halo agent} as a process refuses bad configuration with exit code 2 and one line. */
class AgentCommandIT {
  private static AgentEnv valid() {
    return AgentEnv.of("http://127.0.0.1:1", "/halo/ns/g/election", "m-0");
  }

  private static String runExpectingExit2(AgentEnv env) {
    try (AgentProcess p = AgentProcess.start(env)) {
      assertThat(p.waitFor(Duration.ofSeconds(20))).as(p.output()).isEqualTo(2);
      List<String> lines = p.output().lines().filter(l -> !l.isBlank()).toList();
      assertThat(lines).as(p.output()).hasSize(1);
      return lines.get(0);
    }
  }

  @Test
  void missingEndpointsNamesTheVariable() {
    assertThat(runExpectingExit2(valid().set("HALO_ETCD_ENDPOINTS", "")))
        .startsWith("halo agent: invalid configuration:")
        .contains("HALO_ETCD_ENDPOINTS is not set");
  }

  @Test
  void ttlBelowTheMinimumIsRefused() {
    assertThat(runExpectingExit2(valid().ttl(1)))
        .contains("HALO_LEASE_TTL_SECONDS=\"1\" must be a whole number from 2 to 60");
  }

  @Test
  void malformedEtcdUrlIsRefused() {
    assertThat(runExpectingExit2(valid().set("HALO_ETCD_ENDPOINTS", "etcd-0:2379")))
        .contains("HALO_ETCD_ENDPOINTS=\"etcd-0:2379\" is not an http(s) URL");
  }

  @Test
  void stopsWithExitZeroOnceTheProcessNamedByHaloParentPidIsGone() throws Exception {
    Process parent = new ProcessBuilder("sleep", "120").start();
    try (AgentProcess p =
        AgentProcess.start(valid().set(AgentVariables.PARENT_PID, Long.toString(parent.pid())))) {
      await().atMost(Duration.ofSeconds(20)).until(() -> p.output().contains("agent started"));
      assertThat(p.isAlive()).isTrue();

      parent.destroyForcibly().waitFor();

      assertThat(p.waitFor(Duration.ofSeconds(20))).as(p.output()).isZero();
      assertThat(p.output()).contains("parent gone; stopping");
    } finally {
      parent.destroyForcibly();
    }
  }

  @Test
  void flagsOverrideTheEnvironment() {
    try (AgentProcess p =
        AgentProcess.start(valid(), List.of("agent", "--lease-ttl-seconds", "61"))) {
      assertThat(p.waitFor(Duration.ofSeconds(20))).isEqualTo(2);
      assertThat(p.output()).contains("HALO_LEASE_TTL_SECONDS=\"61\"");
    }
  }
}
