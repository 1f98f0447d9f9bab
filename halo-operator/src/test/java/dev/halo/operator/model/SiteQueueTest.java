package dev.halo.operator.model;

import static dev.halo.operator.model.TestPods.GROUP_UID;
import static dev.halo.operator.model.TestPods.pod;
import static dev.halo.operator.model.TestSites.local;
import static dev.halo.operator.model.TestSites.members;
import static dev.halo.operator.model.TestSites.remote;
import static dev.halo.operator.model.TestSites.remoteAt;
import static dev.halo.operator.model.TestSites.view;
import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.ElectionView;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Site "paris" re-queues its own standbys behind those of the sites that come first. */
class SiteQueueTest {
  private static final List<Pod> PODS = List.of(pod("web-0", "standby"), pod("web-1", "standby"));

  private static List<SiteQueue.Requeue> plan(Optional<String> preferred, Candidate... queue) {
    return SiteQueue.plan(members(PODS, view(queue)), preferred);
  }

  @Test
  void aStandbyQueuedAheadOfOneOnTheMastersSiteQueuesAgain() {
    Candidate master = remote("orders-lyon-0", 10, 0x100);
    Candidate lyonStandby = remote("orders-lyon-1", 13, 0x103);
    List<SiteQueue.Requeue> plan =
        plan(
            Optional.empty(),
            master,
            local("web-0", 11, 0x101),
            local("web-1", 12, 0x102),
            lyonStandby);

    assertThat(plan).extracting(r -> r.standby().leaseId()).containsExactly(0x101L, 0x102L);
    assertThat(plan).allSatisfy(r -> assertThat(r.before()).isEqualTo(lyonStandby));
    assertThat(plan).allSatisfy(r -> assertThat(r.leader()).isEqualTo(master));
    assertThat(plan.get(0).beforeSite()).isEqualTo("lyon");
  }

  @Test
  void onlyTheStandbysAheadOfTheMastersSiteQueueAgain() {
    List<SiteQueue.Requeue> plan =
        plan(
            Optional.empty(),
            remote("orders-lyon-0", 10, 0x100),
            local("web-0", 11, 0x101),
            remote("orders-lyon-1", 12, 0x102),
            local("web-1", 13, 0x103));

    assertThat(plan).extracting(r -> r.standby().leaseId()).containsExactly(0x101L);
  }

  @Test
  void nothingMovesWhenTheMastersSiteQueuesFirst() {
    assertThat(
            plan(
                Optional.empty(),
                remote("orders-lyon-0", 10, 0x100),
                remote("orders-lyon-1", 11, 0x101),
                local("web-0", 12, 0x102)))
        .isEmpty();
  }

  @Test
  void theMastersOwnSiteNeverMovesItsKeys() {
    assertThat(
            plan(
                Optional.of("lyon"),
                local("web-0", 10, 0x100),
                local("web-1", 11, 0x101),
                remote("orders-lyon-1", 12, 0x102)))
        .isEmpty();
  }

  @Test
  void aMasterWithoutAStandbyOnItsSiteLeavesTheOrderAlone() {
    assertThat(
            plan(
                Optional.empty(),
                remote("orders-lyon-0", 10, 0x100),
                local("web-0", 11, 0x101),
                remoteAt("nice", "orders-nice-0", 12, 0x102)))
        .as("nice neither holds the master nor is preferred: it comes no earlier than paris")
        .isEmpty();
  }

  @Test
  void thePreferredSiteQueuesBeforeTheOthersButAfterTheMastersSite() {
    Candidate master = remoteAt("nice", "orders-nice-0", 10, 0x100);
    Candidate lyon = remote("orders-lyon-0", 12, 0x102);
    Candidate[] queue = {master, local("web-0", 11, 0x101), lyon};

    assertThat(plan(Optional.of("lyon"), queue))
        .singleElement()
        .satisfies(r -> assertThat(r.before()).isEqualTo(lyon));
    assertThat(plan(Optional.of("paris"), queue))
        .as("paris is preferred: it queues ahead of lyon")
        .isEmpty();
    assertThat(plan(Optional.empty(), queue)).isEmpty();
  }

  @Test
  void thePreferredSiteStillQueuesBehindTheMastersSite() {
    assertThat(
            plan(
                Optional.of("paris"),
                remote("orders-lyon-0", 10, 0x100),
                local("web-0", 11, 0x101),
                remote("orders-lyon-1", 12, 0x102)))
        .extracting(r -> r.standby().leaseId())
        .containsExactly(0x101L);
  }

  @Test
  void nothingMovesWhileTheLeaderIsForeignOrAbsent() {
    Candidate stray = new Candidate(remote("x", 10, 0x100).key(), "x", 10, 0x100);
    assertThat(
            plan(
                Optional.empty(),
                stray,
                local("web-0", 11, 0x101),
                remote("orders-lyon-1", 12, 0x102)))
        .isEmpty();
    assertThat(plan(Optional.empty())).isEmpty();
  }

  @Test
  void aGroupOfOneClusterNeverRequeues() {
    ElectionView v =
        view(remote("orders-lyon-0", 10, 0x100), local("web-0", 11, 0x101), remote("o", 12, 0x2));
    assertThat(SiteQueue.plan(Membership.of("web", GROUP_UID, PODS, v), Optional.empty()))
        .isEmpty();
  }
}
