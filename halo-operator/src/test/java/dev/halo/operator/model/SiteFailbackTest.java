package dev.halo.operator.model;

import static dev.halo.operator.model.TestPods.pod;
import static dev.halo.operator.model.TestSites.local;
import static dev.halo.operator.model.TestSites.members;
import static dev.halo.operator.model.TestSites.remote;
import static dev.halo.operator.model.TestSites.remoteAt;
import static dev.halo.operator.model.TestSites.view;
import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.SiteSpec;
import dev.halo.operator.election.ElectionView;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Site "paris" holds the master; "lyon" is preferred. */
class SiteFailbackTest {
  private static final List<Pod> PODS = List.of(pod("web-0", "master"), pod("web-1", "standby"));
  private static final ElectionView PARIS_LEADS =
      view(
          local("web-0", 10, 0x100),
          local("web-1", 11, 0x101),
          remoteAt("nice", "orders-nice-0", 12, 0x102),
          remote("orders-lyon-1", 13, 0x103),
          remote("orders-lyon-0", 14, 0x104));

  private static HighAvailabilityGroup group(String preferred, Integer after) {
    HighAvailabilityGroup hag = TestGroups.valid("shop", "web");
    SiteSpec site = new SiteSpec();
    site.setName(TestSites.SITE);
    site.setGroup("orders");
    site.setPreferred(preferred);
    site.setFailbackAfterSeconds(after);
    hag.getSpec().setSite(site);
    return hag;
  }

  private static Optional<String> target(HighAvailabilityGroup hag, long masterFor, long since) {
    return SiteFailback.target(hag, members(PODS, PARIS_LEADS), masterFor, since);
  }

  @Test
  void failsBackToThePreferredSitesFirstStandbyOnceTheMasterRanTheWindowHere() {
    assertThat(target(group("lyon", 60), 60_000, Long.MAX_VALUE)).contains("lyon/orders-lyon-1");
  }

  @Test
  void waitsForTheWindowAfterTheMasterCameAndAfterTheLastFailback() {
    assertThat(target(group("lyon", 60), 59_999, Long.MAX_VALUE)).isEmpty();
    assertThat(target(group("lyon", 60), 120_000, 30_000)).isEmpty();
  }

  @Test
  void noFailbackUnlessAskedOrWhenThisIsThePreferredSite() {
    assertThat(target(group("lyon", null), 600_000, Long.MAX_VALUE)).isEmpty();
    assertThat(target(group(null, 60), 600_000, Long.MAX_VALUE)).isEmpty();
    assertThat(target(group("paris", 60), 600_000, Long.MAX_VALUE)).isEmpty();
  }

  @Test
  void onlyTheMastersSiteFailsBackAndOnlyToACampaigningStandby() {
    HighAvailabilityGroup hag = group("lyon", 60);
    ElectionView remoteMaster =
        view(remoteAt("nice", "orders-nice-0", 9, 0x99), remote("orders-lyon-0", 12, 0x102));
    assertThat(SiteFailback.target(hag, members(PODS, remoteMaster), 600_000, Long.MAX_VALUE))
        .isEmpty();
    ElectionView noLyon = view(local("web-0", 10, 0x100), local("web-1", 11, 0x101));
    assertThat(SiteFailback.target(hag, members(PODS, noLyon), 600_000, Long.MAX_VALUE)).isEmpty();
  }

  @Test
  void saysWhenTheWindowRunsOutSoTheGroupIsLookedAtThenNotAtItsNextResync() {
    HighAvailabilityGroup hag = group("lyon", 60);
    // The master came 10 s ago: 50 s to go; a failback 55 s ago leaves 5 s to go.
    assertThat(SiteFailback.dueInMillis(hag, members(PODS, PARIS_LEADS), 10_000, Long.MAX_VALUE))
        .hasValue(50_000);
    assertThat(SiteFailback.dueInMillis(hag, members(PODS, PARIS_LEADS), 600_000, 55_000))
        .hasValue(5_000);
    // Run out (the failback is due now), not asked, this the preferred site, or no master here.
    assertThat(SiteFailback.dueInMillis(hag, members(PODS, PARIS_LEADS), 60_000, Long.MAX_VALUE))
        .isEmpty();
    assertThat(SiteFailback.dueInMillis(group("lyon", null), members(PODS, PARIS_LEADS), 0, 0))
        .isEmpty();
    assertThat(SiteFailback.dueInMillis(group("paris", 60), members(PODS, PARIS_LEADS), 0, 0))
        .isEmpty();
    ElectionView remoteMaster =
        view(remoteAt("nice", "orders-nice-0", 9, 0x99), remote("orders-lyon-0", 12, 0x102));
    assertThat(SiteFailback.dueInMillis(hag, members(PODS, remoteMaster), 0, Long.MAX_VALUE))
        .isEmpty();
  }
}
