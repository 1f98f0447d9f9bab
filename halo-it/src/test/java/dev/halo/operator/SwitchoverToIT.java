package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.Annotations;
import dev.halo.sandbox.LocalKubelet;
import dev.halo.sandbox.history.MasterInterval;
import dev.halo.sandbox.history.RoleHistoryChecker;
import dev.halo.testing.EtcdExtension;
import io.fabric8.kubernetes.api.model.Event;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code halo.dev/switchover-to=<pod>} on a group of one cluster, with the real operator and agent
 * processes on real etcd (TTL 2 s): the chosen pod becomes master whatever its place in the queue,
 * proven from the agents' role histories; requests that cannot be done are refused.
 */
class SwitchoverToIT extends NamespaceWithKubelet {
  @Order(1)
  @RegisterExtension
  static final EtcdExtension etcd = EtcdExtension.members(1);

  @Order(2)
  @RegisterExtension
  static final OperatorExtension operator = new OperatorExtension(etcd);

  private static final int WINDOW_SECONDS = 3;

  SwitchoverToIT() {
    super(operator, LocalKubelet.AgentMode.PROCESS);
  }

  @Test
  void theLastQueuedPodBecomesMasterWithNeverTwoMasters() {
    String old = h.startGroup(h.group(ns, "to"));
    h.awaitAllCampaigning(ns, "to");
    List<String> queue = queue("to");
    assertThat(queue).hasSize(3).startsWith(old);
    String last = queue.get(2);

    annotate("to", last);
    h.awaitLabelledMasterOtherThan(ns, "to", old, Duration.ofSeconds(10));
    assertThat(h.awaitAgreedMaster(ns, "to", Duration.ofSeconds(5))).isEqualTo(last);
    await().atMost(Duration.ofSeconds(10)).until(() -> annotation("to") == null);

    assertThat(events("SwitchoverDone"))
        .singleElement()
        .extracting(Event::getMessage)
        .asString()
        .startsWith(last + " is master");
    assertThat(events("StandbyRequeued"))
        .extracting(Event::getMessage)
        .anySatisfy(m -> assertThat(m).startsWith(queue.get(1) + " queues again behind " + last));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> h.get(ns, "to").getStatus().getFailovers() == 1);
    var failover = h.get(ns, "to").getStatus().getLastFailover();
    assertThat(failover.getFrom()).isEqualTo(old);
    assertThat(failover.getTo()).isEqualTo(last);
    assertThat(failover.getReason()).isEqualTo("switchover");
    // The old master and the re-queued standby queue again, behind the new master.
    await().atMost(Duration.ofSeconds(10)).until(() -> queue("to").size() == 3);
    assertThat(queue("to").get(0)).isEqualTo(last);

