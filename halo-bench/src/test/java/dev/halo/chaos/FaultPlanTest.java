package dev.halo.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class FaultPlanTest {
  @Test
  void theSameSeedGivesTheSamePlanAndEveryKindComes() {
    FaultPlan a = FaultPlan.of(7, 200, 3, 200, 1200);
    FaultPlan b = FaultPlan.of(7, 200, 3, 200, 1200);
    FaultPlan c = FaultPlan.of(8, 200, 3, 200, 1200);
    assertThat(a).isEqualTo(b);
    assertThat(a.faults()).isNotEqualTo(c.faults());
    assertThat(a.faults()).hasSize(200);
    Set<FaultKind> kinds =
        a.faults().stream().map(FaultPlan.Fault::kind).collect(Collectors.toSet());
    assertThat(kinds).containsExactlyInAnyOrder(FaultKind.values());
    assertThat(a.faults()).allSatisfy(f -> assertThat(f.pauseMs()).isBetween(200L, 1200L));
    assertThat(a.faults()).allSatisfy(f -> assertThat(f.group()).isBetween(0, 2));
  }
}
