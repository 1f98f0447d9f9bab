package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.common.ElectionKeys;
import dev.halo.testing.EtcdExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The class archive the sandbox's agent processes start with: made, covering etcd, and used. */
class AgentClassArchiveIT {
  @RegisterExtension static final EtcdExtension etcd = EtcdExtension.members(1);

  @Test
  void anAgentStartedWithTheArchiveLoadsTheEtcdClientFromItAndCampaigns() {
    Path jar = AgentProcess.agentJar();
    assertThat(AgentClassArchive.prepare(jar, etcd.cluster().endpoints())).isTrue();
    AgentEnv env =
        AgentEnv.of(etcd.cluster().endpoints(), ElectionKeys.electionName("cds", "g"), "cds-0")
            .ttl(2);
    List<String> options = new ArrayList<>(AgentClassArchive.jvmOptions(jar, env));
    assertThat(options).anyMatch(o -> o.startsWith("-XX:SharedArchiveFile="));
    // -Xshare:on makes the JVM refuse to start unless it can map the archive.
    options.addAll(List.of("-Xshare:on", "-Xlog:class+load=info"));

    try (AgentProcess agent = AgentProcess.startWith(jar, env, options)) {
      await().atMost(Duration.ofSeconds(20)).until(() -> agent.role().equals("master"));
      // Trained on a run that reached etcd, the archive holds the etcd client and gRPC classes
      // that make most of an agent's start; one trained without etcd held almost none of them.
      assertThat(agent.output())
          .containsPattern("io\\.etcd\\.jetcd\\.\\S+ source: shared objects file")
          .containsPattern("io\\.grpc\\.netty\\.\\S+ source: shared objects file");
    }
  }
}