    RoleHistoryChecker.Verdict verdict =
        RoleHistoryChecker.check("to", kubelet.roleHistories("to"), System.nanoTime());
    assertThat(verdict.violations()).isEmpty();
    // The old master may show more than one interval: an agent demotes itself when a renewal comes
    // late (a loaded machine, TTL 2 s) and promotes again on the same key; the only hand-over
    // between keys is the switchover.
    List<String> masters = verdict.intervals().stream().map(MasterInterval::member).toList();
    assertThat(masters).as("%s", verdict.intervals()).endsWith(last);
    assertThat(masters.subList(0, masters.size() - 1)).isNotEmpty().containsOnly(old);
    assertThat(verdict.handovers())
        .singleElement()
        .satisfies(o -> assertThat(o.gapNanos()).isPositive());
  }

  @Test
  void requestsThatCannotBeDoneAreRefusedAndRemoved() {
    String master = h.startGroup(h.group(ns, "no"));
    h.awaitAllCampaigning(ns, "no");
    String standby = queue("no").get(2);

    annotate("no", "no-7");
    await().atMost(Duration.ofSeconds(10)).until(() -> annotation("no") == null);
    assertThat(events("SwitchoverRefused"))
        .singleElement()
        .extracting(Event::getMessage)
        .asString()
        .startsWith("no-7 is no pod of this group (no-0, no-1, no-2)");

    kubelet.setWorkloadHealthy(standby, false);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                h.get(ns, "no").getStatus().getMembers().stream()
                    .anyMatch(m -> m.getPod().equals(standby) && !m.getReady()));
    annotate("no", standby);
    await().atMost(Duration.ofSeconds(10)).until(() -> annotation("no") == null);
    assertThat(events("SwitchoverRefused"))
        .extracting(Event::getMessage)
        .anySatisfy(m -> assertThat(m).startsWith(standby + " is not Ready"));

    annotate("no", master);
    await().atMost(Duration.ofSeconds(10)).until(() -> annotation("no") == null);
    assertThat(events("SwitchoverDone"))
        .singleElement()
        .extracting(Event::getMessage)
        .asString()
        .startsWith(master + " is master already");
    assertThat(h.labelledMasters(ns, "no")).containsExactly(master);
    assertThat(h.get(ns, "no").getStatus().getFailovers()).isZero();
  }

  @Test
  void theMasterFailsBackToThePreferredZoneOnceAfterAFailoverAway() {
    HighAvailabilityGroup hag = h.group(ns, "fb"); // fb-0 in zone a, fb-1 in b, fb-2 in c
    hag.getSpec().getElection().setPreferred(List.of("a"));
    hag.getSpec().getElection().setFailbackAfterSeconds(WINDOW_SECONDS);
    h.startGroup(hag);
    // Wherever the first election put it, the master goes to (or stays in) zone a.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> h.labelledMasters(ns, "fb").equals(List.of("fb-0")));
    h.awaitAllCampaigning(ns, "fb");
    int failovers = h.get(ns, "fb").getStatus().getFailovers();

    kubelet.deletePodGracefully("fb-0"); // fails over to zone b or c
    String away = h.awaitAgreedMaster(ns, "fb", Duration.ofSeconds(10));
    assertThat(away).isNotEqualTo("fb-0");
    // fb-0 comes back as a standby; the master fails back once it campaigned for the window.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                h.get(ns, "fb").getStatus().getMembers().stream()
                    .anyMatch(
                        m -> m.getPod().equals("fb-0") && m.getCampaigning() && m.getReady()));
    long campaigning = System.nanoTime();
    await()
        .atMost(Duration.ofSeconds(WINDOW_SECONDS + 15))
        .until(() -> h.labelledMasters(ns, "fb").equals(List.of("fb-0")));
    long tookMillis = (System.nanoTime() - campaigning) / 1_000_000;
    assertThat(tookMillis).isGreaterThanOrEqualTo(WINDOW_SECONDS * 1000L - 1000);
    assertThat(h.awaitAgreedMaster(ns, "fb", Duration.ofSeconds(5))).isEqualTo("fb-0");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> h.get(ns, "fb").getStatus().getFailovers() == failovers + 2);
    var failover = h.get(ns, "fb").getStatus().getLastFailover();
    assertThat(failover.getFrom()).isEqualTo(away);
    assertThat(failover.getReason()).isEqualTo("switchover");
    assertThat(events("Failback"))
        .extracting(Event::getMessage)
        .anySatisfy(
            m -> assertThat(m).contains(away + " (zone ").endsWith("fb-0 (zone a) (failback)"));

    // Once only: the master stays in zone a, nothing flaps, for twice the window (events of the
    // same message are recorded once per five minutes, so the failover count tells).
    await()
        .during(Duration.ofSeconds(2L * WINDOW_SECONDS))
        .atMost(Duration.ofSeconds(2L * WINDOW_SECONDS + 5))
        .until(() -> h.labelledMasters(ns, "fb").equals(List.of("fb-0")));
    assertThat(h.get(ns, "fb").getStatus().getFailovers()).isEqualTo(failovers + 2);
    RoleHistoryChecker.Verdict verdict =
        RoleHistoryChecker.check("fb", kubelet.roleHistories("fb"), System.nanoTime());
    assertThat(verdict.violations()).isEmpty();
  }

  /** The pods in the election's queue, leader first. */
  private List<String> queue(String group) {
    String[] lines =
        h.etcd
            .etcdctl(
                "get",
                "/halo/" + ns + "/" + group + "/election",
                "--prefix",
                "--sort-by=CREATE",
                "--order=ASCEND",
                "--print-value-only")
            .strip()
            .split("\n");
    return Arrays.stream(lines).filter(l -> !l.isBlank()).toList();
  }

  private void annotate(String group, String target) {
    h.update(
        ns,
        group,
        g -> {
          if (g.getMetadata().getAnnotations() == null) {
            g.getMetadata().setAnnotations(new HashMap<>());
          }
          g.getMetadata().getAnnotations().put(Annotations.SWITCHOVER_TO, target);
        });
  }

  private String annotation(String group) {
    Map<String, String> annotations = h.get(ns, group).getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(Annotations.SWITCHOVER_TO);
  }

  private List<Event> events(String reason) {
    return h.events(ns, reason);
  }
}
