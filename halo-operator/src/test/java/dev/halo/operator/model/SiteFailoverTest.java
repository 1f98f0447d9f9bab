package dev.halo.operator.model;

import static dev.halo.operator.model.TestPods.pod;
import static dev.halo.operator.model.TestSites.local;
import static dev.halo.operator.model.TestSites.members;
import static dev.halo.operator.model.TestSites.remote;
import static dev.halo.operator.model.TestSites.view;
import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.SiteSpec;
import dev.halo.common.Annotations;
import dev.halo.operator.election.ElectionView;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Site "paris" in manual failover: held out while the master is elsewhere, until let in. */
class SiteFailoverTest {
  private static final List<Pod> PODS = List.of(pod("web-0", "standby"), pod("web-1", "standby"));
  private static final ElectionView REMOTE_MASTER =
      view(remote("orders-lyon-0", 10, 0x100), remote("orders-lyon-1", 11, 0x101));

  private static HighAvailabilityGroup group(String failover) {
    HighAvailabilityGroup hag = TestGroups.valid("shop", "web");
    SiteSpec site = new SiteSpec();
    site.setName(TestSites.SITE);
    site.setGroup("orders");
    site.setFailover(failover);
    hag.getSpec().setSite(site);
    return hag;
  }

  private static Optional<SiteFailover.State> state(HighAvailabilityGroup hag, ElectionView v) {
    return SiteFailover.of(hag, members(PODS, v));
  }

  @Test
  void automaticFailoverNeverHoldsTheSiteOut() {
    assertThat(state(group(null), REMOTE_MASTER)).contains(SiteFailover.State.AUTOMATIC);
    assertThat(state(group("Automatic"), REMOTE_MASTER)).contains(SiteFailover.State.AUTOMATIC);
  }

  @Test
  void manualFailoverHoldsTheSiteOutWhileTheMasterIsElsewhere() {
    Optional<SiteFailover.State> held = state(group("Manual"), REMOTE_MASTER);

    assertThat(held).contains(SiteFailover.State.HELD_OUT);
    assertThat(held.get().held()).isTrue();
    assertThat(SiteFailover.describe(held.get(), members(PODS, REMOTE_MASTER), "web"))
        .isEqualTo(
            "failover is Manual and the master is orders-lyon-0 on site lyon: the pods of site"
                + " paris stand by without campaigning; to let them in: kubectl annotate hag web"
                + " halo.dev/activate-site=true");
  }

  @Test
  void manualFailoverHoldsTheSiteOutWhenNoOneIsMaster() {
    assertThat(state(group("Manual"), view())).contains(SiteFailover.State.HELD_OUT);
  }

  @Test
  void aSiteThatHoldsTheMasterCampaignsSoItsStandbysCanTakeOver() {
    ElectionView own = view(local("web-0", 10, 0x100), remote("orders-lyon-0", 11, 0x101));
    assertThat(state(group("Manual"), own)).contains(SiteFailover.State.HOLDS_MASTER);
  }

  @Test
  void theActivateAnnotationLetsTheSiteIn() {
    HighAvailabilityGroup hag = group("Manual");
    hag.getMetadata().setAnnotations(Map.of(Annotations.ACTIVATE_SITE, "true"));
    assertThat(state(hag, REMOTE_MASTER)).contains(SiteFailover.State.ACTIVATED);
    assertThat(state(hag, REMOTE_MASTER).get().held()).isFalse();

    hag.getMetadata().setAnnotations(Map.of(Annotations.ACTIVATE_SITE, "false"));
    assertThat(state(hag, REMOTE_MASTER)).contains(SiteFailover.State.HELD_OUT);
  }

  @Test
  void aGroupOfOneClusterHasNoSiteToHold() {
    assertThat(SiteFailover.of(TestGroups.valid("shop", "web"), members(PODS, REMOTE_MASTER)))
        .isEmpty();
  }
}
