package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.HighAvailabilityGroupStatus;
import dev.halo.common.Annotations;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GroupUpdateFilterTest {
  private final GroupUpdateFilter filter = new GroupUpdateFilter();

  private static HighAvailabilityGroup group() {
    HighAvailabilityGroup g = new HighAvailabilityGroup();
    g.getMetadata().setName("web");
    g.getMetadata().setGeneration(3L);
    g.getMetadata().setAnnotations(new java.util.HashMap<>(Map.of("note", "a")));
    g.getMetadata().setFinalizers(new java.util.ArrayList<>(List.of("f")));
    return g;
  }

  @Test
  void aSpecChangeOrASwitchoverRequestReconcilesAStatusWriteDoesNot() {
    HighAvailabilityGroup before = group();

    HighAvailabilityGroup status = Serialization.clone(before);
    status.setStatus(new HighAvailabilityGroupStatus());
    status.getStatus().setMaster("web-0");
    assertThat(filter.accept(status, before)).isFalse();

    HighAvailabilityGroup otherAnnotation = Serialization.clone(before);
    otherAnnotation.getMetadata().getAnnotations().put("note", "b");
    assertThat(filter.accept(otherAnnotation, before)).isFalse();

    HighAvailabilityGroup spec = Serialization.clone(before);
    spec.getMetadata().setGeneration(4L);
    assertThat(filter.accept(spec, before)).isTrue();

    HighAvailabilityGroup asked = Serialization.clone(before);
    asked.getMetadata().getAnnotations().put(Annotations.SWITCHOVER, "web-0");
    assertThat(filter.accept(asked, before)).isTrue();
    // ... and taking the request away (the operator does, once it is done) too.
    assertThat(filter.accept(before, asked)).isTrue();
  }

  @Test
  void deletionAndFinalizerChangesReconcile() {
    HighAvailabilityGroup before = group();

    HighAvailabilityGroup deleting = Serialization.clone(before);
    deleting.getMetadata().setDeletionTimestamp("2026-12-04T00:00:00Z");
    assertThat(filter.accept(deleting, before)).isTrue();

    HighAvailabilityGroup finalized = Serialization.clone(before);
    finalized.getMetadata().setFinalizers(new java.util.ArrayList<>());
    assertThat(filter.accept(finalized, before)).isTrue();
  }

  @Test
  void aStatusThatLostItsPhaseReconcilesSoThatItIsWrittenAgain() {
    HighAvailabilityGroup before = group();
    before.getStatus().setPhase("Running");

    HighAvailabilityGroup emptied = Serialization.clone(before);
    emptied.setStatus(new HighAvailabilityGroupStatus());
    assertThat(filter.accept(emptied, before)).isTrue();

    HighAvailabilityGroup rewritten = Serialization.clone(before);
    rewritten.getStatus().setPhase("Degraded");
    assertThat(filter.accept(rewritten, before)).isFalse();
  }
}
