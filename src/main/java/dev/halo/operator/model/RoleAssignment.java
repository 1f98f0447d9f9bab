package dev.halo.operator.model;

import dev.halo.common.Labels;
import dev.halo.common.Names;
import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.ElectionView;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Which role label each pod of a group must carry, derived only from the etcd election: the
 * leader's pod is master, every other pod standby. Applied demotions first, promotion last.
 *
 * @param master the pod to label master, if the leader is a live pod of the group
 * @param demote pods labelled master that must become standby first
 * @param promote the master pod, when it is not labelled master yet
 * @param standby other pods whose role label is missing or wrong
 * @param unknownLeader the leader's value when it names no pod of this group
 */
public record RoleAssignment(
    Optional<String> master,
    List<String> demote,
    Optional<String> promote,
    List<String> standby,
    Optional<String> unknownLeader) {

  /** Plans the labels for {@code pods} (the group's pods) from a reachable election view. */
  public static RoleAssignment plan(String group, List<Pod> pods, ElectionView view) {
    Map<String, Pod> byName =
        pods.stream().collect(Collectors.toMap(PodState::name, Function.identity()));
    Optional<Candidate> leader = view.leader();
    Optional<String> unknown =
        leader
            .map(Candidate::member)
            .filter(m -> !byName.containsKey(m) && Names.podIndex(group, m) < 0);
    // A leader whose pod is gone is about to be revoked: label nobody rather than a dying pod.
    Optional<String> master =
        leader
            .map(Candidate::member)
            .filter(byName::containsKey)
            .filter(m -> !PodState.gone(byName.get(m)));
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
    return new RoleAssignment(master, demote, promote, standby, unknown);
  }

  public boolean changesLabels() {
    return !demote.isEmpty() || promote.isPresent() || !standby.isEmpty();
  }
}
