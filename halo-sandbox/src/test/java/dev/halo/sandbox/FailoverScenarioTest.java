package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FailoverScenarioTest {
  private static SteadyClient.Reply ok(long ms, String pod) {
    return new SteadyClient.Reply(ms * 1_000_000, Optional.of(pod));
  }

  private static SteadyClient.Reply failed(long ms) {
    return new SteadyClient.Reply(ms * 1_000_000, Optional.empty());
  }

  @Test
  void measuresFromTheLastReplyOfTheOldMasterToTheFirstOfTheNew() {
    List<SteadyClient.Reply> replies =
        List.of(ok(0, "web-0"), ok(20, "web-0"), failed(40), failed(60), ok(85, "web-1"));

    FailoverScenario.Handover h = FailoverScenario.measure("crash", replies, 30_000_000, "web-0");

    assertThat(h).isEqualTo(new FailoverScenario.Handover("crash", "web-0", "web-1", 65, 2));
  }

  @Test
  void repliesOfTheOldMasterAfterTheFaultStillCount() {
    List<SteadyClient.Reply> replies =
        List.of(ok(0, "web-0"), ok(40, "web-0"), failed(60), ok(70, "web-2"));

    FailoverScenario.Handover h = FailoverScenario.measure("delete", replies, 10_000_000, "web-0");

    assertThat(h.gapMs()).isEqualTo(30);
    assertThat(h.failedRequests()).isEqualTo(1);
    assertThat(h.to()).isEqualTo("web-2");
  }

  @Test
  void failsWhenNoOtherPodAnswered() {
    List<SteadyClient.Reply> replies = List.of(ok(0, "web-0"), failed(20));

    assertThatThrownBy(() -> FailoverScenario.measure("crash", replies, 10_000_000, "web-0"))
        .hasMessageContaining("no pod other than web-0");
  }
}
