package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.common.Annotations;
import dev.halo.sandbox.LocalKubelet;
import dev.halo.testing.EtcdExtension;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A paused group (spec.paused) on real etcd with real agent processes: the operator replaces no pod
 * and moves no master on its own, while the labels keep following the election; resuming picks up
 * from where the group is.
 */
class PausedGroupIT extends NamespaceWithKubelet {
  @Order(1)
  @RegisterExtension
  static final EtcdExtension etcd = EtcdExtension.members(1);

  @Order(2)
  @RegisterExtension
  static final OperatorExtension operator = new OperatorExtension(etcd);

  PausedGroupIT() {
    super(operator, LocalKubelet.AgentMode.PROCESS);
  }

  @Test
  void aPausedGroupReplacesNoPodRefusesSwitchoversFollowsACrashAndResumes() {
    String master = h.startGroup(h.group(ns, "p"));
    h.awaitAllCampaigning(ns, "p");
    h.update(ns, "p", g -> g.getSpec().setPaused(true));
    await().atMost(Duration.ofSeconds(10)).until(() -> h.conditionIs(ns, "p", "Paused", "True"));
    assertThat(h.get(ns, "p").getStatus().getPhase()).isEqualTo("Paused");
    assertThat(h.events(ns, "Paused")).singleElement();

    // A deleted standby stays gone: the status that names it missing is written after the
    // reconcile that would have created it.
    String standby =
        List.of("p-0", "p-1", "p-2").stream()
            .filter(p -> !p.equals(master))
            .findFirst()
            .orElseThrow();
    kubelet.deletePodGracefully(standby);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                h.condition(ns, "p", "Paused")
                    .orElseThrow()
                    .getMessage()
                    .contains("not created while paused: " + standby));
    assertThat(h.pods(ns, "p")).hasSize(2);

    // The master dies without resigning: its lease runs out and the labels follow etcd.
    try (LabelSampler sampler = new LabelSampler(h, ns, "p")) {
      kubelet.crashAgentSilently(master);
      h.awaitLabelledMasterOtherThan(ns, "p", master, Duration.ofSeconds(6));
      String next = h.awaitAgreedMaster(ns, "p", Duration.ofSeconds(5));

      // A switchover asked while paused is refused, its annotation removed, the master stays.
      h.update(ns, "p", g -> annotations(g.getMetadata()).put(Annotations.SWITCHOVER, next));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> !h.events(ns, "SwitchoverRefused").isEmpty());
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> !annotations(h.get(ns, "p").getMetadata()).containsKey(Annotations.SWITCHOVER));
      assertThat(h.events(ns, "SwitchoverRefused").get(0).getMessage())
          .contains(next)
          .contains("paused")
          .contains("\"paused\":false");
      assertThat(h.labelledMasters(ns, "p")).containsExactly(next);
      assertThat(h.pods(ns, "p")).hasSize(2);
      assertThat(sampler.violations()).isEmpty();
    }

    h.update(ns, "p", g -> g.getSpec().setPaused(false));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                h.pods(ns, "p").size() == 3
                    && h.condition(ns, "p", "Paused").isEmpty()
                    && !"Paused".equals(h.get(ns, "p").getStatus().getPhase()));
    assertThat(h.events(ns, "Resumed")).singleElement();
    assertThat(h.events(ns, "Paused")).singleElement();
  }

  private static Map<String, String> annotations(io.fabric8.kubernetes.api.model.ObjectMeta meta) {
    if (meta.getAnnotations() == null) {
      meta.setAnnotations(new HashMap<>());
    }
    return meta.getAnnotations();
  }
}
