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
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fencing token: a master that lost its role holds a lower term than the master after it, in
 * its role JSON, on {@code /status} and in its webhook, so a store that remembers the highest term
 * it has seen refuses the stale master's writes.
 */
class FencingTermIT {
  @RegisterExtension static final EtcdExtension etcd = EtcdExtension.members(1);

  private static final int TTL = 3;

  @TempDir Path dir;
  private final String election = ElectionKeys.electionName("fencing", "term");
  private final Map<String, List<Map<String, Object>>> webhooks = new ConcurrentHashMap<>();
  private HttpServer hooks;

  @BeforeEach
  void startWebhookReceiver() throws IOException {
    hooks = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
    hooks.createContext(
        "/",
        ex -> {
          String member = ex.getRequestURI().getPath().substring(1);
          String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          webhooks.computeIfAbsent(member, m -> new CopyOnWriteArrayList<>()).add(Http.json(body));
          ex.sendResponseHeaders(204, -1);
          ex.close();
        });
    hooks.start();
  }

  @AfterEach
  void stopWebhookReceiver() {
    hooks.stop(0);
  }

  private InProcessAgent start(String member) throws IOException {
    Files.createDirectories(dir.resolve(member));
    return InProcessAgent.start(
        AgentEnv.of(etcd.cluster().endpoints(), election, member)
            .ttl(TTL)
            .set("HALO_ROLE_FILE", dir.resolve(member).resolve("role").toString())
            .set(
                "HALO_ROLE_WEBHOOK",
                "http://127.0.0.1:" + hooks.getAddress().getPort() + "/" + member));
  }

  /** The agent's {@code <role file>.json}, or an empty map while it is missing. */
  private Map<String, Object> roleJson(String member) {
    try {
      return Http.json(Files.readString(dir.resolve(member).resolve("role.json")));
    } catch (IOException e) {
      return Map.of();
    }
  }

  private Map<String, Object> lastWebhook(String member) {
    List<Map<String, Object>> received = webhooks.getOrDefault(member, List.of());
    return received.isEmpty() ? Map.of() : received.get(received.size() - 1);
  }

  private static long term(Map<String, Object> fields) {
    return ((Number) fields.get("term")).longValue();
  }

  @Test
  void aMasterThatSteppedDownHoldsALowerTermThanTheNextMaster() throws IOException {
    try (InProcessAgent a = start("a")) {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> "master".equals(roleJson("a").get("role")));
      await().until(() -> "master".equals(lastWebhook("a").get("role")));
      try (InProcessAgent b = start("b")) {
        await().until(() -> "a".equals(b.status().orElseThrow().get("leader")));
        masterHandsOverToTheNext(a, b);
      }
    }
  }

  private void masterHandsOverToTheNext(InProcessAgent a, InProcessAgent b) {
    Map<String, Object> statusA = a.status().orElseThrow();
    long termA = term(statusA);
    assertThat(termA)
        .as("the term is the master's candidate key's create revision")
        .isEqualTo(((Number) statusA.get("createRevision")).longValue())
        .isPositive();
    assertThat(statusA.get("leaderRevision")).isEqualTo(statusA.get("term"));
    assertThat(Instant.parse((String) statusA.get("validUntil")))
        .isBetween(Instant.now().minusSeconds(1), Instant.now().plusSeconds(TTL));
    Map<String, Object> jsonA = roleJson("a");
    assertThat(jsonA)
        .containsEntry("member", "a")
        .containsEntry("leader", "a")
        .containsKey("validUntil");
    assertThat(term(jsonA)).isEqualTo(termA);
    assertThat(term(lastWebhook("a"))).isEqualTo(termA);
    assertThat(lastWebhook("a").get("revision")).isEqualTo(lastWebhook("a").get("term"));
    assertThat(lastWebhook("a").get("validUntil")).isNotNull();
    // A standby reports the leader's term and no validity, its file within a refresh.
    Map<String, Object> statusB = b.status().orElseThrow();
    assertThat(statusB).containsEntry("role", "standby").containsEntry("validUntil", null);
    assertThat(term(statusB)).isEqualTo(termA);
    await().until(() -> "a".equals(roleJson("b").get("leader")));
    assertThat(roleJson("b")).containsEntry("role", "standby").containsEntry("validUntil", null);
    assertThat(term(roleJson("b"))).isEqualTo(termA);

    // While master, validUntil in the file moves on with the deadline.
    Object firstValidUntil = roleJson("a").get("validUntil");
    await()
        .atMost(Duration.ofSeconds(TTL * 2L))
        .until(() -> !firstValidUntil.equals(roleJson("a").get("validUntil")));

    String lease = (String) statusA.get("leaseId");
    etcd.cluster()
        .etcdctl(
            "put",
            "--lease=" + lease,
            ElectionKeys.stepDownKey(election, Long.parseLong(lease, 16)),
            "switchover");

    await().atMost(Duration.ofSeconds(10)).until(() -> "master".equals(roleJson("b").get("role")));
    long termB = term(roleJson("b"));
    assertThat(termB).as("the new master's term").isGreaterThan(termA);
    assertThat(term(b.status().orElseThrow())).isEqualTo(termB);
    await().until(() -> "master".equals(lastWebhook("b").get("role")));
    assertThat(term(lastWebhook("b"))).isEqualTo(termB);

    // The old master: standby, no validity, and then the new master's term, higher than its own.
    await().until(() -> "b".equals(roleJson("a").get("leader")));
    assertThat(roleJson("a")).containsEntry("role", "standby").containsEntry("validUntil", null);
    assertThat(term(roleJson("a"))).isEqualTo(termB);
    await().until(() -> "standby".equals(lastWebhook("a").get("role")));
    assertThat(lastWebhook("a")).containsEntry("validUntil", null);
    await().until(() -> term(a.status().orElseThrow()) == termB);
    assertThat(a.status().orElseThrow()).containsEntry("role", "standby");
  }
}
