package dev.halo.operator.model;

import dev.halo.common.Annotations;
import dev.halo.common.Labels;
import dev.halo.common.MemberIdentity;
import dev.halo.common.Names;
import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.ElectionView;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Pods and election views as the reconciler observes them, for pure tests. */
public final class TestPods {
  /** The UID of group "web" in these tests. */
  public static final String GROUP_UID = "uid-group-web";

  private TestPods() {}

  /** The UID of a test pod: derived from its name, so a view can carry it. */
  public static String uid(String pod) {
    return "uid-" + pod;
  }

  /** Who holds which key of {@code view} for group "web" with {@code pods}. */
  public static Membership members(List<Pod> pods, ElectionView view) {
    return Membership.of("web", GROUP_UID, pods, view);
  }

  /** A candidate of group "web" whose lease carries the identity of pod {@code member}. */
  public static Candidate own(String key, String member, long createRevision, long lease) {
    return new Candidate(key, member, createRevision, lease)
        .withIdentity(Optional.of(new MemberIdentity(member, uid(member), GROUP_UID)));
  }

  /** A running, Ready pod of group "web" with the given role label and template hash. */
  public static Pod pod(String name, String role) {
    return pod(name, role, "h1");
  }

  public static Pod pod(String name, String role, String hash) {
    PodBuilder b =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withUid(uid(name))
            .withNamespace("shop")
            .addToLabels(Labels.GROUP, "web")
            .addToAnnotations(Annotations.TEMPLATE_HASH, hash)
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

  /**
   * A reachable view whose queue is the members in order, each with one lease that carries the
   * member's identity in group "web".
   */
  public static ElectionView view(String... members) {
    List<Candidate> candidates = new ArrayList<>();
    for (int i = 0; i < members.length; i++) {
      long lease = 0x100 + i;
      candidates.add(
          own("/halo/shop/web/election/" + Long.toHexString(lease), members[i], 10 + i, lease));
    }
    return new ElectionView("/halo/shop/web/election", true, candidates, 20, "");
  }
}
