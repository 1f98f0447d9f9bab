package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A reconcile overtaken by an election change leaves the status to the next, once in a row. */
class StatusDeferralsTest {
  private final StatusDeferrals deferrals = new StatusDeferrals();

  @Test
  void theStatusIsWrittenWhenTheElectionDidNotMoveOn() {
    assertThat(deferrals.defer("shop/web", false)).isFalse();
  }

  @Test
  void anElectionThatKeepsChangingGetsItsStatusEverySecondReconcile() {
    assertThat(deferrals.defer("shop/web", true)).isTrue();
    assertThat(deferrals.defer("shop/web", true)).isFalse();
    assertThat(deferrals.defer("shop/web", true)).isTrue();
    assertThat(deferrals.defer("shop/db", true)).isTrue();
  }

  @Test
  void aWrittenStatusStartsOver() {
    assertThat(deferrals.defer("shop/web", true)).isTrue();
    assertThat(deferrals.defer("shop/web", false)).isFalse();
    assertThat(deferrals.defer("shop/web", true)).isTrue();
  }
}
