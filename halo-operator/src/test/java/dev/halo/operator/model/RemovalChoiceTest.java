package dev.halo.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.RemovalPath;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The path choice of docs/fencing.md, on its own. */
class RemovalChoiceTest {
  private static final Candidate OLDER = new Candidate("/e/100", "web-0", 10, 0x100);
  private static final Candidate KEY = new Candidate("/e/101", "web-1", 11, 0x101);
  private static final Candidate YOUNGER = new Candidate("/e/102", "web-2", 12, 0x102);

  @Test
  void aCertainlyDeadHolderGoesAtOnceWhateverItLed() {
    assertThat(RemovalChoice.of(KEY, true, Optional.of(KEY))).isEqualTo(RemovalPath.IMMEDIATE);
    assertThat(RemovalChoice.of(KEY, true, Optional.empty())).isEqualTo(RemovalPath.IMMEDIATE);
  }

  @Test
  void aKeyBehindAnOlderLeaderNeverLedWhileThatLeaderLives() {
    assertThat(RemovalChoice.of(KEY, false, Optional.of(OLDER)))
        .isEqualTo(RemovalPath.NEVER_LEADER);
    assertThat(RemovalChoice.witness(KEY, Optional.of(OLDER))).contains(OLDER);
  }

  @Test
  void theLeaderItselfIsFenced() {
    assertThat(RemovalChoice.of(KEY, false, Optional.of(KEY))).isEqualTo(RemovalPath.FENCED);
    assertThat(RemovalChoice.witness(KEY, Optional.of(KEY))).isEmpty();
  }

  @Test
  void aKeyOlderThanTheLeaderTheViewShowsIsFenced() {
    // A view behind etcd: it cannot prove anything about an older key.
    assertThat(RemovalChoice.of(KEY, false, Optional.of(YOUNGER))).isEqualTo(RemovalPath.FENCED);
  }

  @Test
  void withoutAnyLeaderInViewTheKeyIsFenced() {
    assertThat(RemovalChoice.of(KEY, false, Optional.empty())).isEqualTo(RemovalPath.FENCED);
  }
}
