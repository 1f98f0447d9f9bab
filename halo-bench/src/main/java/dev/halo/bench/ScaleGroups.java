package dev.halo.bench;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.Labels;
import dev.halo.operator.status.StatusFactory;
import dev.halo.sandbox.LocalKubelet;
import dev.halo.sandbox.Sandbox;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The scale bench's groups: their template, and which of them are Running (and why not). */
final class ScaleGroups {
  private ScaleGroups() {}

  static long runningGroups(KubernetesClient client) {
    return groups(client).stream().filter(ScaleGroups::running).count();
  }

  private static List<HighAvailabilityGroup> groups(KubernetesClient client) {
    return client
        .resources(HighAvailabilityGroup.class)
        .inNamespace(ScaleBench.NAMESPACE)
        .list()
        .getItems();
  }

  /** Running with all 3 pods Ready, as the group's status says. */
  private static boolean running(HighAvailabilityGroup h) {
    return h.getStatus() != null
        && StatusFactory.RUNNING.equals(h.getStatus().getPhase())
        && Integer.valueOf(3).equals(h.getStatus().getReadyReplicas());
  }

  /**
   * Up to five groups that are not Running, with what their status says and what the kubelet knows
   * of their pods (for a post-mortem when a size does not get there).
   */
  static List<Map<String, Object>> notRunning(KubernetesClient client, LocalKubelet kubelet) {
    Map<String, LocalKubelet.PodView> pods = new HashMap<>();
    kubelet.view().forEach(v -> pods.put(v.name(), v));
    List<HighAvailabilityGroup> listed = groups(client);
    return listed.stream()
        .filter(h -> !running(h))
        .limit(5)
        .map(
            h -> {
              Map<String, Object> m = new LinkedHashMap<>();
              String name = h.getMetadata().getName();
              m.put("group", name);
              m.put("listedResourceVersion", h.getMetadata().getResourceVersion());
              m.put(
                  "listedTimes",
                  listed.stream().filter(g -> g.getMetadata().getName().equals(name)).count());
              HighAvailabilityGroup read =
                  client
                      .resources(HighAvailabilityGroup.class)
                      .inNamespace(ScaleBench.NAMESPACE)
                      .withName(name)
                      .get();
              m.put(
                  "readByName",
                  read == null
                      ? null
                      : read.getMetadata().getResourceVersion()
                          + (read.getStatus() == null
                              ? " without status"
                              : " with status " + read.getStatus().getPhase()));
              m.put("status", h.getStatus() == null ? null : Serialization.asJson(h.getStatus()));
              m.put(
                  "pods",
                  client
                      .pods()
                      .inNamespace(ScaleBench.NAMESPACE)
                      .withLabel(Labels.GROUP, h.getMetadata().getName())
                      .list()
                      .getItems()
                      .stream()
                      .map(
                          p ->
                              p.getMetadata().getName()
                                  + " phase="
                                  + p.getStatus().getPhase()
                                  + " conditions="
                                  + p.getStatus().getConditions().stream()
                                      .map(c -> c.getType() + "=" + c.getStatus())
                                      .toList()
                                  + " kubelet="
                                  + pods.get(p.getMetadata().getName()))
                      .toList());
              return m;
            })
        .toList();
  }

  static HighAvailabilityGroup template() throws Exception {
    HighAvailabilityGroup hag = Sandbox.exampleGroup("template", ScaleBench.NAMESPACE);
    hag.getSpec().setHealth(null);
    hag.getSpec().getElection().setLeaseTTLSeconds(ScaleBench.TTL_SECONDS);
    return hag;
  }
}
