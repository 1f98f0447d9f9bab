package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.api.v1alpha1.HighAvailabilityGroupStatus;
import dev.halo.api.v1alpha1.MemberStatus;
import io.fabric8.kubernetes.api.model.Condition;
import org.junit.jupiter.api.Test;

class OperatorMetricsTest {
  private static HighAvailabilityGroupStatus status(String masterElected, boolean... campaigning) {
    HighAvailabilityGroupStatus status = new HighAvailabilityGroupStatus();
    Condition c = new Condition();
    c.setType("MasterElected");
    c.setStatus(masterElected);
    status.getConditions().add(c);
    for (int i = 0; i < campaigning.length; i++) {
      MemberStatus m = new MemberStatus();
      m.setPod("web-" + i);
      m.setReady(true);
      m.setCampaigning(campaigning[i]);
      status.getMembers().add(m);
    }
    return status;
  }

  @Test
  void eachGroupHasItsConditionsAndMembersUnderItsNamespaceAndName() {
    OperatorMetrics metrics = new OperatorMetrics();
    metrics.group("shop/web", status("True", true, true, false));
    metrics.group("shop/web", status("False", true, true, false));

    assertThat(metrics.scrape())
        .contains(
            "halo_operator_group_condition{group=\"web\",namespace=\"shop\",type=\"MasterElected\"} 0.0")
        .contains(
            "halo_operator_group_condition{group=\"web\",namespace=\"shop\",type=\"Valid\"} NaN")
        .contains("halo_operator_group_members{group=\"web\",namespace=\"shop\"} 3.0")
        .contains("halo_operator_group_members_ready{group=\"web\",namespace=\"shop\"} 3.0")
        .contains(
            "halo_operator_group_members_not_campaigning{group=\"web\",namespace=\"shop\"} 1.0");
  }

  @Test
  void anExcludedMemberThatDoesNotCampaignIsNotCounted() {
    OperatorMetrics metrics = new OperatorMetrics();
    HighAvailabilityGroupStatus status = status("True", true, false);
    status.getMembers().get(1).setExcluded("spec.election.neverMaster.ordinals: 1");
    metrics.group("shop/web", status);

    assertThat(metrics.scrape())
        .contains(
            "halo_operator_group_members_not_campaigning{group=\"web\",namespace=\"shop\"} 0.0");
  }

  @Test
  void aForgottenGroupLeavesNoSeriesAndFailoversCountPerGroup() {
    OperatorMetrics metrics = new OperatorMetrics();
    metrics.group("shop/web", status("True", true));
    metrics.group("shop/api", status("True", true));
    metrics.failover("shop/web", "crash", 100L);
    metrics.failover("shop/api", "crash", 100L);
    metrics.forget("shop/web");

    String scrape = metrics.scrape();
    assertThat(scrape)
        .doesNotContain("halo_operator_group_members{group=\"web\"")
        .contains("halo_operator_group_members{group=\"api\",namespace=\"shop\"} 1.0")
        .doesNotContain("halo_operator_failovers_total{group=\"web\"")
        .contains(
            "halo_operator_failovers_total{group=\"api\",namespace=\"shop\",reason=\"crash\"} 1.0");
  }
}
