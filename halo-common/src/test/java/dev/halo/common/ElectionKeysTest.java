package dev.halo.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ElectionKeysTest {
  private static final String WEB = ElectionKeys.electionName("shop", "web");

  @Test
  void everyKeyOfAGroupLivesUnderItsGroupPrefix() {
    String group = ElectionKeys.groupPrefix(WEB);

    assertThat(group).isEqualTo("/halo/shop/web/");
    assertThat(ElectionKeys.candidateKey(WEB, 0x694dL)).startsWith(group);
    assertThat(ElectionKeys.memberKey(WEB, 0x694dL)).startsWith(group);
    assertThat(ElectionKeys.stepDownKey(WEB, 0x694dL)).startsWith(group);
  }

  @Test
  void aStepDownRequestSitsBesideTheElectionAndIsNeitherCandidateNorMember() {
    String key = ElectionKeys.stepDownKey(WEB, 0x694dL);

    assertThat(key).isEqualTo("/halo/shop/web/stepdown/694d");
    assertThat(key).startsWith(ElectionKeys.stepDownPrefix(WEB));
    assertThat(key).doesNotStartWith(ElectionKeys.prefix(WEB)).doesNotStartWith(WEB);
    assertThat(ElectionKeys.electionOfMemberKey(key)).isEmpty();
    assertThat(ElectionKeys.leaseOf(key)).isEqualTo(0x694dL);
  }

  @Test
  void aFenceSitsBesideTheElectionUnderTheGroupPrefix() {
    String key = ElectionKeys.fenceKey(WEB, 0x694dL);

    assertThat(key).isEqualTo("/halo/shop/web/fence/694d");
    assertThat(key)
        .startsWith(ElectionKeys.fencePrefix(WEB))
        .startsWith(ElectionKeys.groupPrefix(WEB));
    assertThat(key).doesNotStartWith(ElectionKeys.prefix(WEB));
    assertThat(ElectionKeys.electionOfFenceKey(key)).contains(WEB);
    assertThat(ElectionKeys.electionOfFenceKey(ElectionKeys.memberKey(WEB, 1))).isEmpty();
    assertThat(ElectionKeys.electionOfMemberKey(key)).isEmpty();
    assertThat(ElectionKeys.leaseOf(key)).isEqualTo(0x694dL);
  }

  @Test
  void aGroupWhoseNameExtendsAnotherGetsNoneOfItsKeys() {
    String web2 = ElectionKeys.electionName("shop", "web-2");

    assertThat(ElectionKeys.stepDownKey(web2, 1)).doesNotStartWith(ElectionKeys.groupPrefix(WEB));
    assertThat(ElectionKeys.memberKey(web2, 1)).doesNotStartWith(ElectionKeys.groupPrefix(WEB));
  }

  @Test
  void theRouteNamesThePodAndTermAndOnlyAnotherPodsTermCountsForADrain() {
    assertThat(ElectionKeys.routedKey(WEB)).isEqualTo("/halo/shop/web/routed");
    String value = ElectionKeys.routed("web-1", 912);

    assertThat(ElectionKeys.routedTermOfAnother(value, "web-0")).isEqualTo(912);
    assertThat(ElectionKeys.routedTermOfAnother(value, "web-1")).isZero();
    assertThat(ElectionKeys.routedTermOfAnother("", "web-0")).isZero();
    assertThat(ElectionKeys.routedTermOfAnother("web-1 x", "web-0")).isZero();
  }

  @Test
  void aDrainTokenDependsOnTheGroupAndThePod() {
    String token = DrainHook.token("uid-1", "web-0");

    assertThat(token).hasSize(16).matches("[0-9a-f]+");
    assertThat(DrainHook.token("uid-1", "web-0")).isEqualTo(token);
    assertThat(DrainHook.token("uid-1", "web-1")).isNotEqualTo(token);
    assertThat(DrainHook.token("uid-2", "web-0")).isNotEqualTo(token);
    assertThat(DrainHook.path(token, 24, 1000, 0))
        .isEqualTo("/drain?token=" + token + "&timeoutSeconds=24&settleMillis=1000");
  }
}
