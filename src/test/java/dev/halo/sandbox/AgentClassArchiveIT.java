package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.common.AgentDefaults;
import dev.halo.common.ElectionKeys;
import dev.halo.testing.EtcdExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The class archive the sandbox's agent processes start with: made once, usable, and used. */
class AgentClassArchiveIT {
  @RegisterExtension static final EtcdExtension etcd = EtcdExtension.members(1);

  @Test
  void theArchiveIsMadeInTheBackgroundAndAnAgentThatStartsWithItCampaigns() throws Exception {
    Path jar = AgentProcess.jar();
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> !AgentClassArchive.jvmOptions(jar).isEmpty());
    List<String> options = AgentClassArchive.jvmOptions(jar);
    assertThat(options).anyMatch(o -> o.startsWith("-XX:SharedArchiveFile="));

    // -Xshare:on makes the JVM refuse to start unless it can map the archive.
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(AgentDefaults.JVM_OPTIONS);
    command.addAll(options);
    command.add("-Xshare:on");
    command.addAll(List.of("-jar", jar.toString(), "--version"));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(out).isZero();

    try (AgentProcess agent =
        AgentProcess.start(
            AgentEnv.of(etcd.cluster().endpoints(), ElectionKeys.electionName("cds", "g"), "cds-0")
                .ttl(2))) {
      await().atMost(Duration.ofSeconds(20)).until(() -> agent.role().equals("master"));
    }
  }
}
