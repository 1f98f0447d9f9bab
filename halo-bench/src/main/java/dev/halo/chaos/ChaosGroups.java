package dev.halo.chaos;

import static dev.halo.chaos.ChaosRig.NAMESPACE;

import dev.halo.agent.ElectionClient;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.ElectionKeys;
import dev.halo.common.Labels;
import dev.halo.sandbox.Sandbox;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The campaign's groups: creating and editing them, and waiting until they have a master or are
 * whole.
 */
final class ChaosGroups {
  private final ChaosRig rig;
  private final Map<String, Integer> replicas = new LinkedHashMap<>();

  ChaosGroups(ChaosRig rig) {
    this.rig = rig;
  }

  int replicas(String group) {
    return replicas.get(group);
  }

  void scale(String group, int to) {
    editGroup(group, g -> g.getSpec().setReplicas(to));
    replicas.put(group, to);
  }

  void editGroup(String group, Consumer<HighAvailabilityGroup> change) {
    RuntimeException last = null;
    for (int attempt = 0; attempt < 20; attempt++) {
      try {
        stored(group)
            .edit(
                g -> {
                  change.accept(g);
                  return g;
                });
        return;
      } catch (RuntimeException e) {
        last = e;
        sleep(100);
      }
    }
    throw last;
  }

  /** The group's master once etcd, the label and the kubelet agree (up to 20 s), else etcd's. */
  String awaitMaster(String group) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    String leader = "";
    while (System.nanoTime() < deadline) {
      leader = leader(group);
      if (!leader.isEmpty()
          && rig.kubelet.pods().contains(leader)
          && labelledMasters(group).equals(List.of(leader))) {
        return leader;
      }
      sleep(50);
    }
    if (leader.isEmpty() || !rig.kubelet.pods().contains(leader)) {
      throw new IllegalStateException("group " + group + " has no running master to hit");
    }
    return leader;
  }

  /**
   * Waits (up to {@code timeout}) until an agent of the group other than {@code master} runs and
   * campaigns, so that it could take over at once; returns whether one did.
   */
  boolean awaitCampaigningStandby(String group, String master, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (String pod : rig.kubelet.pods()) {
        if (pod.startsWith(group + "-") && !pod.equals(master) && campaigning(pod)) {
          return true;
        }
      }
      sleep(100);
    }
    return false;
  }

  private boolean campaigning(String pod) {
    try {
      return "campaigning".equals(rig.kubelet.agent(pod).status().orElse(Map.of()).get("phase"));
    } catch (RuntimeException e) {
      return false; // stopped meanwhile
    }
  }

  String leader(String group) {
    try {
      return rig.electionClient
          .leader(ElectionKeys.prefix(ElectionKeys.electionName(NAMESPACE, group)))
          .get(1, TimeUnit.SECONDS)
          .leader()
          .map(ElectionClient.Candidate::value)
          .orElse("");
    } catch (Exception e) {
      return "";
    }
  }

  private List<String> labelledMasters(String group) {
    return rig
        .api
        .client()
        .pods()
        .inNamespace(NAMESPACE)
        .withLabel(Labels.GROUP, group)
        .withLabel(Labels.ROLE, Labels.ROLE_MASTER)
        .list()
        .getItems()
        .stream()
        .map(p -> p.getMetadata().getName())
        .sorted()
        .toList();
  }

  /**
   * Waits until the group has its replicas, all Running with a running agent, and one agreed
   * master.
   */
  void awaitWhole(String group, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String state = "";
    while (System.nanoTime() < deadline) {
      try {
        HighAvailabilityGroup hag = stored(group).get();
        List<Pod> pods =
            rig.api
                .client()
                .pods()
                .inNamespace(NAMESPACE)
                .withLabel(Labels.GROUP, group)
                .list()
                .getItems();
        Set<String> running = rig.kubelet.pods();
        String leader = leader(group);
        long up =
            pods.stream()
                .filter(
                    p ->
                        running.contains(p.getMetadata().getName())
                            && p.getMetadata().getDeletionTimestamp() == null)
                .count();
        state =
            "pods "
                + pods.size()
                + "/"
                + hag.getSpec().getReplicas()
                + ", running "
                + up
                + ", leader '"
                + leader
                + "', labelled "
                + labelledMasters(group);
        if (pods.size() == hag.getSpec().getReplicas()
            && up == pods.size()
            && !leader.isEmpty()
            && labelledMasters(group).equals(List.of(leader))
            && rig.proxy.endpoints(group).equals(List.of(leader))) {
          return;
        }
      } catch (RuntimeException e) {
        state = e.toString();
      }
      sleep(200);
    }
    throw new IllegalStateException(
        "group " + group + " not whole after " + timeout.toSeconds() + " s: " + state);
  }

  void create(String name, int ttl) {
    HighAvailabilityGroup hag = Sandbox.exampleGroup(name, NAMESPACE);
    hag.getSpec().getElection().setLeaseTTLSeconds(ttl);
    if (hag.getSpec().getTemplate().getMetadata() == null) {
      hag.getSpec().getTemplate().setMetadata(new ObjectMeta());
    }
    if (hag.getSpec().getTemplate().getMetadata().getAnnotations() == null) {
      hag.getSpec().getTemplate().getMetadata().setAnnotations(new LinkedHashMap<>());
    }
    rig.api.client().resource(hag).create();
    replicas.put(name, 3);
  }

  /** The Valid=False message of a group, or null while it has none. */
  String invalidMessage(String name) {
    try {
      HighAvailabilityGroup hag = stored(name).get();
      if (hag == null || hag.getStatus() == null || hag.getStatus().getConditions() == null) {
        return null;
      }
      return hag.getStatus().getConditions().stream()
          .filter(c -> "Valid".equals(c.getType()) && "False".equals(c.getStatus()))
          .map(c -> c.getMessage())
          .findFirst()
          .orElse(null);
    } catch (RuntimeException e) {
      return null;
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private Resource<HighAvailabilityGroup> stored(String name) {
    return rig.api
        .client()
        .resources(HighAvailabilityGroup.class)
        .inNamespace(NAMESPACE)
        .withName(name);
  }
}
