package dev.halo.operator.model;

import static dev.halo.operator.model.TestPods.pod;
import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.HighAvailabilityGroupSpec;
import dev.halo.api.v1alpha1.HighAvailabilityGroupStatus;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class PauseTest {
  private static HighAvailabilityGroup hag(Boolean paused) {
    HighAvailabilityGroup hag = new HighAvailabilityGroup();
    hag.setMetadata(new ObjectMetaBuilder().withName("web").withNamespace("shop").build());
    hag.setSpec(new HighAvailabilityGroupSpec());
    hag.getSpec().setReplicas(3);
    hag.getSpec().setPaused(paused);
    return hag;
  }

  private static HighAvailabilityGroup shown(HighAvailabilityGroup hag, String status) {
    HighAvailabilityGroupStatus s = new HighAvailabilityGroupStatus();
    s.setConditions(
        List.of(
            new ConditionBuilder()
                .withType(Pause.CONDITION)
                .withStatus(status)
                .withReason(Pause.REASON)
                .build()));
    hag.setStatus(s);
    return hag;
  }

  @Test
  void onlyAnExplicitTrueAndAValidSpecPause() {
    assertThat(Pause.paused(hag(true))).isTrue();
    assertThat(Pause.paused(hag(false))).isFalse();
    assertThat(Pause.paused(hag(null))).isFalse();
    HighAvailabilityGroup noSpec = hag(true);
    noSpec.setSpec(null);
    assertThat(Pause.paused(noSpec)).isFalse();
  }

  @Test
  void aTransitionIsOneTheLastStatusDoesNotShowYet() {
    assertThat(Pause.transition(hag(true))).contains(Pause.Transition.PAUSED);
    assertThat(Pause.transition(shown(hag(true), "True"))).isEmpty();
    assertThat(Pause.transition(shown(hag(false), "True"))).contains(Pause.Transition.RESUMED);
    assertThat(Pause.transition(hag(false))).isEmpty();
    assertThat(Pause.transition(shown(hag(null), "False"))).isEmpty();
  }

  @Test
  void theConditionSaysWhatIsHeldWhichPodsWaitAndHowToResume() {
    String message = Pause.describe(hag(true), List.of(pod("web-0", "master")));

    assertThat(message)
        .contains("no pod")
        .contains("not created while paused: web-1, web-2")
        .endsWith(
            "Resume: kubectl patch hag web -n shop --type merge -p"
                + " '{\"spec\":{\"paused\":false}}'");
    assertThat(
            Pause.describe(
                hag(true),
                List.of(pod("web-0", "master"), pod("web-1", "standby"), pod("web-2", "standby"))))
        .doesNotContain("not created");
  }

  @Test
  void aRefusalNamesTheRequestAndHowToResume() {
    assertThat(Pause.refusal(hag(true), "the switchover from web-0 (halo.dev/switchover)"))
        .startsWith("the switchover from web-0 (halo.dev/switchover) is refused")
        .contains("paused")
        .contains("kubectl patch hag web -n shop");
  }
}
