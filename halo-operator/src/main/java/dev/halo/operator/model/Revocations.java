package dev.halo.operator.model;

import dev.halo.operator.election.Candidate;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Which leases the operator revokes so that a standby takes over without waiting for the TTL: those
 * of pods that are deleted, being deleted, failed, or whose agent container terminated, and stale
 * keys left by an earlier agent of a pod whose agent restarted. A pod that is running keeps its
 * current (newest) lease: that one is never revoked. Only the group's own keys ({@link Membership})
 * are ever revoked; a key that merely carries a pod's name is foreign and left alone.
 *
 * <p>The leader's lease of a pod that is being deleted while its agent may still run is never
 * revoked from outside: its agent is asked to step down ({@link
 * dev.halo.common.ElectionKeys#stepDownKey}) instead. Revoked from outside, an agent that cannot
 * see etcd's watch at that moment would answer master until its deadline while the next candidate
 * is already elected. A pod gone from the API has had its containers stopped by the kubelet, so its
 * leases are revoked at once; {@code kubectl delete --force} breaks that promise (the containers
 * may still run for a moment), as it does for every controller.
 */
public final class Revocations {
  private Revocations() {}

  /**
   * A lease to revoke and why; {@code stepDownFirst}: ask its agent to step down instead, and leave
   * the lease to it or to its TTL.
   */
  public record Revocation(long leaseId, String member, String reason, boolean stepDownFirst) {
    public Revocation(long leaseId, String member, String reason) {
      this(leaseId, member, reason, false);
    }
  }

  /** The revocations that {@code membership} calls for, given the group's {@code pods}. */
  public static List<Revocation> plan(List<Pod> pods, Membership membership) {
    Map<String, Pod> byName =
        pods.stream().collect(Collectors.toMap(PodState::name, Function.identity(), (a, b) -> a));
    long leaderLease = membership.leader().map(Candidate::leaseId).orElse(0L);
    List<Revocation> out = new ArrayList<>();
    // The group's keys whose pod is gone from the API (or replaced by a new pod of that name):
    // the kubelet has stopped that pod's containers (but see --force above).
    membership
        .previous()
        .forEach(c -> out.add(new Revocation(c.leaseId(), c.member(), "podDeleted")));
    for (String member : membership.campaigningPods()) {
      List<Candidate> keys = membership.keysOf(member);
      Pod pod = byName.get(member);
      if (PodState.gone(pod)) {
        String reason = PodState.goneReason(pod);
        boolean agentMayRun = !PodState.failed(pod) && !PodState.agentTerminated(pod);
        keys.forEach(
            c ->
                out.add(
                    new Revocation(
                        c.leaseId(), member, reason, agentMayRun && c.leaseId() == leaderLease)));
      } else {
        Membership.newestFirst(keys).stream()
            .skip(1)
            .forEach(c -> out.add(new Revocation(c.leaseId(), member, "staleKey")));
      }
    }
    // Foreign keys are never revoked: the operator cannot prove whose they are.
    return out;
  }
}
