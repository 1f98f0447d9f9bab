package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.api.v1alpha1.FailoverRecord;
import dev.halo.common.Annotations;
import dev.halo.sandbox.LocalKubelet;
import dev.halo.testing.EtcdExtension;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Each kind of master loss, with real etcd and real agents, ends in a failover record that names
 * what happened and measures it from the first sign the operator saw.
 */
class OperatorFailoverRecordsIT {
  @Order(1)
  @RegisterExtension
  static final EtcdExtension etcd = EtcdExtension.members(1);

  @Order(2)
  @RegisterExtension
  static final OperatorExtension operator = new OperatorExtension(etcd);

  private OperatorHarness h;
  private String ns;
  private LocalKubelet kubelet;

  @BeforeEach
  void namespace() {
    h = operator.harness();
    etcd.ensureAllRunning();
    ns = h.newNamespace();
  }

  @AfterEach
  void stopKubelet() {
    if (kubelet != null) {
      kubelet.close();
    }
  }

  private String startGroup(String name, LocalKubelet.AgentMode mode) {
    kubelet = h.kubelet(ns, mode);
    String master = h.startGroup(h.group(ns, name));
    h.awaitAllCampaigning(ns, name);
    return master;
  }

  @Test
  void aMasterKilledWithoutResigningIsALeaseExpiry() {
    String old = startGroup("expiry", LocalKubelet.AgentMode.PROCESS);

    kubelet.crashAgentSilently(old); // SIGKILL, pod still Running and Ready: only the lease tells

    FailoverRecord f = awaitFailover("expiry", old, Duration.ofSeconds(10));
    assertThat(f.getReason()).isEqualTo("leaseExpired");
    assertThat(f.getDurationMillis()).isNotNull().isBetween(0L, 1_000L);
  }

  @Test
  void aSwitchoverIsMeasuredFromTheStepDownRequest() {
    String old = startGroup("switch", LocalKubelet.AgentMode.IN_PROCESS);

    h.update(ns, "switch", g -> g.getMetadata().getAnnotations().put(Annotations.SWITCHOVER, old));

    FailoverRecord f = awaitFailover("switch", old, Duration.ofSeconds(10));
    assertThat(f.getReason()).isEqualTo("switchover");
    // The agent sees the request, demotes, then leaves: never in the same instant.
    assertThat(f.getDurationMillis()).isNotNull().isPositive().isLessThan(2_000L);
  }

  @Test
  void aDeletedMasterPodIsPodDeletedMeasuredFromThePodWatch() {
    String old = startGroup("deleted", LocalKubelet.AgentMode.IN_PROCESS);

    kubelet.deletePodGracefully(old);

    FailoverRecord f = awaitFailover("deleted", old, Duration.ofSeconds(10));
    assertThat(f.getReason()).isEqualTo("podDeleted");
    // 0 is a measurement too: the agent resigned on SIGTERM, and its key's deletion and the next
    // leader came in one watch response, before the pod watch showed the pod terminating.
    assertThat(f.getDurationMillis()).isNotNull().isBetween(0L, 2_000L);
  }

  @Test
  void anAgentThatStopsOnItsOwnResignedEvenWhenItsPodIsNotReady() {
    String old = startGroup("resign", LocalKubelet.AgentMode.IN_PROCESS);
    // The group has no health check, so the agent keeps campaigning while its pod is not Ready:
    // the pod's readiness says nothing about why the master went.
    kubelet.setWorkloadHealthy(old, false);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                h.get(ns, "resign").getStatus().getMembers().stream()
                    .anyMatch(m -> m.getPod().equals(old) && !m.getReady()));

    kubelet.agent(old).close(); // a graceful stop of the agent alone, as on SIGTERM

    FailoverRecord f = awaitFailover("resign", old, Duration.ofSeconds(10));
    assertThat(f.getReason()).isEqualTo("resigned");
    assertThat(f.getDurationMillis()).isNotNull().isBetween(0L, 1_000L);
  }

  private FailoverRecord awaitFailover(String group, String from, Duration within) {
    await()
        .atMost(within)
        .until(
            () -> {
              FailoverRecord f = h.get(ns, group).getStatus().getLastFailover();
              return f != null && from.equals(f.getFrom());
            });
    return h.get(ns, group).getStatus().getLastFailover();
  }
}
