package dev.halo.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.common.ElectionKeys;
import dev.halo.sandbox.AgentEnv;
import dev.halo.sandbox.InProcessAgent;
import dev.halo.testing.EtcdExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Redis example: three real {@code redis-server} processes, each with a real agent of one group
 * on a real etcd and the example's hook script, replicate from the elected master and follow it
 * when the election changes.
 */
class RedisReplicationIT {
  @RegisterExtension static final EtcdExtension etcd = EtcdExtension.members(1);

  private static final int TTL = 3;
  private static final List<String> MEMBERS = List.of("redis-0", "redis-1", "redis-2");

  @TempDir Path dir;
  private final String election = ElectionKeys.electionName("examples", "redis");
  private final Map<String, RedisNode> redis = new LinkedHashMap<>();
  private final Map<String, AgentEnv> envs = new HashMap<>();
  private final Map<String, InProcessAgent> agents = new HashMap<>();
  private final Map<String, RoleHook> hooks = new HashMap<>();
  private final Map<String, Map<String, String>> hookEnvs = new HashMap<>();
  private int hookStarts;

  @BeforeEach
  void startRedisAgentsAndHooks() throws IOException {
    for (String member : MEMBERS) {
      redis.put(member, RedisNode.start(member, dir));
    }
    for (String member : MEMBERS) {
      Path roleDir = Files.createDirectories(dir.resolve(member).resolve("halo"));
      envs.put(
          member,
          AgentEnv.of(etcd.cluster().endpoints(), election, member)
              .ttl(TTL)
              .set("HALO_ROLE_FILE", roleDir.resolve("role").toString()));
      startAgent(member);
      startHook(member);
    }
  }

  @AfterEach
  void stopEverything() throws Exception {
    for (RoleHook hook : hooks.values()) {
      hook.close();
    }
    agents.values().forEach(InProcessAgent::close);
    for (RedisNode node : redis.values()) {
      node.close();
    }
  }

  @Test
  void redisFollowsTheElectedMasterThroughAFailoverAndAHookRestart() throws Exception {
    String master = awaitOneRedisMasterFollowingTheElection();
    RedisNode masterRedis = redis.get(master);
    assertThat(masterRedis.cli("set", "greeting", "hello")).isEqualTo("OK");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> replicas(master).allMatch(r -> "hello".equals(r.cli("get", "greeting"))));

    hooksRestartWithoutChangingAnything(master);
    // The readiness check: every Redis does what its agent says.
    for (String member : MEMBERS) {
      await().atMost(Duration.ofSeconds(10)).until(() -> RoleHook.ready(hookEnvs.get(member)));
    }

    long killedAt = System.nanoTime();
    agents.remove(master).close();
    String next = awaitOneRedisMasterFollowingTheElection();
    long followedMs = (System.nanoTime() - killedAt) / 1_000_000;
    System.out.printf("redis followed the new master %s within %d ms%n", next, followedMs);
    assertThat(next).isNotEqualTo(master);
    // How fast is make bench's business (RedisBench); awaitOneRedisMasterFollowingTheElection
    // bounds it only so that a hook that never follows fails.
    assertThat(redis.get(next).cli("get", "greeting"))
        .as("the new master kept the replicated data")
        .isEqualTo("hello");
    // The old master's Redis, whose agent is gone, refuses writes rather than taking them.
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> masterRedis.cli("set", "stale", "write").contains("NOREPLICAS"));
    assertThat(RoleHook.ready(hookEnvs.get(master)))
        .as("a Redis whose agent is gone is not ready")
        .isFalse();

    startAgent(master);
    await().atMost(Duration.ofSeconds(10)).until(() -> isReplicaOf(masterRedis, redis.get(next)));
    assertThat(awaitOneRedisMasterFollowingTheElection()).isEqualTo(next);
    assertThat(masterRedis.cli("get", "greeting")).isEqualTo("hello");
  }

  /**
   * Waits until exactly one Redis says {@code role:master}, it is the one whose agent is master,
   * and every Redis whose agent runs replicates from it; returns that member.
   */
  private String awaitOneRedisMasterFollowingTheElection() {
    return await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(this::redisMasterFollowingTheElection, Optional::isPresent)
        .orElseThrow();
  }

  private Optional<String> redisMasterFollowingTheElection() {
    Optional<String> elected = elected();
    List<String> redisMasters =
        agents.keySet().stream()
            .filter(m -> "master".equals(redis.get(m).replication().get("role")))
            .toList();
    if (elected.isEmpty() || !redisMasters.equals(List.of(elected.get()))) {
      return Optional.empty();
    }
    RedisNode master = redis.get(elected.get());
    boolean replicated =
        replicas(elected.get())
            .filter(r -> agents.containsKey(r.name()))
            .allMatch(r -> isReplicaOf(r, master));
    return replicated ? elected : Optional.empty();
  }

  private void hooksRestartWithoutChangingAnything(String master) throws Exception {
    String replid = redis.get(master).replication().get("master_replid");
    for (String member : MEMBERS) {
      hooks.remove(member).close();
      startHook(member);
    }
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> hooks.values().stream().allMatch(h -> h.log().contains("started")));
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(3))
        .until(() -> redisMasterFollowingTheElection().equals(Optional.of(master)));
    assertThat(redis.get(master).replication().get("master_replid"))
        .as("the master was not promoted again")
        .isEqualTo(replid);
    for (RoleHook hook : hooks.values()) {
      assertThat(hook.log())
          .contains("started")
          .doesNotContain("REPLICAOF", "replicates", "writes refused");
    }
  }

  private Optional<String> elected() {
    List<String> masters =
        agents.values().stream()
            .filter(a -> a.status().map(s -> "master".equals(s.get("role"))).orElse(false))
            .map(InProcessAgent::member)
            .toList();
    return masters.size() == 1 ? Optional.of(masters.get(0)) : Optional.empty();
  }

  private Stream<RedisNode> replicas(String master) {
    return redis.values().stream().filter(r -> !r.name().equals(master));
  }

  private static boolean isReplicaOf(RedisNode replica, RedisNode master) {
    Map<String, String> info = replica.replication();
    return "slave".equals(info.get("role"))
        && Integer.toString(master.port()).equals(info.get("master_port"))
        && "up".equals(info.get("master_link_status"));
  }

  private void startAgent(String member) {
    agents.put(member, InProcessAgent.start(envs.get(member)));
  }

  /** redis-2's hook reads the role file, the others ask the agent's {@code /status}. */
  private void startHook(String member) throws IOException {
    Map<String, String> env = new HashMap<>();
    env.put("REDIS_PORT", Integer.toString(redis.get(member).port()));
    env.put(
        "REDIS_PEERS",
        redis.values().stream()
            .map(r -> r.name() + "=127.0.0.1:" + r.port())
            .collect(Collectors.joining(" ")));
    env.put("HALO_POLL_SECONDS", "0.2");
    if (member.equals("redis-2")) {
      env.put("HALO_ROLE_JSON", dir.resolve(member).resolve("halo/role.json").toString());
    } else {
      env.put("HALO_AGENT_URL", "http://127.0.0.1:" + envs.get(member).port());
    }
    hookEnvs.put(member, env);
    Path log = dir.resolve(member).resolve("hook-" + ++hookStarts + ".log");
    hooks.put(member, RoleHook.start(env, log));
  }
}
