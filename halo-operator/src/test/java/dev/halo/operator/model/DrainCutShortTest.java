package dev.halo.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.common.Labels;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class DrainCutShortTest {
  private static Pod pod(String name, String role, Long deletionGrace) {
    PodBuilder b =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .addToLabels(Labels.ROLE, role)
            .endMetadata();
    if (deletionGrace != null) {
      b.editMetadata()
          .withDeletionTimestamp("2026-12-07T18:00:00Z")
          .withDeletionGracePeriodSeconds(deletionGrace)
          .endMetadata();
    }
    return b.build();
  }

  @Test
  void warnsOnlyAboutAMasterDeletedWithTooShortAGracePeriod() {
    assertThat(
            DrainCutShort.warning(
                List.of(pod("web-0", "master", 1L), pod("web-1", "standby", null))))
        .hasValueSatisfying(
            w -> assertThat(w).startsWith("master web-0 was deleted with a grace period of 1 s"));
    assertThat(DrainCutShort.warning(List.of(pod("web-0", "master", 30L)))).isEmpty();
    assertThat(DrainCutShort.warning(List.of(pod("web-0", "standby", 0L)))).isEmpty();
    assertThat(DrainCutShort.warning(List.of(pod("web-0", "master", null)))).isEmpty();
  }
}
