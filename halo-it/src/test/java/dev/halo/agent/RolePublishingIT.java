package dev.halo.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.halo.common.ElectionKeys;
import dev.halo.sandbox.AgentEnv;
import dev.halo.sandbox.Http;
import dev.halo.sandbox.InProcessAgent;
import dev.halo.testing.EtcdExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The role file, {@code <role file>.json} and the role webhook follow every role change. */
class RolePublishingIT {
  @RegisterExtension static final EtcdExtension etcd = EtcdExtension.members(1);

  @TempDir Path dir;

  @Test
  void roleFileAndWebhookFollowTransitions() throws IOException {
    List<Map<String, Object>> received = new CopyOnWriteArrayList<>();
    AtomicInteger calls = new AtomicInteger();
    HttpServer hook =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
    hook.createContext(
        "/role",
        ex -> {
          // The first delivery fails, so the agent has to retry.
          boolean fail = calls.incrementAndGet() == 1;
          if (!fail) {
            received.add(
                Http.json(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
          }
          ex.sendResponseHeaders(fail ? 500 : 204, -1);
          ex.close();
        });
    hook.start();
    Path roleFile = dir.resolve("role");
    String election = ElectionKeys.electionName("publish", "g");
    try (InProcessAgent agent =
        InProcessAgent.start(
            AgentEnv.of(etcd.cluster().endpoints(), election, "r-0")
                .ttl(2)
                .set("HALO_ROLE_FILE", roleFile.toString())
                .set(
                    "HALO_ROLE_WEBHOOK",
                    "http://127.0.0.1:" + hook.getAddress().getPort() + "/role"))) {
      await().atMost(Duration.ofSeconds(10)).until(() -> read(roleFile).equals("master\n"));
      await().until(() -> !received.isEmpty());
      assertThat(received.get(0))
          .containsEntry("role", "master")
          .containsEntry("leader", "r-0")
          .containsEntry("member", "r-0")
          .containsKeys("term", "validUntil")
          .containsEntry("revision", received.get(0).get("term"));
      assertThat(Http.json(read(dir.resolve("role.json"))))
          .containsEntry("role", "master")
          .containsEntry("term", received.get(0).get("term"));
      assertThat(calls.get()).isGreaterThanOrEqualTo(2);

      agent.close();
      assertThat(agent.role()).isEqualTo("down");
      await().until(() -> read(roleFile).equals("standby\n"));
      try (var files = Files.list(dir)) {
        assertThat(files.map(p -> p.getFileName().toString()))
            .containsExactlyInAnyOrder("role", "role.json");
      }
    } finally {
      hook.stop(0);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "";
    }
  }
}
