package dev.halo.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.agent.ElectionClient.Candidate;
import dev.halo.agent.ElectionClient.Fence;
import dev.halo.agent.ElectionClient.LeaderView;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class FenceGateTest {
  private static final long MY_REVISION = 200;
  private static final Candidate ME = new Candidate("/halo/t/g/election/2", "g-1", MY_REVISION, 2);
  private static final Fence OLDER =
      new Fence("/halo/t/g/fence/1", 0x694dL, MY_REVISION - 50, "g-0");
  private final FenceGate gate = new FenceGate();

  private static LeaderView view(Fence... fences) {
    return new LeaderView(Optional.of(ME), 300, List.of(fences));
  }

  @Test
  void aFenceOfAnOlderKeyHoldsTheLeaderBack() {
    assertThat(gate.check(view(OLDER), MY_REVISION)).contains(OLDER);
    assertThat(gate.fencedBy()).isEqualTo("g-0 (lease 694d)");
  }

  @Test
  void aFenceOfAYoungerKeyDoesNot() {
    Fence younger = new Fence("/halo/t/g/fence/3", 3, MY_REVISION + 1, "g-2");

    assertThat(gate.check(view(younger), MY_REVISION)).isEmpty();
    assertThat(gate.fencedBy()).isEmpty();
  }

  @Test
  void anUnreadableFenceHoldsBackEveryKey() {
    Fence unreadable = new Fence("/halo/t/g/fence/9", 9, 0);

    assertThat(gate.check(view(unreadable), MY_REVISION)).contains(unreadable);
    assertThat(gate.fencedBy()).isEqualTo("unknown pod (lease 9)");
  }

  @Test
  void theLeaderIsFreeOnceTheFenceIsGone() {
    gate.check(view(OLDER), MY_REVISION);

    assertThat(gate.check(view(), MY_REVISION)).isEmpty();
    assertThat(gate.fencedBy()).isEmpty();
  }

  @Test
  void whileHeldBackItReadsAgainSoonButNeverInALoop() {
    gate.check(view(OLDER), MY_REVISION);

    List<Long> waits = IntStream.range(0, 10).mapToObj(i -> gate.nextCheckMillis()).toList();

    assertThat(waits).allMatch(w -> w >= 50 && w <= 500);
    assertThat(waits.get(9)).isGreaterThanOrEqualTo(250);
  }
}
