package dev.halo.etcd;

import static dev.halo.etcd.SecuredAgents.field;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.agent.Role;
import dev.halo.common.ElectionKeys;
import dev.halo.operator.election.ElectionView;
import dev.halo.operator.election.EtcdElectionService;
import dev.halo.sandbox.AgentEnv;
import dev.halo.sandbox.EtcdServerSecurity;
import dev.halo.sandbox.EtcdServerSecurity.User;
import dev.halo.sandbox.InProcessAgent;
import dev.halo.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Agents and operator authenticate with user/password; simple tokens expire every 2 s. */
class EtcdPasswordAuthIT {
  private static final String PASSWORD = "agent-password";

  // "/halo" covers the group keys under /halo/ and the step-down keys under /halo-stepdown/.
  @RegisterExtension
  static final EtcdExtension etcd =
      EtcdExtension.secured(
          1,
          EtcdServerSecurity.plaintext()
              .withSimpleTokens(
                  2,
                  new User("halo-agent", PASSWORD, "/halo"),
                  new User("rotating", "first", "/halo"),
                  new User("outsider", "outsider", "/elsewhere/")));

  private static final AtomicInteger groups = new AtomicInteger();
  private final String election = ElectionKeys.electionName("auth", "g" + groups.incrementAndGet());
  private final SecuredAgents agents = new SecuredAgents();
  @TempDir Path dir;

  @AfterEach
  void stop() {
    agents.close();
  }

  private AgentEnv env(String member, String user, Path passwordFile) {
    return AgentEnv.of(etcd.cluster().endpoints(), election, member)
        .ttl(3)
        .set("HALO_ETCD_USER", user)
        .set("HALO_ETCD_PASSWORD_FILE", passwordFile.toString());
  }

  private Path passwordFile(String name, String password) throws Exception {
    return Files.writeString(dir.resolve(name), password + "\n");
  }

  @Test
  void aMasterHoldsItsTermAcrossTokenExpiries() throws Exception {
    Path password = passwordFile("password", PASSWORD);
    InProcessAgent first = agents.start(env("p-0", "halo-agent", password));
    await().atMost(Duration.ofSeconds(10)).until(() -> first.role().equals("master"));
    agents.start(env("p-1", "halo-agent", password));
    agents.start(env("p-2", "halo-agent", password));
    String lease = await().until(() -> field(first, "leaseId"), l -> !l.isEmpty());

    // Ten token lifetimes: every call after an expiry meets "invalid auth token" first.
    await().pollDelay(Duration.ofSeconds(20)).atMost(Duration.ofSeconds(25)).until(() -> true);

    assertThat(agents.history("p-0")).extracting(t -> t.to()).containsExactly(Role.MASTER);
    assertThat(agents.history("p-1")).isEmpty();
    assertThat(agents.history("p-2")).isEmpty();
    assertThat(field(first, "leaseId")).isEqualTo(lease);
    assertThat(field(first, "etcdFailure")).isEmpty();
  }

  @Test
  void aRotatedPasswordIsReadAtTheNextAuthenticationWithoutLosingTheTerm() throws Exception {
    Path volume = dir.resolve("secret");
    SecuredAgents.project(volume, Map.of("password", passwordFile("first", "first")));
    InProcessAgent agent = agents.start(env("r-0", "rotating", volume.resolve("password")));
    await().atMost(Duration.ofSeconds(10)).until(() -> agent.role().equals("master"));
    String lease = await().until(() -> field(agent, "leaseId"), l -> !l.isEmpty());

    SecuredAgents.project(volume, Map.of("password", passwordFile("second", "second")));
    try (Client admin = etcd.cluster().admin()) {
      // Changing a password drops the user's tokens: the next call must authenticate anew.
      admin.getAuthClient().userChangePassword(bytes("rotating"), bytes("second")).get();
    }

    await().pollDelay(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(10)).until(() -> true);
    assertThat(agents.history("r-0")).extracting(t -> t.to()).containsExactly(Role.MASTER);
    assertThat(field(agent, "leaseId")).isEqualTo(lease);
    assertThat(field(agent, "etcdFailure")).isEmpty();
  }

  @Test
  void aWrongPasswordIsReportedAsAuthFailedByAgentAndOperator() throws Exception {
    Path wrong = passwordFile("wrong", "not-the-password");
    InProcessAgent agent = agents.start(env("w-0", "halo-agent", wrong));

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> field(agent, "etcdFailure").equals("AuthFailed"));
    assertThat(field(agent, "etcdFailureMessage"))
        .contains("user halo-agent")
        .contains(wrong.toString())
        .doesNotContain("not-the-password");
    assertThat(agent.role()).isEqualTo("standby");

    dev.halo.etcd.EtcdSecurity security =
        dev.halo.etcd.EtcdSecurity.none().withUser("halo-agent", wrong);
    try (EtcdElectionService service =
        new EtcdElectionService(Duration.ofMillis(200), Duration.ofMillis(500), security)) {
      List<String> endpoints = List.of(etcd.cluster().endpoints().split(","));
      await().atMost(Duration.ofSeconds(10)).until(() -> service.view(endpoints, election).known());
      ElectionView view = service.view(endpoints, election);
      assertThat(view.reachable()).isFalse();
      assertThat(view.failureReason()).isEqualTo("AuthFailed");
      assertThat(view.error()).contains("user halo-agent");
    }
  }

  @Test
  void aUserWithoutPermissionOnTheKeysIsReportedAsPermissionDenied() throws Exception {
    InProcessAgent agent =
        agents.start(env("o-0", "outsider", passwordFile("outsider", "outsider")));

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> field(agent, "etcdFailure").equals("PermissionDenied"));
    assertThat(field(agent, "etcdFailureMessage")).contains("user outsider");
    assertThat(agent.role()).isEqualTo("standby");
  }

  @Test
  void anEtcdThatDoesNotAnswerIsUnreachable() throws Exception {
    InProcessAgent agent =
        agents.start(
            AgentEnv.of("http://127.0.0.1:" + dev.halo.sandbox.Http.freePort(), election, "u-0")
                .ttl(3)
                .set("HALO_ETCD_USER", "halo-agent")
                .set("HALO_ETCD_PASSWORD_FILE", passwordFile("password", PASSWORD).toString()));

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> field(agent, "etcdFailure").equals("Unreachable"));
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
