package dev.halo.operator.model;

import static dev.halo.operator.model.TestPods.pod;
import static dev.halo.operator.model.TestSites.local;
import static dev.halo.operator.model.TestSites.members;
import static dev.halo.operator.model.TestSites.remote;
import static dev.halo.operator.model.TestSites.remoteAt;
import static dev.halo.operator.model.TestSites.view;
import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.SwitchoverRequest;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Site "paris" holds the master and is asked to hand over to a member on site "lyon". */
class SiteSwitchoverTest {
  private static final List<Pod> PODS = List.of(pod("web-0", "master"), pod("web-1", "standby"));
  private static final Candidate MASTER = local("web-0", 10, 0x100);

  private static SiteSwitchover.Step plan(String target, Candidate... queue) {
    return SiteSwitchover.plan(members(PODS, view(queue)), target, PODS, Optional.empty());
  }

  @Test
  void withMembersAheadOfTheTargetTheRequestIsPublishedForTheirSites() {
    SiteSwitchover.Step step =
        plan(
            "lyon/orders-lyon-1",
            MASTER,
            local("web-1", 11, 0x101),
            remote("orders-lyon-0", 12, 0x102),
            remote("orders-lyon-1", 13, 0x103));

    assertThat(step)
        .isEqualTo(
            new SiteSwitchover.Step.Publish(
                new SwitchoverRequest("lyon", "orders-lyon-1", 0x103, 0x100), 2));
  }

  @Test
  void theMasterHandsOverOnceTheTargetIsNextInLine() {
    assertThat(
            plan(
                "lyon/orders-lyon-1",
                MASTER,
                remote("orders-lyon-1", 13, 0x103),
                local("web-1", 14, 0x104)))
        .isEqualTo(
            new SiteSwitchover.Step.HandOver(
                "web-0", new SwitchoverRequest("lyon", "orders-lyon-1", 0x103, 0x100)));
  }

  @Test
  void aTargetThatDoesNotCampaignIsRefused() {
    assertThat(plan("lyon/orders-lyon-7", MASTER, remote("orders-lyon-1", 13, 0x103)))
        .isInstanceOfSatisfying(
            SiteSwitchover.Step.Refuse.class,
            r -> {
              assertThat(r.reason()).isEqualTo("SwitchoverRefused");
              assertThat(r.message()).startsWith("lyon/orders-lyon-7 is not campaigning");
            });
  }

  @Test
  void onlyTheMastersSiteActsAndNothingWaitsOnceTheTargetLeads() {
    Candidate lyonMaster = remote("orders-lyon-1", 9, 0x99);
    assertThat(plan("lyon/orders-lyon-1", lyonMaster, MASTER))
        .isEqualTo(new SiteSwitchover.Step.Done("lyon/orders-lyon-1"));
    assertThat(plan("nice/orders-nice-0", lyonMaster, remoteAt("nice", "orders-nice-0", 11, 0x2)))
        .isInstanceOfSatisfying(
            SiteSwitchover.Step.Refuse.class,
            r -> assertThat(r.message()).contains("annotate the group of the master's site"));
    assertThat(plan("lyon/orders-lyon-1")).isInstanceOf(SiteSwitchover.Step.Wait.class);
    assertThat(plan("orders-lyon-1", MASTER)).isInstanceOf(SiteSwitchover.Step.Refuse.class);
    // A bare pod name is one of this site's pods.
    assertThat(plan("web-1", MASTER, local("web-1", 11, 0x101)))
        .isEqualTo(
            new SiteSwitchover.Step.HandOver(
                "web-0", new SwitchoverRequest("paris", "web-1", 0x101, 0x100)));
  }

  @Test
  void eachSiteReQueuesOnlyItsOwnStandbysAheadOfTheTarget() {
    SwitchoverRequest request = new SwitchoverRequest("lyon", "orders-lyon-1", 0x103, 0x99);
    Candidate lyonMaster = remoteAt("nice", "orders-nice-0", 9, 0x99);
    List<SiteQueue.Requeue> plan =
        SiteSwitchover.requeues(
            members(
                PODS,
                view(
                    lyonMaster,
                    local("web-0", 10, 0x100),
                    remote("orders-lyon-0", 11, 0x101),
                    local("web-1", 12, 0x102),
                    remote("orders-lyon-1", 13, 0x103),
                    local("web-2", 14, 0x104))),
            request);

    assertThat(plan).extracting(r -> r.standby().leaseId()).containsExactly(0x100L, 0x102L);
    assertThat(plan).allSatisfy(r -> assertThat(r.before().leaseId()).isEqualTo(0x103L));
  }

  @Test
  void aRequestReadsAsItIsWritten() {
    SwitchoverRequest r = new SwitchoverRequest("lyon", "orders-lyon-1", 0x694d8c5e2a1b0f07L, 7);
    assertThat(r.encode()).isEqualTo("lyon/orders-lyon-1 694d8c5e2a1b0f07");
    assertThat(SwitchoverRequest.decode(r.encode(), 7)).contains(r);
    assertThat(SwitchoverRequest.decode("lyon orders-lyon-1", 7)).isEqualTo(Optional.empty());
    SwitchoverRequest oneCluster = new SwitchoverRequest("", "web-2", 0x1f, 7);
    assertThat(oneCluster.encode()).isEqualTo("web-2 1f");
    assertThat(SwitchoverRequest.decode("web-2 1f", 7)).contains(oneCluster);
    assertThat(SwitchoverRequest.decode("/web-2 1f", 7)).isEqualTo(Optional.empty());
  }
}
