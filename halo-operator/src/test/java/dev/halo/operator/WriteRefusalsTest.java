package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.operator.WriteRefusals.Refusal;
import dev.halo.operator.WriteRefusals.Write;
import java.util.List;
import org.junit.jupiter.api.Test;

class WriteRefusalsTest {
  private static final WriteFailure FORBIDDEN =
      new WriteFailure(403, "Forbidden", "forbidden", List.of());

  @Test
  void aRefusalHoldsBackOnlyItsOwnGroupAndKindUntilItsBackoffHasPassed() {
    WriteRefusals r = new WriteRefusals();
    assertThat(r.mayTry("shop/web", Write.SERVICE, 0)).isTrue();

    Refusal first = r.refused("shop/web", Write.SERVICE, "create Service web", FORBIDDEN, 1_000);

    assertThat(first.delayMillis())
        .isBetween(Write.SERVICE.first.toMillis() / 2, Write.SERVICE.first.toMillis());
    assertThat(r.mayTry("shop/web", Write.SERVICE, first.retryAtMillis() - 1)).isFalse();
    assertThat(r.mayTry("shop/web", Write.SERVICE, first.retryAtMillis())).isTrue();
    assertThat(r.mayTry("shop/web", Write.ROLE_LABELS, 1_000)).isTrue();
    assertThat(r.mayTry("shop/other", Write.SERVICE, 1_000)).isTrue();
    assertThat(r.of("shop/web", Write.SERVICE)).contains(first);
    assertThat(r.nextRetryAtMillis("shop/web")).hasValue(first.retryAtMillis());
    assertThat(r.nextRetryAtMillis("shop/other")).isEmpty();
  }

  @Test
  void eachKindsDelaysGrowWithoutEverShrinkingAndStopAtItsCap() {
    for (Write write : Write.values()) {
      WriteRefusals r = new WriteRefusals();
      long previous = 0;
      long last = 0;
      for (int i = 0; i < 30; i++) {
        last = r.refused("shop/web", write, "write", FORBIDDEN, 0).delayMillis();
        // Equal jitter: never below half the delay before, so no attempt comes early.
        assertThat(last).as("%s attempt %d", write, i).isGreaterThanOrEqualTo(previous / 2);
        previous = last;
      }
      assertThat(last).as("%s", write).isBetween(write.cap.toMillis() / 2, write.cap.toMillis());
    }
  }

  @Test
  void roleLabelsAreRetriedSoonerThanTheOtherWrites() {
    assertThat(Write.ROLE_LABELS.cap).isLessThan(Write.DISRUPTION_BUDGET.cap);
    assertThat(Write.ROLE_LABELS.first).isLessThanOrEqualTo(Write.SERVICE.first);
  }

  @Test
  void anAcceptedWriteClearsItsKindsRefusalAndBackoffOnly() {
    WriteRefusals r = new WriteRefusals();
    for (int i = 0; i < 10; i++) {
      r.refused("shop/web", Write.DISRUPTION_BUDGET, "create", FORBIDDEN, 0);
    }
    r.refused("shop/web", Write.ROLE_LABELS, "label", FORBIDDEN, 0);

    assertThat(r.accepted("shop/web", Write.DISRUPTION_BUDGET)).isTrue();

    assertThat(r.of("shop/web", Write.DISRUPTION_BUDGET)).isEmpty();
    assertThat(r.accepted("shop/web", Write.DISRUPTION_BUDGET)).isFalse();
    assertThat(r.of("shop/web")).extracting(Refusal::write).containsExactly(Write.ROLE_LABELS);
    assertThat(r.refused("shop/web", Write.DISRUPTION_BUDGET, "create", FORBIDDEN, 0).delayMillis())
        .isLessThanOrEqualTo(Write.DISRUPTION_BUDGET.first.toMillis());
  }

  @Test
  void refusalsAreListedInTheOrderOfTheirKindsAndForgottenWithTheGroup() {
    WriteRefusals r = new WriteRefusals();
    r.refused("shop/web", Write.STATUS, "status", FORBIDDEN, 0);
    r.refused("shop/web", Write.SERVICE, "service", FORBIDDEN, 0);
    r.refused("shop/web", Write.ROLE_LABELS, "label", FORBIDDEN, 0);
    r.refused("shop/db", Write.SERVICE, "service", FORBIDDEN, 0);

    assertThat(r.of("shop/web"))
        .extracting(Refusal::write)
        .containsExactly(Write.ROLE_LABELS, Write.SERVICE, Write.STATUS);

    r.forget("shop/web");
    assertThat(r.of("shop/web")).isEmpty();
    assertThat(r.of("shop/db")).hasSize(1);
  }
}
