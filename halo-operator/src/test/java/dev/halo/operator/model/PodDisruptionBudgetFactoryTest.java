package dev.halo.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.api.v1alpha1.Crd;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.Labels;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceSubresourceScale;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PodDisruptionBudgetFactoryTest {
  private final PodDisruptionBudget pdb =
      PodDisruptionBudgetFactory.pdb(TestGroups.valid("shop", "web"));

  @Test
  void letsOnePodOfTheGroupBeDisruptedAtATime() {
    assertThat(pdb.getApiVersion()).isEqualTo("policy/v1");
    assertThat(pdb.getSpec().getMaxUnavailable()).isEqualTo(new IntOrString(1));
    assertThat(pdb.getSpec().getMinAvailable()).isNull();
    assertThat(pdb.getSpec().getSelector().getMatchLabels())
        .containsExactlyInAnyOrderEntriesOf(Labels.groupSelector("web"));
  }

  @Test
  void isNamedLabelledAndControlledByTheGroup() {
    assertThat(pdb.getMetadata().getName()).isEqualTo("web");
    assertThat(pdb.getMetadata().getNamespace()).isEqualTo("shop");
    assertThat(pdb.getMetadata().getLabels())
        .containsEntry(Labels.GROUP, "web")
        .containsEntry(Labels.APP_MANAGED_BY, "halo");
    assertThat(pdb.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            owner -> {
              assertThat(owner.getName()).isEqualTo("web");
              assertThat(owner.getController()).isTrue();
              assertThat(owner.getBlockOwnerDeletion()).isTrue();
            });
  }

  @ParameterizedTest(name = "replicas {0}")
  @ValueSource(ints = {1, 2, 3, 5})
  void disruptionControllerAllowsOneEvictionWhenAllPodsAreHealthy(int replicas) {
    HighAvailabilityGroup hag = TestGroups.valid("shop", "web");
    hag.getSpec().setReplicas(replicas);

    assertThat(disruptionsAllowed(PodDisruptionBudgetFactory.pdb(hag), hag, replicas)).isOne();
  }

  @ParameterizedTest(name = "replicas {0}")
  @ValueSource(ints = {1, 2, 3, 5})
  void disruptionControllerAllowsNoEvictionWhileAPodIsDown(int replicas) {
    HighAvailabilityGroup hag = TestGroups.valid("shop", "web");
    hag.getSpec().setReplicas(replicas);

    assertThat(disruptionsAllowed(PodDisruptionBudgetFactory.pdb(hag), hag, replicas - 1)).isZero();
  }

  /**
   * disruptionsAllowed as kube-controller-manager's disruption controller computes it
   * (pkg/controller/disruption, getExpectedPodCount and updatePdbStatus). With maxUnavailable or a
   * percentage, the expected count is the spec replicas of the pods' controller, read through its
   * scale subresource; a controller without one fails the computation, and the controller then
   * allows no disruption. An integer minAvailable needs no controller: the pods are the count.
   */
  private static int disruptionsAllowed(
      PodDisruptionBudget pdb, HighAvailabilityGroup owner, int healthy) {
    IntOrString maxUnavailable = pdb.getSpec().getMaxUnavailable();
    IntOrString minAvailable = pdb.getSpec().getMinAvailable();
    int expected;
    int desiredHealthy;
    if (maxUnavailable != null || (minAvailable != null && minAvailable.getIntVal() == null)) {
      CustomResourceSubresourceScale scale =
          Crd.load().getSpec().getVersions().get(0).getSubresources().getScale();
      if (scale == null || !".spec.replicas".equals(scale.getSpecReplicasPath())) {
        return 0; // CalculateExpectedPodCountFailed: does not implement the scale subresource
      }
      expected = owner.getSpec().getReplicas();
      desiredHealthy =
          maxUnavailable != null
              ? Math.max(0, expected - scaled(maxUnavailable, expected))
              : scaled(minAvailable, expected);
    } else {
      expected = healthy;
      desiredHealthy = minAvailable.getIntVal();
    }
    int allowed = healthy - desiredHealthy;
    return expected <= 0 || allowed <= 0 ? 0 : allowed;
  }

  /** intstr.GetScaledValueFromIntOrPercent with roundUp, as the controller calls it. */
  private static int scaled(IntOrString value, int total) {
    if (value.getIntVal() != null) {
      return value.getIntVal();
    }
    int percent = Integer.parseInt(value.getStrVal().replace("%", ""));
    return (int) Math.ceil(percent * total / 100.0);
  }
}
