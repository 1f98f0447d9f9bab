package dev.halo.etcd;

import static dev.halo.etcd.SecuredAgents.field;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.agent.Role;
import dev.halo.common.ElectionKeys;
import dev.halo.sandbox.AgentEnv;
import dev.halo.sandbox.EtcdServerSecurity;
import dev.halo.sandbox.EtcdServerSecurity.User;
import dev.halo.sandbox.InProcessAgent;
import dev.halo.testing.EtcdExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** JWT tokens expire at a fixed time (3 s here), however often they are used. */
class EtcdJwtAuthIT {
  // "/halo" covers the group keys under /halo/ and the step-down keys under /halo-stepdown/.
  @RegisterExtension
  static final EtcdExtension etcd =
      EtcdExtension.secured(
          1,
          EtcdServerSecurity.plaintext().withJwtTokens(3, new User("halo-agent", "jwt", "/halo")));

  private final SecuredAgents agents = new SecuredAgents();
  @TempDir Path dir;

  @AfterEach
  void stop() {
    agents.close();
  }

  @Test
  void aMasterHoldsItsTermAcrossJwtExpiries() throws Exception {
    Path password = Files.writeString(dir.resolve("password"), "jwt");
    String election = ElectionKeys.electionName("jwt", "g");
    InProcessAgent[] started = new InProcessAgent[3];
    for (int i = 0; i < 3; i++) {
      started[i] =
          agents.start(
              AgentEnv.of(etcd.cluster().endpoints(), election, "j-" + i)
                  .ttl(3)
                  .set("HALO_ETCD_USER", "halo-agent")
                  .set("HALO_ETCD_PASSWORD_FILE", password.toString()));
      if (i == 0) {
        InProcessAgent first = started[0];
        await().atMost(Duration.ofSeconds(10)).until(() -> first.role().equals("master"));
      }
    }
    String lease = await().until(() -> field(started[0], "leaseId"), l -> !l.isEmpty());

    await().pollDelay(Duration.ofSeconds(15)).atMost(Duration.ofSeconds(20)).until(() -> true);

    assertThat(agents.history("j-0")).extracting(t -> t.to()).containsExactly(Role.MASTER);
    assertThat(agents.history("j-1")).isEmpty();
    assertThat(agents.history("j-2")).isEmpty();
    assertThat(field(started[0], "leaseId")).isEqualTo(lease);
  }
}
