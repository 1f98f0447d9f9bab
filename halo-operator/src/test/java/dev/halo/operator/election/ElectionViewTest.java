package dev.halo.operator.election;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
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
  void aDepartureOfASameNamedPodOnAnotherSiteIsNotThisSitesPods() {
    KeyDeparture local =
        new KeyDeparture("web-0", 0xa, 20, 1_000, true, KeyDeparture.How.WITH_LEASE, "", "paris");
    KeyDeparture remote =
        new KeyDeparture(
            "web-0", 0xb, 30, 2_000, true, KeyDeparture.How.MARKED, "resigned", "lyon");
    ElectionView view =
        new ElectionView(ELECTION, true, List.of(), 30, "")
            .withHistory(List.of(local, remote), Optional.empty());

    assertThat(view.lastLeaderDeparture("web-0", "paris")).contains(local);
    assertThat(view.lastRemoteLeaderDeparture("lyon", "web-0")).contains(remote);
    assertThat(view.lastRemoteLeaderDeparture("nice", "web-0")).isEmpty();
  }

  @Test
  void onOneSiteADepartureIsFoundByItsPodName() {
    KeyDeparture d = new KeyDeparture("web-0", 0xa, 20, 1_000, true, KeyDeparture.How.DELETED, "");
    ElectionView view =
        new ElectionView(ELECTION, true, List.of(), 20, "")
            .withHistory(List.of(d), Optional.empty());

    assertThat(view.lastLeaderDeparture("web-0", "")).contains(d);
  }

  @Test
  void aReadViewIsAVerdict() {
    assertThat(new ElectionView(ELECTION, true, List.of(), 7, "").known()).isTrue();
  }
}
