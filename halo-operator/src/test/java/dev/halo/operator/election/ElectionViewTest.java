package dev.halo.operator.election;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ElectionViewTest {
  private static final String ELECTION = "/halo/shop/web/election";

  @Test
  void aViewNotKnownYetIsNeitherReachableNorAVerdict() {
    ElectionView view = ElectionView.notKnownYet(ELECTION, "waiting for the first read");

    assertThat(view.known()).isFalse();
    assertThat(view.reachable()).isFalse();
    assertThat(view.leader()).isEmpty();
    assertThat(view.error()).isEqualTo("waiting for the first read");
  }

  @Test
  void anUnreachableViewIsAVerdict() {
    ElectionView view = ElectionView.unreachable(ELECTION, "connection refused");

    assertThat(view.known()).isTrue();
    assertThat(view.reachable()).isFalse();
  }

  @Test
  void aReadViewIsAVerdict() {
    assertThat(new ElectionView(ELECTION, true, List.of(), 7, "").known()).isTrue();
  }
}
