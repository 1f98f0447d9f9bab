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
    InProcessAgent agent =
        InProcessAgent.start(AgentEnv.of(etcd.cluster().endpoints(), election, member).ttl(2));
    agents.add(agent);
    return agent;
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
  void statusReportsLeaderLeaseAndFencingRevision() {
    InProcessAgent master = start("s-0");
    await().until(() -> master.role().equals("master"));
    InProcessAgent standby = start("s-1");
    await().until(() -> "campaigning".equals(standby.status().orElseThrow().get("phase")));

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
        .contains("halo_agent_lease_time_left_seconds");
    assertThat(Http.status("POST", base + "/role")).isEqualTo(405);
    assertThat(Http.status("DELETE", base + "/status")).isEqualTo(405);
    assertThat(Http.status("GET", base + "/nothing")).isEqualTo(404);
    assertThat(master.role()).isEqualTo("master");
  }
}
