package dev.halo.chaos;

import static dev.halo.chaos.ChaosRig.NAMESPACE;

import dev.halo.common.Labels;
import dev.halo.sandbox.OrphanedPod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The faults that cut one agent off from etcd (through its pod's proxies, while it keeps serving
 * its workload), and the forced deletion of a master's pod whose agent runs on, cut off, as on a
 * node that lost its kubelet. The orphans' kill times are kept for the report: an agent killed with
 * SIGKILL writes nothing more, so its last role interval ends there.
 */
final class PartitionFaults {
  // How long an orphan outlives its lease: its own deadline passed, whatever it still believes.
  private static final Duration ORPHAN_EXTRA = Duration.ofSeconds(3);
  private static final Duration FENCE_GRACE = Duration.ofSeconds(2);
  private static final long POLL_MS = 20;
  private static final Duration STANDBY_WAIT = Duration.ofSeconds(20);

  private final ChaosRig rig;
  private final ChaosGroups groups;
  private final Disturbances disturbances;
  private final List<Orphan> orphans = new ArrayList<>();

  /** An orphan's pod, pid, and when it was cut off and killed (System.nanoTime()). */
  record Orphan(String pod, String uid, long pid, long cutAtNanos, long killedAtNanos) {
    Map<String, Object> asMap(long campaignStartNanos) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("pod", pod);
      m.put("uid", uid);
      m.put("pid", pid);
      m.put("cutAtMs", (cutAtNanos - campaignStartNanos) / 1_000_000);
      m.put("killedAtMs", (killedAtNanos - campaignStartNanos) / 1_000_000);
      m.put("killedAtNanos", killedAtNanos);
      return m;
    }
  }

  PartitionFaults(ChaosRig rig, ChaosGroups groups, Disturbances disturbances) {
    this.rig = rig;
    this.groups = groups;
    this.disturbances = disturbances;
  }

  /** Every orphan so far, killed. */
  synchronized List<Orphan> orphans() {
    return List.copyOf(orphans);
  }

  /**
   * Cuts the master's (or a standby's) agent off from etcd for TTL + 1 s, then heals. The master
   * must demote itself at its own deadline, before its lease runs out on the server and a standby
   * is elected; a standby loses its lease and campaigns again once healed. Nothing is excused: no
   * group is left without a master longer than a failover takes.
   */
  String partitionAgent(FaultPlan.Fault f, String group, int ttl) throws InterruptedException {
    String master = groups.awaitMaster(group);
    String victim = master;
    if (f.kind() == FaultKind.PARTITION_STANDBY_FROM_ETCD) {
      List<String> standbys =
          rig.kubelet.pods().stream()
              .filter(p -> p.startsWith(group + "-") && !p.equals(master))
              .toList();
      if (standbys.isEmpty()) {
        return "no running standby";
      }
      victim = standbys.get((int) (f.pick() * standbys.size()));
    }
    rig.kubelet.cutEtcd(victim);
    try {
      Thread.sleep(ttl * 1000L + 1000);
    } finally {
      try {
        rig.kubelet.healEtcd(victim);
      } catch (RuntimeException e) {
        // the pod went meanwhile (a rollout replaced it), and its proxies with it
      }
    }
    return (victim.equals(master) ? "master " : "standby ")
        + victim
        + " cut from etcd for "
        + (ttl + 1)
        + " s";
  }

  /**
   * Once another agent of the group campaigns (up to 20 s, so that one could take over at once),
   * cuts the master's agent off from etcd, lets the kubelet go of its pod (the agent and workload
   * run on) and deletes the pod object with grace period 0, as {@code kubectl delete pod --force
   * --grace-period=0} on a node that lost contact. The orphan is killed TTL + 3 s later. Meanwhile
   * the orphan's and the group's agents' {@code /role} are polled every 20 ms to measure how long
   * the orphan still answered master and how long another agent did so beside it (the checker's
   * samples and DUAL_ROLE see the same). The group may legitimately have no master until the
   * orphan's deadline (TTL after the cut): that window is excused, plus 2 s.
   */
  String forceDeleteMaster(String group, int ttl) throws InterruptedException {
    // A standby that could take over at once: without one there is nobody to overlap with.
    boolean standby =
        groups.awaitCampaigningStandby(group, groups.awaitMaster(group), STANDBY_WAIT);
    String master = groups.awaitMaster(group);
    long cutAt = System.nanoTime();
    rig.kubelet.cutEtcd(master);
    OrphanedPod orphan = rig.kubelet.orphan(master, Duration.ofSeconds(ttl).plus(ORPHAN_EXTRA));
    Disturbances.Window fenced =
        disturbances.open("forced deletion of " + master + " until its deadline", FENCE_GRACE);
    Overlap overlap = new Overlap();
    try {
      rig.api.client().pods().inNamespace(NAMESPACE).withName(master).withGracePeriod(0).delete();
      while (!orphan.killedAtNanos().isDone()) {
        if (System.nanoTime() - cutAt >= TimeUnit.SECONDS.toNanos(ttl)) {
          fenced.close();
        }
        overlap.sample(orphan, group);
        Thread.sleep(POLL_MS);
      }
    } finally {
      fenced.close();
    }
    long killedAt = orphan.killedAtNanos().join();
    record(orphan, cutAt, killedAt);
    return "force-deleted "
        + master
        + " (pid "
        + orphan.pid()
        + ", cut from etcd) and killed it "
        + (killedAt - cutAt) / 1_000_000
        + " ms later; it answered master for "
        + overlap.orphanMasterMs
        + " ms after its deletion, another agent answered master beside it for "
        + overlap.dualMs
        + " ms"
        + (overlap.dualMs > 0 ? " (" + overlap.beside + ")" : "")
        + (standby ? "" : "; no standby was campaigning when it began");
  }

  private synchronized void record(OrphanedPod orphan, long cutAt, long killedAt) {
    orphans.add(new Orphan(orphan.name(), orphan.uid(), orphan.pid(), cutAt, killedAt));
  }

  /** What the 20 ms polls saw: the orphan as master, and another agent as master beside it. */
  private final class Overlap {
    long orphanMasterMs;
    long dualMs;
    String beside = "";
    private long last = System.nanoTime();

    void sample(OrphanedPod orphan, String group) {
      boolean orphanMaster = Labels.ROLE_MASTER.equals(orphan.agent().role());
      List<String> others = new ArrayList<>();
      for (String pod : rig.kubelet.pods()) {
        if (pod.startsWith(group + "-")) {
          try {
            if (Labels.ROLE_MASTER.equals(rig.kubelet.agent(pod).role())) {
              others.add(pod);
            }
          } catch (IllegalStateException e) {
            // stopped meanwhile
          }
        }
      }
      long now = System.nanoTime();
      long ms = (now - last) / 1_000_000;
      last = now;
      if (orphanMaster) {
        orphanMasterMs += ms;
        if (!others.isEmpty()) {
          dualMs += ms;
          beside = String.join(", ", others);
        }
      }
    }
  }
}
