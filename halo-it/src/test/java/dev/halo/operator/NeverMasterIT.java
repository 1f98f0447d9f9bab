package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.api.v1alpha1.MemberStatus;
import dev.halo.api.v1alpha1.NeverMasterSpec;
import dev.halo.common.Names;
import dev.halo.sandbox.LocalKubelet;
import dev.halo.testing.EtcdExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Never-master members (spec.election.neverMaster) on real etcd with real agent processes: an
 * excluded member does not take over although it was next in line, the list changes on a running
 * group without restarting a pod, an excluded master hands over to an eligible member, and a group
 * left with excluded members only says so.
 */
class NeverMasterIT extends NamespaceWithKubelet {
  @Order(1)
  @RegisterExtension
  static final EtcdExtension etcd = EtcdExtension.members(1);

  @Order(2)
  @RegisterExtension
  static final OperatorExtension operator = new OperatorExtension(etcd);

  NeverMasterIT() {
    super(operator, LocalKubelet.AgentMode.PROCESS);
  }

  @Test
  void excludedMembersNeverTakeOverAndTheListChangesWithoutRestartingPods() {
    h.startGroup(h.group(ns, "nm"));
    h.awaitAllCampaigning(ns, "nm");
    List<String> queue = queue("nm");
    String master = queue.get(0);
    String next = queue.get(1);
    String last = queue.get(2);
    List<String> uids = uids();

    // The next in line is excluded: its agent leaves the queue, its pod stays as it is.
    neverMaster(ordinal(next));
    await().atMost(Duration.ofSeconds(10)).until(() -> excluded(next).isPresent());
    await().atMost(Duration.ofSeconds(10)).until(() -> !member(next).getCampaigning());
    assertThat(excluded(next)).contains("spec.election.neverMaster.ordinals: " + ordinal(next));
    assertThat(member(next).getReady()).isTrue();

    // The master dies: the last in line takes over, not the excluded one.
    kubelet.crashAgentSilently(master);
    h.awaitLabelledMasterOtherThan(ns, "nm", master, Duration.ofSeconds(6));
    assertThat(h.awaitAgreedMaster(ns, "nm", Duration.ofSeconds(5))).isEqualTo(last);

    // Let it in again: it campaigns without a restart.
    neverMaster();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> member(next).getCampaigning() && excluded(next).isEmpty());

    // Exclude the master: it hands over to the eligible member that campaigns.
    neverMaster(ordinal(last));
    h.awaitLabelledMasterOtherThan(ns, "nm", last, Duration.ofSeconds(10));
    assertThat(h.awaitAgreedMaster(ns, "nm", Duration.ofSeconds(5))).isEqualTo(next);
    assertThat(h.events(ns, "Switchover"))
        .anySatisfy(e -> assertThat(e.getMessage()).contains(last).contains("neverMaster"));
    // It read its hold again when it stepped down, so it did not rejoin the queue (where it would
    // be elected again if the new master died before its next periodic read of the hold).
    assertThat(queue("nm")).containsExactly(next);
    // The operator tells etcd whom the traffic goes to, for a draining master to wait on.
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(
                        etcd.cluster()
                            .etcdctl("get", "/halo/" + ns + "/nm/routed", "--print-value-only")
                            .strip())
                    .startsWith(next + " "));

    // The only eligible member dies: no master, and the status says why.
    kubelet.crashAgentSilently(next);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(h.condition(ns, "nm", "MasterElected"))
                    .hasValueSatisfying(
                        c -> assertThat(c.getReason()).isEqualTo("OnlyExcludedMembers")));
    assertThat(h.condition(ns, "nm", "MasterElected").orElseThrow().getMessage())
        .contains(last)
        .contains("spec.election.neverMaster");
    assertThat(h.events(ns, "OnlyExcludedMembers")).isNotEmpty();
    assertThat(h.labelledMasters(ns, "nm")).isEmpty();
    assertThat(uids()).isEqualTo(uids);
  }

  /** The group's candidates in etcd, first in line first. */
  private List<String> queue(String group) {
    String[] lines =
        etcd.cluster()
            .etcdctl(
                "get",
                "/halo/" + ns + "/" + group + "/election",
                "--prefix",
                "--sort-by=CREATE",
                "--order=ASCEND")
            .strip()
            .split("\n");
    List<String> members = new ArrayList<>();
    for (int i = 1; i < lines.length; i += 2) {
      members.add(lines[i]);
    }
    return members;
  }

  private List<String> uids() {
    return h.pods(ns, "nm").stream().map(p -> p.getMetadata().getUid()).sorted().toList();
  }

  private static int ordinal(String pod) {
    return Names.podIndex("nm", pod);
  }

  private void neverMaster(Integer... ordinals) {
    h.update(
        ns,
        "nm",
        g -> {
          NeverMasterSpec never = new NeverMasterSpec();
          never.setOrdinals(new ArrayList<>(List.of(ordinals)));
          g.getSpec().getElection().setNeverMaster(never);
        });
  }

  private MemberStatus member(String pod) {
    return h.get(ns, "nm").getStatus().getMembers().stream()
        .filter(m -> m.getPod().equals(pod))
        .findFirst()
        .orElseThrow();
  }

  private Optional<String> excluded(String pod) {
    return Optional.ofNullable(member(pod).getExcluded());
  }
}
