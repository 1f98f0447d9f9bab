package dev.halo.operator.model;

import static dev.halo.operator.model.TestPods.members;
import static dev.halo.operator.model.TestPods.notReady;
import static dev.halo.operator.model.TestPods.view;
import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.HighAvailabilityGroupSpec;
import dev.halo.common.Labels;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Group "web": web-0 in zone a (master), web-1 in b, web-2 in c, queued in that order. */
class ZonePreferenceTest {
  private static final long MINUTE = 60_000;

  private static Pod pod(String name, String zone, String role) {
    return new PodBuilder(TestPods.pod(name, role))
        .editMetadata()
        .addToLabels(Labels.ZONE, zone)
        .endMetadata()
        .build();
  }

  private static final List<Pod> PODS =
      List.of(pod("web-0", "a", "master"), pod("web-1", "b", "standby"), pod("web-2", "c", null));

  private static HighAvailabilityGroupSpec spec(Integer failbackAfterSeconds, String... preferred) {
    HighAvailabilityGroup hag = TestGroups.valid("shop", "web");
    hag.getSpec().getElection().setPreferred(List.of(preferred));
    hag.getSpec().getElection().setFailbackAfterSeconds(failbackAfterSeconds);
    return hag.getSpec();
  }

  private static Optional<String> failback(
      HighAvailabilityGroupSpec spec, List<Pod> pods, long campaigning, long sinceLast) {
    return ZonePreference.failbackTarget(
        spec, pods, members(pods, view("web-0", "web-1", "web-2")), c -> campaigning, sinceLast);
  }

  @Test
  void aStandbyQueuedAheadOfAReadyStandbyOfAMorePreferredZoneQueuesAgain() {
    List<SiteQueue.Requeue> plan =
        ZonePreference.plan(members(PODS, view("web-0", "web-1", "web-2")), PODS, List.of("c"));

    assertThat(plan)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.standby().member()).isEqualTo("web-1");
              assertThat(r.before().member()).isEqualTo("web-2");
              assertThat(r.leader().member()).isEqualTo("web-0");
            });
  }

  @Test
  void nothingMovesBehindAStandbyThatIsNotReadyNorWhenTheOrderIsRight() {
    List<Pod> pods = List.of(PODS.get(0), PODS.get(1), notReady(PODS.get(2)));
    assertThat(
            ZonePreference.plan(members(pods, view("web-0", "web-1", "web-2")), pods, List.of("c")))
        .isEmpty();
    assertThat(
            ZonePreference.plan(
                members(PODS, view("web-0", "web-1", "web-2")), PODS, List.of("b", "c")))
        .isEmpty();
    assertThat(ZonePreference.plan(members(PODS, view("web-0", "web-1", "web-2")), PODS, List.of()))
        .isEmpty();
  }

  @Test
  void theMasterFailsBackToTheMostPreferredZoneOnceItsStandbyCampaignedTheWindow() {
    assertThat(failback(spec(null, "c", "b"), PODS, MINUTE, Long.MAX_VALUE)).contains("web-2");
    assertThat(failback(spec(null, "c", "b"), PODS, MINUTE - 1, Long.MAX_VALUE)).isEmpty();
    assertThat(failback(spec(10, "b"), PODS, 10_000, Long.MAX_VALUE)).contains("web-1");
  }

  @Test
  void atMostOneFailbackPerWindowAndNoneWhenZeroOrAlreadyPreferred() {
    assertThat(failback(spec(10, "c"), PODS, MINUTE, 9_999)).isEmpty();
    assertThat(failback(spec(0, "c"), PODS, MINUTE, Long.MAX_VALUE)).isEmpty();
    assertThat(failback(spec(10, "a", "c"), PODS, MINUTE, Long.MAX_VALUE)).isEmpty();
    List<Pod> notReady = List.of(PODS.get(0), PODS.get(1), notReady(PODS.get(2)));
    assertThat(failback(spec(10, "c"), notReady, MINUTE, Long.MAX_VALUE)).isEmpty();
  }

  @Test
  void theWindowDefaultsToAMinuteAndAGroupWithoutPreferenceHasNone() {
    assertThat(ZonePreference.failbackWindowMillis(spec(null, "c"))).hasValue(MINUTE);
    assertThat(ZonePreference.failbackWindowMillis(spec(null))).isEqualTo(OptionalLong.empty());
  }
}
