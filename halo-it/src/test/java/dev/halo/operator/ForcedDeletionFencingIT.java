package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.agent.JetcdElectionClient;
import dev.halo.agent.Role;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.sandbox.AgentHandle;
import dev.halo.sandbox.InProcessAgent;
import dev.halo.sandbox.LocalKubelet;
import dev.halo.sandbox.TcpProxy;
import dev.halo.testing.EtcdExtension;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
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
    kubelet =
        LocalKubelet.start(
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
    kubelet.close();
    proxies.forEach(TcpProxy::close);
  }

  /** Starts a group of three with a short TTL and watches each agent's role from then on. */
  private String startGroup(String name) {
    HighAvailabilityGroup hag = h.group(ns, name);
    hag.getSpec().getElection().setLeaseTTLSeconds(TTL_SECONDS);
    String master = h.startGroup(hag);
    h.awaitAllCampaigning(ns, name);
    for (String pod : kubelet.pods()) {
      intervals.watch(pod, ((InProcessAgent) kubelet.agent(pod)).agent());
    }
    return master;
  }

  private boolean isMaster(String pod) {
    return kubelet.pods().contains(pod)
        && ((InProcessAgent) kubelet.agent(pod)).agent().role() == Role.MASTER;
  }

  @Test
  void aForceDeletedMasterCutOffFromEtcdIsNeverMasterBesideTheNextOne() {
    String old = startGroup("forced");
    InProcessAgent oldAgent = (InProcessAgent) kubelet.agent(old);

    proxyOf.get(old).cut();
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
    }
  }
}
