package dev.halo.operator.model;

import dev.halo.common.Labels;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.NodeAffinity;
import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.PodSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Pins a pod to a zone with required node affinity, keeping the template's own affinity. */
final class ZoneAffinity {
  private ZoneAffinity() {}

  static void pin(PodSpec spec, String zone) {
    Affinity affinity = Optional.ofNullable(spec.getAffinity()).orElseGet(Affinity::new);
    NodeAffinity node =
        Optional.ofNullable(affinity.getNodeAffinity()).orElseGet(NodeAffinity::new);
    node.setRequiredDuringSchedulingIgnoredDuringExecution(
        withZone(node.getRequiredDuringSchedulingIgnoredDuringExecution(), zone));
    affinity.setNodeAffinity(node);
    spec.setAffinity(affinity);
  }

  private static NodeSelector withZone(NodeSelector required, String zone) {
    List<NodeSelectorTerm> terms =
        required == null || required.getNodeSelectorTerms() == null
            ? List.of()
            : required.getNodeSelectorTerms();
    List<NodeSelectorTerm> pinned = new ArrayList<>();
    // Terms are ORed, so the zone must be ANDed into each of them.
    for (NodeSelectorTerm term : terms) {
      pinned.add(withZone(term, zone));
    }
    if (pinned.isEmpty()) {
      pinned.add(withZone(new NodeSelectorTerm(), zone));
    }
    return new NodeSelector(pinned);
  }

  private static NodeSelectorTerm withZone(NodeSelectorTerm term, String zone) {
    List<NodeSelectorRequirement> expressions = new ArrayList<>();
    Optional.ofNullable(term.getMatchExpressions()).ifPresent(expressions::addAll);
    expressions.add(
        new NodeSelectorRequirementBuilder()
            .withKey(Labels.TOPOLOGY_ZONE)
            .withOperator("In")
            .withValues(zone)
            .build());
    return new NodeSelectorTerm(expressions, term.getMatchFields());
  }
}
