package dev.halo.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.common.Labels;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.junit.jupiter.api.Test;

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
}
