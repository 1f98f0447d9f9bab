package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.common.AgentDefaults;
import dev.halo.common.ElectionKeys;
import dev.halo.testing.EtcdExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Agent processes start as a pod's agent container starts: the agent's own jar, same options. */
class AgentJarIT {
  @RegisterExtension static final EtcdExtension etcd = EtcdExtension.members(1);

  private static AgentEnv env(String group) {
    return AgentEnv.of(etcd.cluster().endpoints(), ElectionKeys.electionName("jar", group), "a-0")
        .ttl(2);
  }

  @Test
  void agentProcessesRunHaloAgentJarWithTheCommandLineOfAPod() {
    Path jar = AgentProcess.agentJar();
    assertThat(jar.getFileName()).hasToString("halo-agent.jar");

    try (AgentProcess agent = AgentProcess.startAsInAPod(env("cmdline"))) {
      await().atMost(Duration.ofSeconds(30)).until(() -> agent.role().equals("master"));
      List<String> args =
          ProcessHandle.of(agent.pid())
              .orElseThrow()
              .info()
              .arguments()
              .map(List::of)
              .orElseThrow();
      assertThat(args)
          .as("java <agent JVM options> -jar halo-agent.jar agent, as AgentContainer builds it")
          .startsWith(AgentDefaults.JVM_OPTIONS.toArray(String[]::new))
          .endsWith("-jar", jar.toString(), "agent");
    }
  }
}
