package dev.halo.chaos;

import static dev.halo.chaos.ChaosRig.NAMESPACE;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.sandbox.AgentProcess;
import dev.halo.sandbox.Sandbox;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Injects one {@link FaultKind} into the rig, picking its target from the live state. */
final class FaultInjector {
  private final ChaosRig rig;
  private final ChaosGroups groups;
  private final Disturbances disturbances;
  private final Map<String, Integer> ttlByGroup;
  private final int maxTtl;
  private final OperatorFaults operatorFaults;
  private final PartitionFaults partitions;
  private int templateRound;
  private int unreadableRound;
  private final List<String> unreadableNotReported = new ArrayList<>();

  FaultInjector(
      ChaosRig rig,
      ChaosGroups groups,
      Disturbances disturbances,
      Map<String, Integer> ttlByGroup,
      int maxTtl) {
    this.rig = rig;
    this.groups = groups;
    this.disturbances = disturbances;
    this.ttlByGroup = ttlByGroup;
    this.maxTtl = maxTtl;
    this.operatorFaults = new OperatorFaults(rig, groups, disturbances, maxTtl);
    this.partitions = new PartitionFaults(rig, groups, disturbances);
  }

  /** The orphans of forced deletions so far, with their kill times. */
  List<PartitionFaults.Orphan> orphans() {
    return partitions.orphans();
  }

  /** The unreadable groups the operator did not report in time, as {@code name: message}. */
  List<String> unreadableNotReported() {
    return unreadableNotReported;
  }

  String inject(FaultPlan.Fault f, String group) throws Exception {
    int ttl = ttlByGroup.get(group);
    switch (f.kind()) {
      case KILL_MASTER_AGENT -> {
        String master = groups.awaitMaster(group);
        rig.kubelet.crashAgent(master);
        return "killed the agent of " + master;
      }
      case KILL_STANDBY_AGENT -> {
        String master = groups.awaitMaster(group);
        List<String> standbys =
            rig.kubelet.pods().stream()
                .filter(p -> p.startsWith(group + "-") && !p.equals(master))
                .toList();
        if (standbys.isEmpty()) {
          return "no running standby";
        }
        String victim = standbys.get((int) (f.pick() * standbys.size()));
        rig.kubelet.crashAgent(victim);
        return "killed the agent of standby " + victim;
      }
      case PAUSE_MASTER -> {
        String master = groups.awaitMaster(group);
        AgentProcess agent = (AgentProcess) rig.kubelet.agent(master);
        agent.pause();
        try {
          Thread.sleep(ttl * 1000L + 1000);
        } finally {
          agent.resume();
        }
        return "paused " + master + " for " + (ttl + 1) + " s";
      }
      case DELETE_MASTER_POD -> {
        String master = groups.awaitMaster(group);
        rig.api.client().pods().inNamespace(NAMESPACE).withName(master).delete();
        return "deleted pod " + master;
      }
      case UNHEALTHY_MASTER -> {
        String master = groups.awaitMaster(group);
        rig.kubelet.setWorkloadHealthy(master, false);
        try {
          Thread.sleep(3000);
        } finally {
          try {
            rig.kubelet.setWorkloadHealthy(master, true);
          } catch (RuntimeException e) {
            // the pod went meanwhile
          }
        }
        return master + " unhealthy for 3 s";
      }
      case KILL_ETCD_MEMBER, KILL_ETCD_LEADER -> {
        int leader = rig.etcd.leaderIndex();
        int victim =
            f.kind() == FaultKind.KILL_ETCD_LEADER
                ? leader
                : (leader + 1 + (int) (f.pick() * 2)) % 3;
        rig.etcd.kill(victim);
        Thread.sleep(2000);
        rig.etcd.restart(victim);
        return "killed etcd member "
            + victim
            + (victim == leader ? " (raft leader)" : "")
            + " for 2 s";
      }
      case STOP_ETCD_CLUSTER -> {
        Disturbances.Window w =
            disturbances.open("etcd down", Duration.ofMillis(maxTtl * 1000L + 2000));
        try {
          rig.etcd.killAll();
          Thread.sleep(maxTtl * 1000L + 1000);
          rig.etcd.restartAll();
        } finally {
          w.close();
        }
        return "etcd down for " + (maxTtl + 1) + " s";
      }
      case RESTART_OPERATOR -> {
        return operatorFaults.restart();
      }
      case RESTART_OPERATOR_DURING_HANDOVER -> {
        return operatorFaults.restartDuringHandover(group);
      }
      case PAUSE_OPERATOR -> {
        return operatorFaults.pause(f, group);
      }
      case PARTITION_OPERATOR_FROM_ETCD, PARTITION_OPERATOR_FROM_API -> {
        return operatorFaults.partition(f, group);
      }
      case API_ERRORS, API_HANG -> {
        return operatorFaults.apiFault(f.kind());
      }
      case FORCE_DELETE_MASTER_POD -> {
        return partitions.forceDeleteMaster(group, ttl);
      }
      case PARTITION_MASTER_FROM_ETCD, PARTITION_STANDBY_FROM_ETCD -> {
        return partitions.partitionAgent(f, group, ttl);
      }
      case ROLLING_UPDATE -> {
        int round = ++templateRound;
        groups.editGroup(
            group,
            g ->
                g.getSpec()
                    .getTemplate()
                    .getMetadata()
                    .getAnnotations()
                    .put("chaos.halo.dev/round", Integer.toString(round)));
        return "template changed (round " + round + ")";
      }
      case SCALE -> {
        int to = groups.replicas(group) == 3 ? 4 : 3;
        groups.scale(group, to);
        return "scaled to " + to;
      }
      case UNREADABLE_GROUP -> {
        return unreadableGroup(group);
      }
      default -> throw new IllegalStateException("unknown fault " + f.kind());
    }
  }

  /**
   * Stores a copy of {@code group} whose spec.zones is a string, waits until the operator reports
   * it ({@code Valid=False}), then deletes it. Not reported within 15 s is a violation; an operator
   * that stopped over it would also leave the campaign's groups unserved, which the checker sees.
   */
  @SuppressWarnings("unchecked")
  private String unreadableGroup(String group) {
    String name = "unreadable-" + (++unreadableRound);
    GenericKubernetesResource g =
        Serialization.unmarshal(
            Serialization.asJson(Sandbox.exampleGroup(name, NAMESPACE)),
            GenericKubernetesResource.class);
    ((Map<String, Object>) g.getAdditionalProperties().get("spec")).put("zones", "a,b,c");
    var stored =
        rig.api
            .client()
            .genericKubernetesResources(
                HighAvailabilityGroup.GROUP + "/" + HighAvailabilityGroup.VERSION,
                "HighAvailabilityGroup")
            .inNamespace(NAMESPACE)
            .withName(name);
    rig.api.client().resource(g).create();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    String reported = null;
    while (reported == null && System.nanoTime() < deadline) {
      reported = groups.invalidMessage(name);
      if (reported == null) {
        ChaosGroups.sleep(200);
      }
    }
    stored.delete();
    if (reported == null || !reported.contains("spec.zones")) {
      unreadableNotReported.add(name + ": " + reported);
      return name + " stored with zones \"a,b,c\"; NOT reported within 15 s";
    }
    return name + " stored with zones \"a,b,c\", reported invalid, deleted";
  }
}
