package dev.halo.bench;

import dev.halo.agent.ElectionClient;
import dev.halo.common.ElectionKeys;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The scale bench's master crashes. A crash cuts the master's agent off from etcd (every call
 * fails, as after kill -9) and revokes its lease, as the operator does once the kubelet reports the
 * agent container dead, so the next candidate leads at once; per group, label convergence is timed
 * from the etcd watch seeing the new leader to the informer seeing it labelled master and the old
 * one not. {@link #tenPercent} crashes a tenth of the groups at once; {@link #oneOf} crashes one
 * group's master, round after round, while every other group is idle.
 */
final class ScaleCrashes {
  /** Label convergence and crash → labelled, in ms, one entry per crashed group. */
  record Outcome(List<Long> convergenceMs, List<Long> crashToLabelledMs) {}

  private final LabelTracker labels;
  private final ElectionClient etcd;
  private final Map<String, SeverableClient> clientsByMember;

  ScaleCrashes(
      LabelTracker labels, ElectionClient etcd, Map<String, SeverableClient> clientsByMember) {
    this.labels = labels;
    this.etcd = etcd;
    this.clientsByMember = clientsByMember;
  }

  /** Crashes the masters of every tenth group at once; puts the figures into {@code point}. */
  void tenPercent(int groups, Map<String, Object> point) throws Exception {
    List<String> victims = new ArrayList<>();
    for (int g = 0; g < groups; g += 10) {
      victims.add(ScaleBench.group(g));
    }
    Outcome outcome = crash(victims);
    point.put("crashedGroups", victims.size());
    point.put("labelConvergenceAfterCrash", Stats.of(outcome.convergenceMs()).asMap());
    point.put("crashToLabelledMs", Stats.of(outcome.crashToLabelledMs()).asMap());
  }

  /**
   * Crashes {@code group}'s master {@code rounds} times, one round at a time: after each, the bench
   * deletes the crashed pod (as a node's kubelet would report it gone), the operator creates it
   * again, and the next round waits until all three of its agents campaign and the label names the
   * etcd leader. Puts the figures into {@code point} under {@code oneOfN}.
   */
  void oneOf(
      String group, int rounds, KubernetesClient client, Client counter, Map<String, Object> point)
      throws Exception {
    List<Long> convergence = new ArrayList<>();
    List<Long> takeover = new ArrayList<>();
    for (int round = 0; round < rounds; round++) {
      awaitSettled(group, counter);
      String old = labels.masters(group).get(0);
      Outcome outcome = crash(List.of(group));
      convergence.addAll(outcome.convergenceMs());
      takeover.addAll(outcome.crashToLabelledMs());
      client.pods().inNamespace(ScaleBench.NAMESPACE).withName(old).delete();
    }
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("group", group);
    figures.put("rounds", rounds);
    figures.put("idleGroups", labels.groups() - 1);
    figures.put("labelConvergence", Stats.of(convergence).asMap());
    figures.put("crashToLabelledMs", Stats.of(takeover).asMap());
    point.put("oneOfN", figures);
  }

  /** Waits until the group's three agents campaign and its one labelled master leads in etcd. */
  private void awaitSettled(String group, Client counter) {
    String election = ElectionKeys.electionName(ScaleBench.NAMESPACE, group);
    ByteSequence prefix = ByteSequence.from(ElectionKeys.prefix(election), StandardCharsets.UTF_8);
    GetOption count = GetOption.builder().isPrefix(true).withCountOnly(true).build();
    BenchRig.await(
        group + " has three candidates and its leader labelled",
        Duration.ofSeconds(60),
        100,
        () -> {
          try {
            long candidates =
                counter.getKVClient().get(prefix, count).get(5, TimeUnit.SECONDS).getCount();
            String leader =
                etcd.leader(ElectionKeys.prefix(election))
                    .get(5, TimeUnit.SECONDS)
                    .leader()
                    .map(ElectionClient.Candidate::value)
                    .orElse("");
            return candidates == 3 && labels.masters(group).equals(List.of(leader));
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
  }

  /** Crashes the masters of {@code victims} at once; waits until each is labelled anew. */
  private Outcome crash(List<String> victims) throws Exception {
    Map<String, String> oldMaster = new LinkedHashMap<>();
    Map<String, Long> oldLease = new LinkedHashMap<>();
    Map<String, ElectionTimeline> timelines = new LinkedHashMap<>();
    try {
      for (String group : victims) {
        String election = ElectionKeys.electionName(ScaleBench.NAMESPACE, group);
        timelines.put(group, new ElectionTimeline(etcd, election));
        ElectionClient.Candidate leader =
            etcd.leader(ElectionKeys.prefix(election))
                .get(10, TimeUnit.SECONDS)
                .leader()
                .orElseThrow(() -> new IllegalStateException(group + " has no leader"));
        if (!List.of(leader.value()).equals(labels.masters(group))) {
          throw new IllegalStateException(
              group + ": etcd leader " + leader.value() + " but labelled " + labels.masters(group));
        }
        oldMaster.put(group, leader.value());
        oldLease.put(group, leader.leaseId());
      }
      long t0 = System.nanoTime();
      List<CompletableFuture<Void>> revocations = new ArrayList<>();
      for (String group : victims) {
        clientsByMember.get(oldMaster.get(group)).sever();
        revocations.add(etcd.revoke(oldLease.get(group)));
      }
      for (var r : revocations) {
        r.get(30, TimeUnit.SECONDS);
      }
      BenchRig.await(
          "every crashed group labelled with its new leader",
          Duration.ofSeconds(60),
          20,
          () ->
              victims.stream()
                  .allMatch(
                      g -> {
                        ElectionTimeline.Change led =
                            timelines.get(g).firstNewLeader(oldMaster.get(g), t0);
                        return led != null && labels.masters(g).equals(List.of(led.leader()));
                      }));
      List<Long> convergence = new ArrayList<>();
      List<Long> takeover = new ArrayList<>();
      for (String group : victims) {
        ElectionTimeline.Change led = timelines.get(group).firstNewLeader(oldMaster.get(group), t0);
        long labelled =
            Math.max(
                labels.becameMasterAt(led.leader()), labels.leftMasterAt(oldMaster.get(group)));
        convergence.add(Math.max(0, (labelled - led.atNanos()) / 1_000_000));
        takeover.add((labelled - t0) / 1_000_000);
      }
      return new Outcome(convergence, takeover);
    } finally {
      timelines.values().forEach(ElectionTimeline::close);
    }
  }
}
