package dev.halo.kubectl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SwitchoverTest {
  private static final String TO = "halo.dev/switchover-to";

  private static Object group(String master, boolean annotated) {
    return Map.of(
        "metadata",
        Map.of("name", "web", "annotations", annotated ? Map.of(TO, "web-2") : Map.of()),
        "status",
        Map.of("master", master));
  }

  private static Object event(String name, String reason, String message, int count, String at) {
    return Map.of(
        "metadata", Map.of("name", name),
        "reason", reason,
        "message", message,
        "count", count,
        "lastTimestamp", at);
  }

  @Test
  void aNewMasterIsDone() {
    Switchover.Outcome o =
        Switchover.judge(group("web-2", false), "web-1", "web-2", TO, List.of(), false);

    assertThat(o.state()).isEqualTo(Switchover.State.DONE);
    assertThat(o.message()).isEqualTo("web-2 is master (was web-1)");
  }

  @Test
  void anotherNewMasterThanTheOneAskedForIsNotDone() {
    assertThat(
            Switchover.judge(group("web-0", true), "web-1", "web-2", TO, List.of(), false).state())
        .isEqualTo(Switchover.State.PENDING);
  }

  @Test
  void aRefusalEventRefusesWithItsMessage() {
    Object refused =
        event("web.1", "SwitchoverRefused", "web-2 is not Ready; pick another", 1, "t2");

    Switchover.Outcome o =
        Switchover.judge(group("web-1", false), "web-1", "web-2", TO, List.of(refused), false);

    assertThat(o.state()).isEqualTo(Switchover.State.REFUSED);
    assertThat(o.message()).endsWith("web-2 is not Ready; pick another");
  }

  @Test
  void aRemovedAnnotationWithTheSameMasterIsARefusalOnceSettled() {
    assertThat(
            Switchover.judge(group("web-1", false), "web-1", "web-2", TO, List.of(), false).state())
        .isEqualTo(Switchover.State.PENDING);
    Switchover.Outcome o =
        Switchover.judge(group("web-1", false), "web-1", "web-2", TO, List.of(), true);
    assertThat(o.state()).isEqualTo(Switchover.State.REFUSED);
    assertThat(o.message())
        .contains("removed halo.dev/switchover-to", "kubectl events --for hag/web");
  }

  @Test
  void onlyEventsNewOrRepeatedSinceTheRequestCount() {
    Object old = event("web.1", "SwitchoverRefused", "an old refusal", 1, "t1");
    Object again = event("web.1", "SwitchoverRefused", "refused again", 2, "t3");
    Object other = event("web.2", "Failover", "web-1 -> web-2", 1, "t0");
    Map<String, String> before = Switchover.snapshot(List.of(old, other));

    assertThat(Switchover.fresh(List.of(old, other), before)).isEmpty();
    assertThat(List.<Object>copyOf(Switchover.fresh(List.of(again, other), before)))
        .containsExactly(again);
    assertThat(Switchover.latest(List.of(again, other), Switchover.REFUSALS))
        .contains("refused again");
  }
}
