package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.common.Annotations;
import dev.halo.common.Labels;
import dev.halo.sandbox.InProcessAgent;
import dev.halo.sandbox.LocalKubelet;
import dev.halo.testing.EtcdExtension;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator when agents crash, etcd goes away, the operator restarts, or the template changes.
 */
class OperatorFailuresIT {
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

  private Map<String, String> roles(String group) {
    return h.pods(ns, group).stream()
        .collect(
            Collectors.toMap(
                p -> p.getMetadata().getName(),
                p -> String.valueOf(p.getMetadata().getLabels().get(Labels.ROLE))));
  }

  @Test
  void crashedMasterAgentIsReplacedWithinTtlPlusOneSecond() {
    String old = startGroup("crash", LocalKubelet.AgentMode.PROCESS);
    try (LabelSampler sampler = new LabelSampler(h, ns, "crash")) {
      long start = System.nanoTime();
      kubelet.crashAgent(old);
      h.awaitLabelledMasterOtherThan(ns, "crash", old, Duration.ofSeconds(3));
      assertThat((System.nanoTime() - start) / 1_000_000).isLessThanOrEqualTo(3000);
      h.awaitAgreedMaster(ns, "crash", Duration.ofSeconds(5));
      assertThat(sampler.violations()).isEmpty();
    }
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () -> "podFailed".equals(h.get(ns, "crash").getStatus().getLastFailover().getReason()));
  }

  @Test
  void etcdOutageLeavesLabelsAloneAndSaysSoThenRecovers() {
    String master = startGroup("outage", LocalKubelet.AgentMode.IN_PROCESS);
    Map<String, String> before = roles("outage");

    etcd.cluster().stopAll();
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> h.conditionIs(ns, "outage", "EtcdReachable", "False"));
    assertThat(roles("outage")).isEqualTo(before);
    assertThat(h.events(ns, "EtcdUnreachable"))
        .isNotEmpty()
        .allSatisfy(e -> assertThat(e.getType()).isEqualTo("Warning"));
    assertThat(h.get(ns, "outage").getStatus().getMaster()).isEqualTo(master);

    etcd.cluster().restartAll();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> h.conditionIs(ns, "outage", "EtcdReachable", "True"));
    h.awaitAgreedMaster(ns, "outage", Duration.ofSeconds(20));
    assertThat(h.pods(ns, "outage")).hasSize(3);
  }

  @Test
  void operatorRestartChangesNothingThatIsRight() throws Exception {
    startGroup("restart", LocalKubelet.AgentMode.IN_PROCESS);
    Map<String, String> before = roles("restart");
    List<String> changes = new CopyOnWriteArrayList<>();
    try (Watch watch =
        h.client
            .pods()
            .inNamespace(ns)
            .withLabel(Labels.GROUP, "restart")
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, Pod pod) {
                    String role = pod.getMetadata().getLabels().get(Labels.ROLE);
                    if (action != Action.MODIFIED
                        || !role.equals(before.get(pod.getMetadata().getName()))) {
                      changes.add(action + " " + pod.getMetadata().getName() + " " + role);
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                })) {
      h.stopOperator();
      h.startOperator();
      // The new operator has reconciled once it reports its own metrics for the group.
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> h.operator.metrics().scrape().contains("phase=\"Running\"} 1.0"));
      assertThat(roles("restart")).isEqualTo(before);
      assertThat(changes).filteredOn(c -> !c.startsWith("ADDED")).isEmpty();
    }
  }

  @Test
  void operatorRestartGivesNoEtcdVerdictBeforeItHasReadEtcd() {
    startGroup("verdict", LocalKubelet.AgentMode.IN_PROCESS);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> h.conditionIs(ns, "verdict", "Ready", "True"));
    Map<String, String> since = transitionTimes("verdict");
    List<String> warningsBefore = eventNames("EtcdUnreachable");

    h.stopOperator();
    h.startOperator();
    // A group is Running in the new operator's metrics only after it has read etcd, which every
    // group here shares; the check below then holds long enough for each group's reconcile.
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> h.operator.metrics().scrape().matches("(?s).*phase=\"Running\"} [1-9].*"));

    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> {
              assertThat(eventNames("EtcdUnreachable")).isEqualTo(warningsBefore);
              assertThat(transitionTimes("verdict")).isEqualTo(since);
            });
  }

  /** Each condition's type and its lastTransitionTime. */
  private Map<String, String> transitionTimes(String group) {
    return h.get(ns, group).getStatus().getConditions().stream()
        .collect(Collectors.toMap(Condition::getType, Condition::getLastTransitionTime));
  }

  private List<String> eventNames(String reason) {
    return h.events(ns, reason).stream().map(e -> e.getMetadata().getName()).sorted().toList();
  }

  @Test
  void templateChangeRollsStandbysFirstAndTheMasterLast() {
    String master = startGroup("roll", LocalKubelet.AgentMode.IN_PROCESS);
    List<String> deleted = new CopyOnWriteArrayList<>();
    List<String> masterDemotions = new CopyOnWriteArrayList<>();
    ((InProcessAgent) kubelet.agent(master))
        .agent()
        .onTransition(t -> masterDemotions.add(t.to().wire() + " " + t.reason()));
    try (Watch watch =
            h.client
                .pods()
                .inNamespace(ns)
                .withLabel(Labels.GROUP, "roll")
                .watch(
                    new Watcher<>() {
                      @Override
                      public void eventReceived(Action action, Pod pod) {
                        if (action == Action.DELETED) {
                          deleted.add(pod.getMetadata().getName());
                        }
                      }

                      @Override
                      public void onClose(WatcherException cause) {}
                    });
        LabelSampler sampler = new LabelSampler(h, ns, "roll")) {
      String oldHash =
          h.pods(ns, "roll").get(0).getMetadata().getAnnotations().get(Annotations.TEMPLATE_HASH);
      h.update(
          ns,
          "roll",
          g -> {
            g.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("example/app:2");
          });
      await()
          .atMost(Duration.ofSeconds(90))
          .until(
              () ->
                  deleted.size() >= 3
                      && h.pods(ns, "roll").size() == 3
                      && h.pods(ns, "roll").stream()
                          .noneMatch(
                              p ->
                                  oldHash.equals(
                                      p.getMetadata()
                                          .getAnnotations()
                                          .get(Annotations.TEMPLATE_HASH)))
                      && h.get(ns, "roll").getStatus().getMembers().stream()
                          .allMatch(m -> m.getCampaigning() && m.getReady()));
      assertThat(deleted).hasSize(3).doesNotHaveDuplicates();
      assertThat(deleted.get(2)).as("the master goes last, after handing over").isEqualTo(master);
      assertThat(masterDemotions)
          .as("the operator asks the master to step down instead of revoking its lease")
          .startsWith("standby step-down");
      h.awaitAgreedMaster(ns, "roll", Duration.ofSeconds(10));
      assertThat(sampler.violations()).isEmpty();
    }
  }
}
