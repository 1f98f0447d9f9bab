package dev.halo.operator.model;

import dev.halo.common.Names;
import dev.halo.operator.election.Candidate;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Decides how the group's pods change over time, one disruption at a time: missing pods are
 * created; excess pods (scale down) and outdated pods (template change) are removed standbys first,
 * highest index first, each only after every up-to-date pod is Ready and campaigning; the master
 * goes last, and only after it has handed over (it steps down, a standby is elected, then it is
 * deleted as a standby). A missing pod is not created while the election still holds a lease of an
 * earlier pod of that name: its agent could still answer until that lease is released or expires,
 * and the release changes the election, which plans again.
 */
public final class RolloutPlanner {
  private RolloutPlanner() {}

  /** One step of the rollout. */
  public sealed interface Step {
    /** Create the pods of these replica indices (none whose name an old lease still holds). */
    record Create(List<Integer> indices) implements Step {}

    /** Delete this standby pod. */
    record Delete(String pod, String reason) implements Step {}

    /** Ask the master to step down so a standby takes over, then it can go. */
    record HandOver(String pod, String reason) implements Step {}

    /** Nothing to do until something changes (a pod becomes Ready, a master is elected...). */
    record Wait(String reason) implements Step {}
  }

  /** The planned steps: pod creation (if any) plus at most one disruptive step. */
  public static List<Step> plan(
      String group, int replicas, String desiredHash, List<Pod> pods, Membership view) {
    return plan(group, replicas, desiredHash, pods, view, false);
  }

  /**
   * As above, for a site whose pods are {@code heldOut} of the election ({@link SiteFailover}):
   * they never campaign, so an updated pod counts once it is Ready.
   */
  public static List<Step> plan(
      String group,
      int replicas,
      String desiredHash,
      List<Pod> pods,
      Membership view,
      boolean heldOut) {
    return plan(group, replicas, desiredHash, pods, view, heldOut, Set.of());
  }

  /**
   * As above, with members held out of the election one by one ({@link NeverMaster}): an updated
   * pod among {@code excluded} never campaigns either, so it counts once it is Ready.
   */
  public static List<Step> plan(
      String group,
      int replicas,
      String desiredHash,
      List<Pod> pods,
      Membership view,
      boolean heldOut,
      Set<String> excluded) {
    List<Integer> missing =
        IntStream.range(0, replicas)
            .filter(i -> pods.stream().noneMatch(p -> PodState.index(group, p) == i))
            .boxed()
            .toList();
    Step disruption =
        disruption(group, replicas, desiredHash, pods, view, missing, heldOut, excluded);
    Set<String> held = view.previous().stream().map(Candidate::member).collect(Collectors.toSet());
    List<Integer> creatable =
        missing.stream().filter(i -> !held.contains(Names.pod(group, i))).toList();
    if (creatable.isEmpty()) {
      return disruption == null ? List.of() : List.of(disruption);
    }
    Step create = new Step.Create(creatable);
    return disruption == null ? List.of(create) : List.of(create, disruption);
  }

  private static Step disruption(
      String group,
      int replicas,
      String desiredHash,
      List<Pod> pods,
      Membership view,
      List<Integer> missing,
      boolean heldOut,
      Set<String> excluded) {
    if (!view.view().reachable()) {
      // Without the election we cannot tell the master from a standby: disrupt nothing.
      return new Step.Wait("etcd unreachable");
    }
    if (pods.stream().anyMatch(PodState::terminating)) {
      return new Step.Wait("a pod is terminating");
    }
    Optional<String> leader = view.leaderPod();
    Optional<Pod> excess =
        pods.stream()
            .filter(p -> PodState.index(group, p) < 0 || PodState.index(group, p) >= replicas)
            .max(standbysFirstThenHighestIndex(group, leader));
    if (excess.isPresent()) {
      return remove(excess.get(), "scaleDown", pods, view, leader);
    }
    if (!missing.isEmpty()) {
      return new Step.Wait("pods are being created");
    }
    List<Pod> outdated =
        pods.stream().filter(p -> !desiredHash.equals(PodState.templateHash(p))).toList();
    if (outdated.isEmpty()) {
      return null;
    }
    boolean currentReady =
        pods.stream()
            .filter(p -> desiredHash.equals(PodState.templateHash(p)))
            .allMatch(
                p ->
                    PodState.ready(p)
                        && (heldOut
                            || excluded.contains(PodState.name(p))
                            || view.isCampaigning(PodState.name(p))));
    if (!currentReady) {
      return new Step.Wait("waiting for updated pods to be Ready and campaigning");
    }
    Pod next = outdated.stream().max(standbysFirstThenHighestIndex(group, leader)).orElseThrow();
    return remove(next, "templateChanged", pods, view, leader);
  }

  private static Step remove(
      Pod pod, String reason, List<Pod> pods, Membership view, Optional<String> leader) {
    String name = PodState.name(pod);
    if (leader.filter(name::equals).isEmpty()) {
      return new Step.Delete(name, reason);
    }
    boolean standbyReady =
        pods.stream()
            .filter(p -> !PodState.name(p).equals(name))
            .anyMatch(p -> PodState.ready(p) && view.isCampaigning(PodState.name(p)));
    if (!standbyReady) {
      // A group of one (or with no healthy standby) cannot hand over; replacing it is an outage.
      return pods.size() == 1
          ? new Step.Delete(name, reason)
          : new Step.Wait("no Ready standby to hand over to");
    }
    return new Step.HandOver(name, reason);
  }

  /** Orders pods so that max() picks a standby before the master, then the highest index. */
  private static Comparator<Pod> standbysFirstThenHighestIndex(
      String group, Optional<String> leader) {
    Comparator<Pod> notMaster =
        Comparator.comparing(p -> leader.filter(PodState.name(p)::equals).isEmpty());
    return notMaster.thenComparingInt(p -> PodState.index(group, p));
  }
}
