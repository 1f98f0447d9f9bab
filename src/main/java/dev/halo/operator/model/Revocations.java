package dev.halo.operator.model;

import dev.halo.common.Names;
import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.ElectionView;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Which leases the operator revokes so that a standby takes over without waiting for the TTL: those
 * of pods that are deleted, being deleted, failed, or whose agent container terminated, and stale
 * keys left by an earlier agent of a pod whose agent restarted. A pod that is running keeps its
 * current (newest) lease: that one is never revoked.
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

  public static List<Revocation> plan(String group, List<Pod> pods, ElectionView view) {
    Map<String, Pod> byName =
        pods.stream().collect(Collectors.toMap(PodState::name, Function.identity()));
    Map<String, List<Candidate>> byMember =
        view.candidates().stream().collect(Collectors.groupingBy(Candidate::member));
    long leaderLease = view.leader().map(Candidate::leaseId).orElse(0L);
    List<Revocation> out = new ArrayList<>();
    byMember.forEach(
        (member, keys) -> {
          Pod pod = byName.get(member);
          if (pod == null) {
            // Only names of this group's pods: a foreign value is reported, never revoked.
            if (Names.podIndex(group, member) >= 0) {
              // Gone from the API: the kubelet has stopped its containers (but see --force below).
              keys.forEach(c -> out.add(new Revocation(c.leaseId(), member, "podDeleted")));
            }
          } else if (PodState.gone(pod)) {
            String reason = PodState.goneReason(pod);
            boolean agentMayRun = !PodState.failed(pod) && !PodState.agentTerminated(pod);
            keys.forEach(
                c ->
                    out.add(
                        new Revocation(
                            c.leaseId(),
                            member,
                            reason,
                            agentMayRun && c.leaseId() == leaderLease)));
          } else {
            keys.stream()
                .sorted(Comparator.comparingLong(Candidate::createRevision).reversed())
                .skip(1)
                .forEach(c -> out.add(new Revocation(c.leaseId(), member, "staleKey")));
          }
        });
    return out;
  }
}
