package dev.halo.operator.model;

import dev.halo.common.Labels;
import dev.halo.common.Names;
import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.ElectionView;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.ArrayList;
import java.util.List;

/** Pods and election views as the reconciler observes them, for pure tests. */
public final class TestPods {
  private TestPods() {}

  /** A running, Ready pod of group "web" with the given role label and template hash. */
  public static Pod pod(String name, String role) {
    return pod(name, role, "h1");
  }

  public static Pod pod(String name, String role, String hash) {
    PodBuilder b =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace("shop")
            .addToLabels(Labels.GROUP, "web")
            .addToAnnotations(Labels.TEMPLATE_HASH, hash)
            .endMetadata()
            .withNewStatus()
            .withPhase("Running")
            .addNewCondition()
            .withType("Ready")
            .withStatus("True")
            .endCondition()
            .addToContainerStatuses(
                new ContainerStatusBuilder()
                    .withName(Names.AGENT_CONTAINER)
                    .withNewState()
                    .withNewRunning()
                    .endRunning()
                    .endState()
                    .build())
            .endStatus();
    if (role != null) {
      b.editMetadata().addToLabels(Labels.ROLE, role).endMetadata();
    }
    return b.build();
  }

  public static Pod notReady(Pod pod) {
    Pod copy = new PodBuilder(pod).build();
    copy.getStatus().getConditions().get(0).setStatus("False");
    return copy;
  }

  public static Pod terminating(Pod pod) {
    return new PodBuilder(pod)
        .editMetadata()
        .withDeletionTimestamp("2026-11-25T00:00:00Z")
        .endMetadata()
        .build();
  }

  public static Pod agentCrashed(Pod pod) {
    Pod copy = new PodBuilder(pod).build();
    copy.getStatus()
        .setContainerStatuses(
            List.of(
                new ContainerStatusBuilder()
                    .withName(Names.AGENT_CONTAINER)
                    .withNewState()
                    .withNewTerminated()
                    .withExitCode(137)
                    .endTerminated()
                    .endState()
                    .build()));
    return copy;
  }

  /** A reachable view whose queue is the members in order, each with one lease. */
  public static ElectionView view(String... members) {
    List<Candidate> candidates = new ArrayList<>();
    for (int i = 0; i < members.length; i++) {
      long lease = 0x100 + i;
      candidates.add(
          new Candidate(
              "/halo/shop/web/election/" + Long.toHexString(lease), members[i], 10 + i, lease));
    }
    return new ElectionView("/halo/shop/web/election", true, candidates, 20, "");
  }
}
