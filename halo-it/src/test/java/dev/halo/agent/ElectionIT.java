package dev.halo.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.common.ElectionKeys;
import dev.halo.sandbox.AgentEnv;
import dev.halo.sandbox.Http;
import dev.halo.sandbox.InProcessAgent;
import dev.halo.testing.EtcdExtension;
import dev.halo.testing.RoleSampler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Election semantics and the HTTP API, with real agents in-process on a real etcd. */
class ElectionIT {
  @RegisterExtension static final EtcdExtension etcd = EtcdExtension.members(1);

  private static final AtomicInteger groups = new AtomicInteger();
  private final List<InProcessAgent> agents = new ArrayList<>();
  private final String election = ElectionKeys.electionName("test", "g" + groups.incrementAndGet());

  @AfterEach
  void stopAgents() {
    agents.forEach(InProcessAgent::close);
  }

  private InProcessAgent start(String member) {
    return start(member, 2);
  }

  private InProcessAgent start(String member, int ttl) {
    InProcessAgent agent =
        InProcessAgent.start(AgentEnv.of(etcd.cluster().endpoints(), election, member).ttl(ttl));
    agents.add(agent);
    return agent;
  }

  private static double keepAlivesSent(InProcessAgent agent) {
    String metrics =
        Http.get("http://127.0.0.1:" + agent.port() + "/metrics", Duration.ofSeconds(2))
            .orElseThrow();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(?m)^halo_agent_keepalives_total\\{[^}]*} (\\S+)$")
            .matcher(metrics);
    assertThat(m.find()).as("halo_agent_keepalives_total in %s", metrics).isTrue();
    return Double.parseDouble(m.group(1));
  }

  private String etcdLeader() {
    String out =
        etcd.cluster()
            .etcdctl(
                "get", election, "--prefix", "--sort-by=CREATE", "--order=ASCEND", "--limit=1");
    String[] lines = out.strip().split("\n");
    return lines.length < 2 ? "" : lines[1];
  }

  @Test
  void firstCandidateLeadsAndTheQueueFollowsCreateRevision() {
    InProcessAgent first = start("m-0");
    await().atMost(Duration.ofSeconds(10)).until(() -> first.role().equals("master"));
    InProcessAgent second = start("m-1");
    await().until(() -> "campaigning".equals(second.status().orElseThrow().get("phase")));
    InProcessAgent third = start("m-2");
    await().until(() -> "campaigning".equals(third.status().orElseThrow().get("phase")));

    assertThat(etcdLeader()).isEqualTo("m-0");
    assertThat(List.of(second.role(), third.role())).containsOnly("standby");

    try (RoleSampler sampler = new RoleSampler(agents)) {
      first.close();
      await().atMost(Duration.ofSeconds(5)).until(() -> second.role().equals("master"));
      assertThat(etcdLeader()).isEqualTo("m-1");
      second.close();
      await().atMost(Duration.ofSeconds(5)).until(() -> third.role().equals("master"));
      assertThat(etcdLeader()).isEqualTo("m-2");
      assertThat(sampler.violations()).as(sampler.describe()).isEmpty();
    }
  }

  @Test
  void aMasterAskedToStepDownDemotesBeforeTheNextIsElectedAndRejoins() {
    InProcessAgent first = start("d-0");
    await().atMost(Duration.ofSeconds(10)).until(() -> first.role().equals("master"));
    InProcessAgent second = start("d-1");
    await().until(() -> "campaigning".equals(second.status().orElseThrow().get("phase")));
    List<String> order = new CopyOnWriteArrayList<>();
    first.agent().onTransition(t -> order.add("d-0 " + t.to().wire() + " " + t.reason()));
    second.agent().onTransition(t -> order.add("d-1 " + t.to().wire()));
    String lease = (String) first.status().orElseThrow().get("leaseId");
    String request = ElectionKeys.stepDownKey(election, Long.parseLong(lease, 16));

    etcd.cluster().etcdctl("put", "--lease=" + lease, request, "switchover");

    await().atMost(Duration.ofSeconds(5)).until(() -> second.role().equals("master"));
    assertThat(order).startsWith("d-0 standby step-down", "d-1 master");
    assertThat(etcdLeader()).isEqualTo("d-1");
    await()
        .until(
            () ->
                "campaigning".equals(first.status().orElseThrow().get("phase"))
                    && !lease.equals(first.status().orElseThrow().get("leaseId")));
    assertThat(first.role()).isEqualTo("standby");
    assertThat(etcd.cluster().etcdctl("get", request)).isBlank();
    assertThat(etcd.cluster().etcdctl("lease", "list")).doesNotContain(lease);
  }

  @Test
  void aStepDownRequestPutWhileTheWatchWasDownIsFoundWhenTheWatchComesBack() {
    List<ElectionClient.WatchHandler> electionWatches = new CopyOnWriteArrayList<>();
    InProcessAgent deaf =
        InProcessAgent.start(
            AgentEnv.of(etcd.cluster().endpoints(), election, "w-0").ttl(2),
            Optional.of(
                config ->
                    new DeafToStepDowns(
                        new JetcdElectionClient(config.etcdEndpoints(), config.callTimeout()),
                        electionWatches)));
    agents.add(deaf);
    await().atMost(Duration.ofSeconds(10)).until(() -> deaf.role().equals("master"));
    InProcessAgent next = start("w-1");
    await().until(() -> "campaigning".equals(next.status().orElseThrow().get("phase")));
    String lease = (String) deaf.status().orElseThrow().get("leaseId");

    etcd.cluster()
        .etcdctl(
            "put",
            "--lease=" + lease,
            ElectionKeys.stepDownKey(election, Long.parseLong(lease, 16)),
            "switchover");
    // The request's own watch hears nothing here; a missed request must not stay missed.
    await().during(Duration.ofMillis(500)).until(() -> deaf.role().equals("master"));
    electionWatches.forEach(h -> h.onBroken(new IllegalStateException("test: watch cut")));

    await().atMost(Duration.ofSeconds(5)).until(() -> next.role().equals("master"));
    assertThat(deaf.role()).isEqualTo("standby");
    assertThat(etcd.cluster().etcdctl("lease", "list")).doesNotContain(lease);
  }

  /** Delivers nothing from step-down watches; hands out the election watches' handlers. */
  private record DeafToStepDowns(
      ElectionClient delegate, List<ElectionClient.WatchHandler> electionWatches)
      implements ElectionClient {
    @Override
    public CompletableFuture<Lease> grant(int ttlSeconds) {
      return delegate.grant(ttlSeconds);
    }

    @Override
    public CompletableFuture<Lease> keepAliveOnce(long leaseId) {
      return delegate.keepAliveOnce(leaseId);
    }

    @Override
    public CompletableFuture<Void> revoke(long leaseId) {
      return delegate.revoke(leaseId);
    }

    @Override
    public CompletableFuture<Long> campaign(
        String key, String value, long leaseId, Identity identity) {
      return delegate.campaign(key, value, leaseId, identity);
    }

    @Override
    public CompletableFuture<Void> leave(String key, long leaseId, Identity marked) {
      return delegate.leave(key, leaseId, marked);
    }

    @Override
    public CompletableFuture<Void> delete(String key) {
      return delegate.delete(key);
    }

    @Override
    public CompletableFuture<LeaderView> leader(String prefix) {
      return delegate.leader(prefix);
    }

    @Override
    public CompletableFuture<LeaderView> leader(String prefix, String fencePrefix) {
      return delegate.leader(prefix, fencePrefix);
    }

    @Override
    public CompletableFuture<Boolean> exists(String key) {
      return delegate.exists(key);
    }

    @Override
    public AutoCloseable watch(String prefix, long fromRevision, WatchHandler handler) {
      if (prefix.contains("/stepdown/")) {
        return () -> {};
      }
      electionWatches.add(handler);
      return delegate.watch(prefix, fromRevision, handler);
    }

    @Override
    public void close() {
      delegate.close();
    }
  }

  @Test
  void aStepDownRequestForAnotherLeaseLeavesTheMasterAlone() {
    InProcessAgent master = start("o-0");
    await().atMost(Duration.ofSeconds(10)).until(() -> master.role().equals("master"));
    InProcessAgent standby = start("o-1");
    await().until(() -> "campaigning".equals(standby.status().orElseThrow().get("phase")));
    String masterLease = (String) master.status().orElseThrow().get("leaseId");
    String standbyLease = (String) standby.status().orElseThrow().get("leaseId");

    etcd.cluster()
        .etcdctl(
            "put",
            "--lease=" + standbyLease,
            ElectionKeys.stepDownKey(election, Long.parseLong(standbyLease, 16)),
            "test");

    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                "campaigning".equals(standby.status().orElseThrow().get("phase"))
                    && !standbyLease.equals(standby.status().orElseThrow().get("leaseId")));
    assertThat(master.role()).isEqualTo("master");
    assertThat(master.status().orElseThrow()).containsEntry("leaseId", masterLease);
    assertThat(etcdLeader()).isEqualTo("o-0");
  }

  @Test
  void statusReportsLeaderLeaseAndFencingRevision() {
    InProcessAgent master = start("s-0");
    await().until(() -> master.role().equals("master"));
    InProcessAgent standby = start("s-1");
    // Campaigning comes first; the leader read that follows fills in "leader".
    await().until(() -> "s-0".equals(standby.status().orElseThrow().get("leader")));

    Map<String, Object> m = master.status().orElseThrow();
    Map<String, Object> s = standby.status().orElseThrow();
    assertThat(m)
        .containsEntry("member", "s-0")
        .containsEntry("role", "master")
        .containsEntry("leader", "s-0")
        .containsEntry("eligible", true)
        .containsEntry("etcdReachable", true);
    assertThat(((Number) m.get("deadlineRemainingMs")).longValue()).isPositive();
    assertThat(m.get("key")).isEqualTo(election + "/" + m.get("leaseId"));
    assertThat(s).containsEntry("role", "standby").containsEntry("leader", "s-0");
    assertThat(s.get("leaderRevision")).isEqualTo(m.get("createRevision"));
    assertThat(((Number) s.get("createRevision")).longValue())
        .isGreaterThan(((Number) m.get("createRevision")).longValue());
    String leases = etcd.cluster().etcdctl("lease", "list");
    assertThat(leases).contains((String) m.get("leaseId"), (String) s.get("leaseId"));
  }

  @Test
  void anAgentPublishesWhoItIsUnderItsOwnLeaseAndRemovesItOnResign() {
    InProcessAgent agent =
        InProcessAgent.start(
            AgentEnv.of(etcd.cluster().endpoints(), election, "i-0")
                .ttl(2)
                .set("HALO_POD_UID", "uid-pod-i-0")
                .set("HALO_GROUP_UID", "uid-group-i"));
    agents.add(agent);
    await().until(() -> agent.role().equals("master"));
    String lease = (String) agent.status().orElseThrow().get("leaseId");
    String memberKey = ElectionKeys.memberKey(election, Long.parseUnsignedLong(lease, 16));

    assertThat(memberKey).isEqualTo(election.replace("/election", "/members/") + lease);
    assertThat(etcd.cluster().etcdctl("get", memberKey, "--print-value-only").strip())
        .isEqualTo("{\"pod\":\"i-0\",\"podUID\":\"uid-pod-i-0\",\"groupUID\":\"uid-group-i\"}");
    // Attached to the agent's own lease: it goes with the lease and only its holder could put it.
    assertThat(etcd.cluster().etcdctl("lease", "timetolive", lease, "--keys"))
        .contains(memberKey, election + "/" + lease);

    agent.close();

    assertThat(etcd.cluster().etcdctl("get", memberKey, "--keys-only")).isBlank();
  }

  @Test
  void aStandbyRenewsItsLeaseLessOftenThanTheMaster() throws Exception {
    // TTL 5: the master renews every 500 ms, a standby every 1333 ms.
    InProcessAgent master = start("r-0", 5);
    await().atMost(Duration.ofSeconds(10)).until(() -> master.role().equals("master"));
    InProcessAgent standby = start("r-1", 5);
    await().atMost(Duration.ofSeconds(10)).until(() -> keepAlivesSent(standby) >= 1);
    double masterBefore = keepAlivesSent(master);
    double standbyBefore = keepAlivesSent(standby);
    await().pollDelay(Duration.ofSeconds(4)).until(() -> true);
    double byMaster = keepAlivesSent(master) - masterBefore;
    double byStandby = keepAlivesSent(standby) - standbyBefore;
    assertThat(byMaster).isGreaterThanOrEqualTo(6);
    assertThat(byStandby).isGreaterThanOrEqualTo(2).isLessThan(byMaster / 2);

    master.close();
    await().atMost(Duration.ofSeconds(5)).until(() -> standby.role().equals("master"));
    double promotedBefore = keepAlivesSent(standby);
    await().pollDelay(Duration.ofSeconds(2)).until(() -> true);
    assertThat(keepAlivesSent(standby) - promotedBefore).isGreaterThanOrEqualTo(3);
  }

  @Test
  void httpApiServesHealthAndMetricsAndChangesNothing() throws Exception {
    InProcessAgent master = start("h-0");
    await().until(() -> master.role().equals("master"));
    String base = "http://127.0.0.1:" + master.port();

    assertThat(Http.get(base + "/healthz", Duration.ofSeconds(1))).contains("ok\n");
    String metrics = Http.get(base + "/metrics", Duration.ofSeconds(1)).orElseThrow();
    assertThat(metrics)
        .contains("halo_agent_is_master{member=\"h-0\"} 1.0")
        .contains(
            "halo_agent_transitions_total{member=\"h-0\",reason=\"elected\",to=\"master\"} 1.0")
        .contains("halo_agent_keepalive_failures_total")
        .contains("halo_agent_keepalives_total")
        .contains("halo_agent_lease_time_left_seconds");
    assertThat(Http.status("POST", base + "/role")).isEqualTo(405);
    assertThat(Http.status("DELETE", base + "/status")).isEqualTo(405);
    assertThat(Http.status("GET", base + "/nothing")).isEqualTo(404);
    assertThat(master.role()).isEqualTo("master");
  }
}
