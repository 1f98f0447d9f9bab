package dev.halo.operator.model;

import static dev.halo.operator.model.TestPods.pod;
import static dev.halo.operator.model.TestPods.view;
import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.NeverMasterSpec;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NeverMasterTest {
  private static HighAvailabilityGroup hag(List<Integer> ordinals, List<String> zones) {
    HighAvailabilityGroup hag = TestGroups.valid("shop", "web");
    NeverMasterSpec never = new NeverMasterSpec();
    never.setOrdinals(ordinals);
    never.setZones(zones);
    hag.getSpec().getElection().setNeverMaster(never);
    return hag;
  }

  private static final List<Pod> PODS =
      List.of(pod("web-0", "master"), pod("web-1", "standby"), pod("web-2", "standby"));

  @Test
  void excludesTheListedOrdinalsAndThePodsOfTheListedZonesNamingTheField() {
    assertThat(NeverMaster.excluded(hag(List.of(0), List.of("c"))))
        .containsExactly(
            Map.entry("web-0", "spec.election.neverMaster.ordinals: 0"),
            Map.entry("web-2", "spec.election.neverMaster.zones: c"));
    assertThat(NeverMaster.excluded(TestGroups.valid("shop", "web"))).isEmpty();
  }

  @Test
  void anExcludedMasterHandsOverToAReadyCampaigningMemberThatMayBeMaster() {
    Map<String, String> excluded = NeverMaster.excluded(hag(List.of(0, 1), List.of()));
    Membership members = TestPods.members(PODS, view("web-0", "web-1", "web-2"));

    assertThat(NeverMaster.master(excluded, PODS, members, Optional.of("web-0")))
        .isEqualTo(
            new NeverMaster.MasterStep.HandOver(
                "web-0", "spec.election.neverMaster.ordinals: 0", "web-2"));
    assertThat(NeverMaster.master(excluded, PODS, members, Optional.of("web-2")))
        .isEqualTo(new NeverMaster.MasterStep.Keep());
  }

  @Test
  void anExcludedMasterStaysWhenNoMemberThatMayBeMasterCampaigns() {
    Map<String, String> excluded = NeverMaster.excluded(hag(List.of(0, 1), List.of()));
    // web-2 is Ready but its agent holds no key: it cannot take over.
    Membership members = TestPods.members(PODS, view("web-0", "web-1"));

    NeverMaster.MasterStep step = NeverMaster.master(excluded, PODS, members, Optional.of("web-0"));

    assertThat(step)
        .isEqualTo(
            new NeverMaster.MasterStep.Stays("web-0", "spec.election.neverMaster.ordinals: 0"));
    assertThat(NeverMaster.describeStays((NeverMaster.MasterStep.Stays) step))
        .startsWith("web-0 is master although spec.election.neverMaster.ordinals: 0 excludes it");
  }

  @Test
  void onlyExcludedMembersLeftWhenNoneThatMayBeMasterCampaigns() {
    Map<String, String> excluded = NeverMaster.excluded(hag(List.of(1, 2), List.of()));

    assertThat(
            NeverMaster.onlyExcludedLeft(
                excluded, PODS, TestPods.members(PODS, view("web-1", "web-2"))))
        .isTrue();
    assertThat(NeverMaster.onlyExcludedLeft(excluded, PODS, TestPods.members(PODS, view("web-0"))))
        .isFalse();
    assertThat(NeverMaster.describeOnlyExcluded(excluded, PODS))
        .contains("web-1 (spec.election.neverMaster.ordinals: 1)")
        .contains("remove one from spec.election.neverMaster");
  }
}
