package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CreateRefusalsTest {
  @Test
  void aRefusalHoldsCreatesBackUntilItsBackoffHasPassed() {
    CreateRefusals r = new CreateRefusals();
    assertThat(r.mayCreate("shop/web", 0)).isTrue();

    CreateRefusals.Refusal first = r.refused("shop/web", "web-0", 403, "forbidden", 1_000);
    assertThat(first.delayMillis())
        .isBetween(CreateRefusals.FIRST.toMillis() / 2, CreateRefusals.FIRST.toMillis());
    assertThat(r.mayCreate("shop/web", first.retryAtMillis() - 1)).isFalse();
    assertThat(r.mayCreate("shop/web", first.retryAtMillis())).isTrue();
    assertThat(r.mayCreate("shop/other", 1_000)).isTrue();
    assertThat(r.of("shop/web")).contains(first);
  }

  @Test
  void delaysGrowAndStopAtTheCap() {
    CreateRefusals r = new CreateRefusals();
    long last = 0;
    for (int i = 0; i < 20; i++) {
      last = r.refused("shop/web", "web-0", 403, "forbidden", 0).delayMillis();
    }
    assertThat(last).isBetween(CreateRefusals.CAP.toMillis() / 2, CreateRefusals.CAP.toMillis());
  }

  @Test
  void aSuccessfulCreateClearsTheRefusalAndItsBackoff() {
    CreateRefusals r = new CreateRefusals();
    for (int i = 0; i < 10; i++) {
      r.refused("shop/web", "web-0", 403, "forbidden", 0);
    }
    assertThat(r.created("shop/web")).isTrue();
    assertThat(r.of("shop/web")).isEmpty();
    assertThat(r.created("shop/web")).isFalse();
    assertThat(r.refused("shop/web", "web-0", 403, "forbidden", 0).delayMillis())
        .isLessThanOrEqualTo(CreateRefusals.FIRST.toMillis());
  }
}
