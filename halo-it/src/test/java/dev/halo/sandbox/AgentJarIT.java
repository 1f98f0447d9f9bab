package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.common.AgentDefaults;
import dev.halo.common.ElectionKeys;
import dev.halo.testing.EtcdExtension;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.jar.JarFile;
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

  @Test
  void theAgentLogsItsOneLineFormatWithoutLoadingAnXmlParser() throws IOException {
    Path jar = AgentProcess.agentJar();
    try (JarFile contents = new JarFile(jar.toFile())) {
      assertThat(contents.getEntry("logback.xml")).as("logback.xml in " + jar).isNull();
    }

    try (AgentProcess agent =
        AgentProcess.startWith(jar, env("logging"), List.of("-Xlog:class+load=info"))) {
      await().atMost(Duration.ofSeconds(30)).until(() -> agent.role().equals("master"));
      assertThat(agent.output())
          .containsPattern(
              "(?m)^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z INFO  Elector campaigning"
                  + " key=/halo/jar/logging/election/\\S+ createRevision=\\d+ reason=\\S+$")
          .contains("ch.qos.logback.classic.LoggerContext source:")
          .doesNotContain("javax.xml.parsers.")
          .doesNotContain("com.sun.org.apache.xerces.");
    }
  }

  @Test
  void theAgentWritesItsJsonAndMetricsAndReadsItsCommandLineWithoutALibrary() {
    Path jar = AgentProcess.agentJar();
    try (AgentProcess agent =
        AgentProcess.startWith(jar, env("libraries"), List.of("-Xlog:class+load=info"))) {
      await().atMost(Duration.ofSeconds(30)).until(() -> agent.role().equals("master"));
      String metrics =
          Http.get("http://127.0.0.1:" + agent.port() + "/metrics", Duration.ofSeconds(2))
              .orElseThrow();
      assertThat(metrics).contains("halo_agent_is_master{member=\"a-0\"} 1.0");
      assertThat(agent.status()).hasValueSatisfying(s -> assertThat(s).containsKey("term"));

      assertThat(agent.output())
          .contains("dev.halo.agent.Json source:")
          .doesNotContain("com.fasterxml.jackson.databind.")
          .doesNotContain("io.micrometer.")
          .doesNotContain("io.prometheus.")
          .doesNotContain("picocli.");
    }
  }
}
