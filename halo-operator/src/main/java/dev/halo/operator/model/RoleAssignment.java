package dev.halo.operator.model;

import dev.halo.common.Labels;
import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.Fence;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Which role label each pod of a group must carry, derived only from the etcd election: the
 * leader's pod is master (unless a fence holds it back, docs/fencing.md), every other pod standby.
 * Applied demotions first, promotion last.
 *
 * @param master the pod to label master, if the leader is a live pod of the group
 * @param demote pods labelled master that must become standby first
 * @param promote the master pod, when it is not labelled master yet
 * @param standby other pods whose role label is missing or wrong
 * @param foreignLeader the leader when its key is no pod's of this group ({@link Membership}): then
 *     nobody is master until it goes
 */
public record RoleAssignment(
    Optional<String> master,
    List<String> demote,
    Optional<String> promote,
    List<String> standby,
    Optional<Candidate> foreignLeader) {

  /** Plans the labels for {@code pods} (the group's pods) from a reachable election. */
  public static RoleAssignment plan(List<Pod> pods, Membership membership) {
    Map<String, Pod> byName =
        pods.stream().collect(Collectors.toMap(PodState::name, Function.identity(), (a, b) -> a));
    // A leader whose pod failed or whose agent is down is about to be revoked: label nobody rather
    // than a dead pod. A leader whose pod is being deleted keeps its label while it drains (its
    // preStop hook hands over and waits for the successor's label), so the traffic moves in one
    // step when the election does, as in a planned switchover. A leader that waits for a fence is
    // not master yet: its agent answers standby until it goes.
    Optional<String> master =
        membership
            .leaderPod()
            .filter(byName::containsKey)
            .filter(
                m -> !PodState.failed(byName.get(m)) && !PodState.agentTerminated(byName.get(m)))
            .filter(m -> fenced(membership).isEmpty());
    List<String> demote =
        pods.stream()
            .filter(PodState::labelledMaster)
            .map(PodState::name)
            .filter(n -> master.map(m -> !m.equals(n)).orElse(true))
            .sorted()
            .toList();
    Optional<String> promote = master.filter(m -> !PodState.labelledMaster(byName.get(m)));
    List<String> standby =
        pods.stream()
            .filter(p -> !PodState.labelledMaster(p))
            .filter(p -> !Labels.ROLE_STANDBY.equals(PodState.role(p)))
            .map(PodState::name)
            .filter(n -> master.map(m -> !m.equals(n)).orElse(true))
            .sorted()
            .toList();
    return new RoleAssignment(master, demote, promote, standby, membership.foreignLeader());
  }

  /** The fence that keeps the election's leader from being master, if one does. */
  public static Optional<Fence> fenced(Membership membership) {
    return membership.leader().flatMap(l -> membership.view().fenceHoldingBack(l));
  }

  /**
   * The pod the operator itself last left labelled master, when this plan would neither keep it
   * master nor demote it: the pods the plan was made from do not show its label (a pod watch that
   * stalled hides the operator's own writes), so it must be demoted before anyone is promoted.
   */
  public Optional<String> unseenMaster(Optional<String> lastLabelledMaster) {
    return lastLabelledMaster
        .filter(p -> !master.map(p::equals).orElse(false))
        .filter(p -> !demote.contains(p));
  }

  public boolean changesLabels() {
    return !demote.isEmpty() || promote.isPresent() || !standby.isEmpty();
  }
}
