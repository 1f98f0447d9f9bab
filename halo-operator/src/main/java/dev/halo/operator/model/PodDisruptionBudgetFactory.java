package dev.halo.operator.model;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.Labels;
import dev.halo.common.Names;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.util.TreeMap;

/**
 * Builds the PodDisruptionBudget that lets voluntary disruptions take one pod of a group at a time.
 */
public final class PodDisruptionBudgetFactory {
  private PodDisruptionBudgetFactory() {}

  /** maxUnavailable 1 over all pods of the group. */
  public static PodDisruptionBudget pdb(HighAvailabilityGroup hag) {
    String group = GroupMeta.group(hag);
    return new PodDisruptionBudgetBuilder()
        .withMetadata(GroupMeta.owned(hag, Names.podDisruptionBudget(group)))
        .withNewSpec()
        .withMaxUnavailable(new IntOrString(1))
        .withNewSelector()
        .withMatchLabels(new TreeMap<>(Labels.groupSelector(group)))
        .endSelector()
        .endSpec()
        .build();
  }
}
