package dev.halo.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MemberIdentityTest {
  @Test
  void readsBackWhatItWrites() {
    MemberIdentity id = new MemberIdentity("web-1", "5e0c-pod", "77aa-group");

    assertThat(id.encode())
        .isEqualTo("{\"pod\":\"web-1\",\"podUID\":\"5e0c-pod\",\"groupUID\":\"77aa-group\"}");
    assertThat(MemberIdentity.decode(id.encode())).contains(id);
  }

  @Test
  void aLeavingMarkTravelsWithTheIdentity() {
    MemberIdentity id =
        new MemberIdentity("web-1", "5e0c-pod", "77aa-group").leaving(MemberIdentity.UNHEALTHY);

    assertThat(id.encode()).endsWith(",\"left\":\"unhealthy\"}");
    assertThat(MemberIdentity.decode(id.encode())).contains(id);
    assertThat(id.leftBecause()).contains("unhealthy");
    assertThat(new MemberIdentity("web-1", "", "").leftBecause()).isEmpty();
  }

  @Test
  void aMultiSiteMemberPublishesItsSiteAndAddressAndKeepsThemWhenItLeaves() {
    MemberIdentity id =
        new MemberIdentity("web-1", "5e0c-pod", "77aa-group").atSite("paris", "10.1.2.3");

    assertThat(id.encode())
        .isEqualTo(
            "{\"pod\":\"web-1\",\"podUID\":\"5e0c-pod\",\"groupUID\":\"77aa-group\","
                + "\"site\":\"paris\",\"address\":\"10.1.2.3\"}");
    assertThat(MemberIdentity.decode(id.encode())).contains(id);
    assertThat(id.siteName()).contains("paris");
    MemberIdentity leaving = id.leaving(MemberIdentity.RESIGNED);
    assertThat(MemberIdentity.decode(leaving.encode())).contains(leaving);
    assertThat(leaving.site()).isEqualTo("paris");
    assertThat(new MemberIdentity("web-1", "", "").siteName()).isEmpty();
  }

  @Test
  void aSiteElectionComesFromTheSharedGroupAloneAndMeetsNoNamespace() {
    String election = ElectionKeys.siteElectionName("orders");

    assertThat(election).isEqualTo("/halo/_sites/orders/election");
    assertThat(ElectionKeys.groupPrefix(election)).isEqualTo("/halo/_sites/orders/");
    assertThat(ElectionKeys.electionOfMemberKey(ElectionKeys.memberKey(election, 0x1fL)))
        .contains(election);
  }

  @Test
  void aValueThatIsNoIdentityReadsAsNone() {
    assertThat(MemberIdentity.decode("web-1")).isEmpty();
    assertThat(MemberIdentity.decode("{\"podUID\":\"x\"}")).isEmpty();
    assertThat(MemberIdentity.decode(null)).isEmpty();
  }

  @Test
  void memberKeysSitBesideTheElectionAndNameTheirLease() {
    String key = ElectionKeys.memberKey("/halo/shop/web/election", 0x694dL);

    assertThat(key).isEqualTo("/halo/shop/web/members/694d");
    assertThat(key).doesNotStartWith(ElectionKeys.prefix("/halo/shop/web/election"));
    assertThat(ElectionKeys.electionOfMemberKey(key)).contains("/halo/shop/web/election");
    assertThat(ElectionKeys.electionOfMemberKey("/halo/shop/web/election/694d")).isEmpty();
    assertThat(ElectionKeys.leaseOf(key)).isEqualTo(0x694dL);
  }
}
