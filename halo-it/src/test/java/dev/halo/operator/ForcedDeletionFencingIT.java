package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.halo.agent.JetcdElectionClient;
import dev.halo.agent.Role;
import dev.halo.api.v1alpha1.FailoverRecord;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.ElectionKeys;
import dev.halo.common.FenceValue;
import dev.halo.sandbox.AgentHandle;
import dev.halo.sandbox.InProcessAgent;
import dev.halo.sandbox.LocalKubelet;
import dev.halo.sandbox.TcpProxy;
import dev.halo.testing.EtcdExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A master's pod force-deleted ({@code kubectl delete --force --grace-period=0}) while its agent
 * runs on, cut off from etcd: the next master must not be master before the old agent's own
 * deadline has passed. Every agent reaches etcd through its own {@link TcpProxy}; master intervals
 * come from the agents' role transitions on the machine's monotonic clock.
 */
class ForcedDeletionFencingIT {
  private static final int TTL_SECONDS = 3;

  @Order(1)
  @RegisterExtension
  static final EtcdExtension etcd = EtcdExtension.members(1);

  @Order(2)
  @RegisterExtension
  static final OperatorExtension operator = new OperatorExtension(etcd);

  private final Map<String, TcpProxy> proxyOf = new ConcurrentHashMap<>();
  private final List<TcpProxy> proxies = new CopyOnWriteArrayList<>();
  private final MasterIntervals intervals = new MasterIntervals();
  private OperatorHarness h;
  private String ns;
  private LocalKubelet kubelet;

  @BeforeEach
  void namespace() {
    h = operator.harness();
    ns = h.newNamespace();
  }

  /** A kubelet whose in-process agents each reach etcd through a proxy of their own. */
  private LocalKubelet proxiedKubelet() {
    return LocalKubelet.start(
        h.client,
        ns,
        h.etcd,
        LocalKubelet.AgentMode.IN_PROCESS,
        LocalKubelet.Options.defaults()
            .withElectionClients(
                config -> {
                  // Each agent's own way to etcd, which the test can cut.
                  TcpProxy proxy = TcpProxy.to(config.etcdEndpoints().get(0));
                  proxies.add(proxy);
                  proxyOf.put(config.member(), proxy);
                  URI endpoint = proxy.endpoint(config.etcdEndpoints().get(0).getScheme());
                  return new JetcdElectionClient(List.of(endpoint), config.callTimeout());
                }));
  }

  @AfterEach
  void stop() {
    if (kubelet != null) {
      kubelet.close();
    }
    proxies.forEach(TcpProxy::close);
  }

  /**
   * Starts a group of three with a short TTL on {@code kubelet} and watches each in-process agent's
   * role from then on.
   */
  private String startGroup(String name, LocalKubelet kubelet) {
    this.kubelet = kubelet;
    HighAvailabilityGroup hag = h.group(ns, name);
    hag.getSpec().getElection().setLeaseTTLSeconds(TTL_SECONDS);
    String master = h.startGroup(hag);
    h.awaitAllCampaigning(ns, name);
    for (String pod : kubelet.pods()) {
      if (kubelet.agent(pod) instanceof InProcessAgent agent) {
        intervals.watch(pod, agent.agent());
      }
    }
    return master;
  }

  private boolean isMaster(String pod) {
    return kubelet.pods().contains(pod)
        && ((InProcessAgent) kubelet.agent(pod)).agent().role() == Role.MASTER;
  }

  @Test
  void aForceDeletedMasterCutOffFromEtcdIsNeverMasterBesideTheNextOne() {
    String old = startGroup("forced", proxiedKubelet());
    InProcessAgent oldAgent = (InProcessAgent) kubelet.agent(old);

    try (FenceRecorder fences = new FenceRecorder(h.etcd.admin(), ns, "forced")) {
      long forcedAt = System.nanoTime();
      proxyOf.get(old).cut(); // it can no longer see the revoke, nor renew
      try (AgentHandle orphan = kubelet.forceDeleteOnLostNode(old)) {
        // The orphan answers master until its own deadline; then it demotes on its own.
        await()
            .atMost(Duration.ofSeconds(3L * TTL_SECONDS))
            .until(() -> intervals.of(old).stream().noneMatch(MasterIntervals.Interval::open));
        h.awaitLabelledMasterOtherThan(ns, "forced", old, Duration.ofSeconds(4L * TTL_SECONDS));
        String next = h.labelledMasters(ns, "forced").get(0);
        await().atMost(Duration.ofSeconds(5)).until(() -> isMaster(next));

        assertThat(oldAgent.agent().role()).isEqualTo(Role.STANDBY);
        assertThat(intervals.overlaps())
            .as("master intervals that overlap (the old master's ends at its own deadline)")
            .isEmpty();
        long gap = intervals.gapMillis(old, next);
        long failover =
            TimeUnit.NANOSECONDS.toMillis(
                intervals.of(next).get(intervals.of(next).size() - 1).fromNanos() - forcedAt);
        System.out.printf(
            "fenced failover: next master %d ms after the force delete, %d ms after the old"
                + " master's demotion%n",
            failover, gap);
        assertThat(fences.armed())
            .extracting(FenceValue::member, FenceValue::ttlSeconds, FenceValue::path)
            .containsExactly(tuple(old, (long) TTL_SECONDS, FenceValue.FENCED));
        await()
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(
                () ->
                    assertThat(h.get(ns, "forced").getStatus().getLastFailover())
                        .extracting(FailoverRecord::getFrom, FailoverRecord::getReason)
                        .containsExactly(old, "fenced"));
        assertThat(h.events(ns, "MasterFenced"))
            .singleElement()
            .satisfies(
                e ->
                    assertThat(e.getMessage())
                        .startsWith("pod " + old + " was deleted while its agent may still run")
                        .contains("waits " + (TTL_SECONDS + 1) + " s"));
        assertThat(h.operator.metrics().scrape())
            .containsPattern("halo_lease_removals_total\\{path=\"fenced\"} [1-9]");
      }
    }
  }

