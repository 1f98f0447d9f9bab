package dev.halo.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FenceValueTest {
  private static final FenceValue REVOKING =
      new FenceValue(
          0x694d8c5e2a1b0f07L,
          1234,
          "web-0",
          "uid-web-0",
          "uid-group",
          "podDeleted",
          3,
          FenceValue.FENCED,
          FenceValue.REVOKING);

  @Test
  void readsBackWhatItWrites() {
    assertThat(FenceValue.decode(REVOKING.encode())).contains(REVOKING);
    assertThat(FenceValue.decode(REVOKING.in(FenceValue.ARMED).encode()))
        .hasValueSatisfying(f -> assertThat(f.armed()).isTrue());
  }

  @Test
  void isFlatJsonThatEtcdctlShowsReadably() {
    assertThat(REVOKING.encode())
        .isEqualTo(
            "{\"fencedLease\":\"694d8c5e2a1b0f07\",\"fencedCreateRevision\":1234,"
                + "\"member\":\"web-0\",\"podUID\":\"uid-web-0\",\"groupUID\":\"uid-group\","
                + "\"reason\":\"podDeleted\",\"ttlSeconds\":3,\"path\":\"fenced\","
                + "\"state\":\"revoking\"}");
  }

  @Test
  void aLeaseIdWithTheHighBitSetSurvives() {
    FenceValue high =
        new FenceValue(0xf000000000000001L, 7, "web-1", "", "", "", 5, null, FenceValue.ARMED);

    assertThat(FenceValue.decode(high.encode()).map(FenceValue::fencedLease))
        .contains(0xf000000000000001L);
  }

  @Test
  void holdsBackOnlyKeysYoungerThanTheFencedOne() {
    assertThat(REVOKING.holdsBack(1235)).isTrue();
    assertThat(REVOKING.holdsBack(1234)).as("the fenced key itself").isFalse();
    assertThat(REVOKING.holdsBack(1000)).as("a key that was there before it").isFalse();
  }

  @Test
  void anythingElseIsNotAFence() {
    assertThat(FenceValue.decode("web-0")).isEmpty();
    assertThat(FenceValue.decode("{\"pod\":\"web-0\"}")).isEmpty();
    assertThat(FenceValue.decode("{\"fencedLease\":\"zz\",\"fencedCreateRevision\":1}")).isEmpty();
    assertThat(FenceValue.decode("{\"fencedLease\":\"1\",\"fencedCreateRevision\":1}"))
        .as("no state")
        .isEmpty();
    assertThat(FenceValue.decode(null)).isEmpty();
  }

  @Test
  void quotesInNamesCannotBreakTheValue() {
    FenceValue odd =
        new FenceValue(1, 2, "we\"b", "", "", "a\\b", 3, FenceValue.NEVER_LEADER, FenceValue.ARMED);

    assertThat(FenceValue.decode(odd.encode()))
        .hasValueSatisfying(
            f -> {
              assertThat(f.member()).isEqualTo("web");
              assertThat(f.reason()).isEqualTo("ab");
              assertThat(f.neverLeader()).isTrue();
            });
  }
}
