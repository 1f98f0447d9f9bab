package dev.halo.operator.model;

import dev.halo.common.FenceValue;
import dev.halo.common.MemberIdentity;
import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.KeyRemoval;
import dev.halo.operator.election.RemovalPath;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Which keys the operator removes so that a standby takes over without waiting for the TTL: those
 * of pods that are deleted, being deleted, failed, or whose agent container terminated, and stale
 * keys left by an earlier agent of a pod whose agent restarted. A pod that is running keeps its
 * current (newest) key: that one is never removed. Only the group's own keys ({@link Membership})
 * are ever removed; a key that merely carries a pod's name is foreign and left alone.
 *
 * <p>Each removal takes the path {@link RemovalChoice} gives it. The leader's key of a pod that is
 * being deleted while its agent may still run is not removed from outside at all: its agent is
 * asked to step down ({@link dev.halo.common.ElectionKeys#stepDownKey}) and removes it itself,
 * after it demoted. A pod gone from the API may still run its agent ({@code kubectl delete
 * --force}, a node cut off from the API server): its keys are removed as never-leader or fenced, so
 * the next master waits for that agent's deadline whenever it may have been master.
 */
public final class Revocations {
  /** The reason of the removals of a deleted group's keys. */
  public static final String GROUP_DELETED = "groupDeleted";

  private Revocations() {}

  /**
   * A key to remove, why and how.
   *
   * @param key the key (with the create revision its removal is conditioned on)
   * @param reason why, e.g. {@code podDeleted}
   * @param path how ({@link RemovalPath#STEP_DOWN}: ask its agent, and leave the key to it or to
   *     its TTL)
   * @param witness for {@link RemovalPath#NEVER_LEADER}, the older key that proves it never led
   */
  public record Revocation(
      Candidate key, String reason, RemovalPath path, Optional<Candidate> witness) {
    public long leaseId() {
      return key.leaseId();
    }

    public String member() {
      return key.member();
    }

    public boolean stepDownFirst() {
      return path == RemovalPath.STEP_DOWN;
    }

    /** What etcd is asked to do, with the fence it would put. */
    public KeyRemoval removal() {
      MemberIdentity id = key.identity().orElse(new MemberIdentity(key.member(), "", ""));
      FenceValue fence =
          new FenceValue(
              key.leaseId(),
              key.createRevision(),
              key.member(),
              id.podUid(),
              id.groupUid(),
              reason,
              0,
              path.label(),
              FenceValue.REVOKING);
      return new KeyRemoval(key, path, witness, fence);
    }
  }

  /** The removals that {@code membership} calls for, given the group's {@code pods}. */
  public static List<Revocation> plan(List<Pod> pods, Membership membership) {
    Map<String, Pod> byName =
        pods.stream().collect(Collectors.toMap(PodState::name, Function.identity(), (a, b) -> a));
    Optional<Candidate> leader = membership.leader();
    List<Revocation> out = new ArrayList<>();
    // The group's keys whose pod is gone from the API (or replaced by a new pod of that name):
    // normally the kubelet stopped its containers, but a forced deletion does not wait for that.
    membership.previous().forEach(c -> out.add(removal(c, "podDeleted", false, leader)));
    for (String member : membership.campaigningPods()) {
      List<Candidate> keys = membership.keysOf(member);
      Pod pod = byName.get(member);
      if (PodState.gone(pod)) {
        String reason = PodState.goneReason(pod);
        boolean dead = PodState.failed(pod) || PodState.agentTerminated(pod);
        for (Candidate c : keys) {
          boolean leads = leader.filter(l -> l.key().equals(c.key())).isPresent();
          out.add(
              leads && !dead
                  ? new Revocation(c, reason, RemovalPath.STEP_DOWN, Optional.empty())
                  : removal(c, reason, dead, leader));
        }
      } else {
        // Left by an earlier agent of this pod, whose container has restarted since.
        Membership.newestFirst(keys).stream()
            .skip(1)
            .forEach(c -> out.add(removal(c, "staleKey", true, leader)));
      }
    }
    // Foreign keys are never removed: the operator cannot prove whose they are.
    return out;
  }

  /** The removals of a deleted group's own keys, current and left behind; foreign ones stay. */
  public static List<Revocation> groupDeleted(Membership membership) {
    Optional<Candidate> leader = membership.leader();
    List<Revocation> out = new ArrayList<>();
    membership.previous().forEach(c -> out.add(removal(c, GROUP_DELETED, false, leader)));
    membership.campaigningPods().stream()
        .flatMap(p -> membership.keysOf(p).stream())
        .forEach(c -> out.add(removal(c, GROUP_DELETED, false, leader)));
    return out;
  }

  private static Revocation removal(
      Candidate c, String reason, boolean certainDeath, Optional<Candidate> leader) {
    RemovalPath path = RemovalChoice.of(c, certainDeath, leader);
    Optional<Candidate> witness =
        path == RemovalPath.NEVER_LEADER ? RemovalChoice.witness(c, leader) : Optional.empty();
    return new Revocation(c, reason, path, witness);
  }
}