  @Test
  void aForceDeletedStandbyIsRemovedAtOnceAndTheMasterIsUntouched() {
    String master = startGroup("standby", proxiedKubelet());
    String standby =
        kubelet.pods().stream().filter(p -> !p.equals(master)).findFirst().orElseThrow();
    String lease = (String) kubelet.agent(standby).status().orElseThrow().get("leaseId");
    String election = ElectionKeys.electionName(ns, "standby");
    String standbyKey = ElectionKeys.candidateKey(election, Long.parseUnsignedLong(lease, 16));

    try (FenceRecorder fences = new FenceRecorder(h.etcd.admin(), ns, "standby")) {
      proxyOf.get(standby).cut();
      try (AgentHandle orphan = kubelet.forceDeleteOnLostNode(standby)) {
        await().atMost(Duration.ofSeconds(10)).until(() -> h.events(ns, "KeyRemoved").size() == 1);

        assertThat(h.events(ns, "KeyRemoved").get(0).getMessage())
            .isEqualTo(
                "pod "
                    + standby
                    + "'s key (lease "
                    + lease
                    + ") removed at once (never-leader: "
                    + master
                    + "'s older key led throughout its life)");
        assertThat(h.etcd.etcdctl("get", standbyKey)).isBlank();
        assertThat(fences.armed()).as("nobody waits for a fence").isEmpty();
        await()
            .atMost(Duration.ofSeconds(5))
            .until(() -> fences.seen().stream().anyMatch(FenceRecorder.Seen::deleted));
        assertThat(h.etcd.etcdctl("get", "--prefix", ElectionKeys.fencePrefix(election)))
            .as("the fence that covered the moment between delete and revoke is gone")
            .isBlank();
        assertThat(intervals.of(master))
            .as("the master stayed master throughout")
            .singleElement()
            .matches(MasterIntervals.Interval::open);
        assertThat(h.labelledMasters(ns, "standby")).containsExactly(master);
        assertThat(h.operator.metrics().scrape())
            .containsPattern("halo_lease_removals_total\\{path=\"never-leader\"} [1-9]");
      }
    }
  }

  @Test
  void aFenceLeftRevokingByAnOperatorThatStoppedHalfWayIsFinishedBeforeAnyoneIsMaster()
      throws Exception {
    // What an operator that stopped between the fence's transaction and the revoke leaves: a
    // fence without a lease, of a key older than any the group's agents will create, whose lease
    // still runs.
    String election = ElectionKeys.electionName(ns, "left");
    long lease;
    try (Client admin = h.etcd.admin()) {
      lease = admin.getLeaseClient().grant(TTL_SECONDS).get().getID();
      FenceValue revoking =
          new FenceValue(
              lease,
              1,
              "left-9",
              "",
              "",
              "podDeleted",
              TTL_SECONDS,
              FenceValue.FENCED,
              FenceValue.REVOKING);
      admin
          .getKVClient()
          .put(
              ByteSequence.from(ElectionKeys.fenceKey(election, lease), StandardCharsets.UTF_8),
              ByteSequence.from(revoking.encode(), StandardCharsets.UTF_8))
          .get();
    }
    try (FenceRecorder fences = new FenceRecorder(h.etcd.admin(), ns, "left")) {
      String master = startGroup("left", proxiedKubelet());

      assertThat(fences.armed())
          .as("the operator revoked the fenced lease, then armed the fence")
          .extracting(FenceValue::fencedLease)
          .containsExactly(lease);
      assertThat(fences.seen()).anyMatch(FenceRecorder.Seen::deleted);
      assertThat(h.etcd.etcdctl("lease", "list")).doesNotContain(Long.toHexString(lease));
      assertThat(master).startsWith("left-");
    }
  }

  @Test
  void aMasterWhoseAgentContainerTerminatedIsReplacedAtOnceWithoutAFence() {
    String old =
        startGroup(
            "dead", LocalKubelet.start(h.client, ns, h.etcd, LocalKubelet.AgentMode.PROCESS));

    try (FenceRecorder fences = new FenceRecorder(h.etcd.admin(), ns, "dead")) {
      kubelet.crashAgent(old); // SIGKILL, and the kubelet reports the container terminated

      h.awaitLabelledMasterOtherThan(ns, "dead", old, Duration.ofSeconds(4L * TTL_SECONDS));
      await().atMost(Duration.ofSeconds(10)).until(() -> h.events(ns, "KeyRemoved").size() == 1);
      assertThat(h.events(ns, "KeyRemoved").get(0).getMessage())
          .contains("removed at once (immediate: agentTerminated)");
      assertThat(fences.seen()).as("no fence for a certain death").isEmpty();
      assertThat(h.events(ns, "MasterFenced")).isEmpty();
      assertThat(h.operator.metrics().scrape())
          .containsPattern("halo_lease_removals_total\\{path=\"immediate\"} [1-9]");
    }
  }
}
