package dev.halo.operator.model;

import static dev.halo.operator.model.TestPods.pod;
import static dev.halo.operator.model.TestSites.local;
import static dev.halo.operator.model.TestSites.members;
import static dev.halo.operator.model.TestSites.remote;
import static dev.halo.operator.model.TestSites.view;
import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.RemoteMaster;
import dev.halo.api.v1alpha1.SiteSpec;
import dev.halo.common.ElectionKeys;
import dev.halo.common.MemberIdentity;
import dev.halo.operator.election.Candidate;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Group "web" on site paris; the election led by a member on site lyon unless told otherwise. */
class MasterRouteTest {
  private final HighAvailabilityGroup hag = group("EndpointSlice");
  private final Membership remoteLeads =
      members(
          List.of(pod("web-0", "standby"), pod("web-1", "standby")),
          view(remote("orders-lyon-0", 10, 0x100), local("web-0", 11, 0x101)));

  private static HighAvailabilityGroup group(String mode) {
    HighAvailabilityGroup hag = TestGroups.valid("shop", "web");
    SiteSpec site = new SiteSpec();
    site.setName(TestSites.SITE);
    site.setGroup("orders");
    site.setRemoteMasterService(mode);
    hag.getSpec().setSite(site);
    return hag;
  }

  @Test
  void inEndpointSliceModeARemoteMasterIsRoutedToByItsAddress() {
    MasterRoute route = MasterRoute.of(hag, remoteLeads, Optional.empty());

    assertThat(route).isInstanceOf(MasterRoute.Remote.class);
    RemoteMaster m = ((MasterRoute.Remote) route).master();
    assertThat(List.of(m.getPod(), m.getSite(), m.getAddress()))
        .containsExactly("orders-lyon-0", "lyon", "10.9.0.7");
  }

  @Test
  void withoutTheModeTheServiceKeepsItsSelector() {
    assertThat(MasterRoute.of(group(null), remoteLeads, Optional.empty()))
        .isEqualTo(new MasterRoute.Selector());
    assertThat(MasterRoute.of(group("None"), remoteLeads, Optional.empty()))
        .isEqualTo(new MasterRoute.Selector());
  }

  @Test
  void aPodOfThisSiteStillLabelledMasterKeepsTheSelectorUntilItIsDemoted() {
    assertThat(MasterRoute.of(hag, remoteLeads, Optional.of("web-0")))
        .isEqualTo(new MasterRoute.Selector());
  }

  @Test
  void aLocalLeaderKeepsTheSelector() {
    Membership localLeads =
        members(
            List.of(pod("web-0", "master")),
            view(local("web-0", 9, 0x101), remote("orders-lyon-0", 10, 0x100)));

    assertThat(MasterRoute.of(hag, localLeads, Optional.empty()))
        .isEqualTo(new MasterRoute.Selector());
  }

  @Test
  void aRemoteMasterWithoutAnAddressLeavesTheServiceWithoutEndpoints() {
    Candidate noAddress =
        new Candidate(
                ElectionKeys.candidateKey(TestSites.ELECTION, 0x100), "orders-lyon-0", 10, 0x100)
            .withIdentity(
                Optional.of(new MemberIdentity("orders-lyon-0", "u", "g").atSite("lyon", "")));
    Membership m = members(List.of(pod("web-0", "standby")), view(noAddress));

    assertThat(MasterRoute.of(hag, m, Optional.empty())).isEqualTo(new MasterRoute.Selector());
  }
}
