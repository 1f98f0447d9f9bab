package dev.halo.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RoleStateTest {
  private final AtomicLong now = new AtomicLong(1_000);
  private final RoleState state = new RoleState(now::get);
  private final List<RoleState.Transition> transitions = new ArrayList<>();

  RoleStateTest() {
    state.onTransition(transitions::add);
  }

  private static long seconds(long s) {
    return TimeUnit.SECONDS.toNanos(s);
  }

  @Test
  void cannotBecomeMasterWithoutADeadline() {
    assertThat(state.promote(state.epoch(), "elected", "m", 1)).isFalse();
    assertThat(state.role()).isEqualTo(Role.STANDBY);
  }

  @Test
  void isMasterOnlyBeforeTheDeadline() {
    state.extendDeadline(now.get() + seconds(4));
    assertThat(state.promote(state.epoch(), "elected", "m", 1)).isTrue();
    assertThat(state.role()).isEqualTo(Role.MASTER);

    now.addAndGet(seconds(4));

    assertThat(state.masterPastDeadline()).isTrue();
    assertThat(state.role()).as("a paused process reads the clock first").isEqualTo(Role.STANDBY);
    assertThat(state.holdsMaster()).as("the first to see the deadline passed demotes").isFalse();
    assertThat(transitions)
        .extracting(RoleState.Transition::reason)
        .containsExactly("elected", "deadline-passed");
  }

  @Test
  void aRenewalConfirmedAfterTheDeadlineDemotesInsteadOfReviving() {
    long deadline = now.get() + seconds(4);
    state.extendDeadline(deadline);
    state.promote(state.epoch(), "elected", "m", 1);
    long epoch = state.epoch();
    now.addAndGet(seconds(5));

    state.extendDeadline(now.get() + seconds(3));

    assertThat(state.role()).isEqualTo(Role.STANDBY);
    assertThat(state.nanosLeft()).as("the lease itself is fine").isEqualTo(seconds(3));
    assertThat(state.promote(epoch, "elected", "m", 1)).as("a read from before").isFalse();
    RoleState.Transition demotion = transitions.get(1);
    assertThat(demotion.reason()).isEqualTo("deadline-passed");
    assertThat(demotion.deadlineNanos()).isEqualTo(deadline);
    assertThat(demotion.atNanos()).isEqualTo(deadline + seconds(1));
  }

  @Test
  void theExpiryHandlerNamesTheReasonAndHearsOfEachExpiryOnce() {
    List<String> expired = new ArrayList<>();
    state.onExpiry(
        new RoleState.ExpiryHandler() {
          @Override
          public String reason(long nowNanos) {
            return "etcd-unreachable";
          }

          @Override
          public void expired(RoleState.Transition demotion) {
            expired.add(demotion.reason());
          }
        });
    state.extendDeadline(now.get() + seconds(4));
    state.promote(state.epoch(), "elected", "m", 1);
    now.addAndGet(seconds(4));

    assertThat(state.expire()).isTrue();
    assertThat(state.expire()).isFalse();
    assertThat(state.role()).isEqualTo(Role.STANDBY);
    assertThat(expired).containsExactly("etcd-unreachable");
  }

  @Test
  void roleAndDeadlineAreOneSnapshot() {
    state.extendDeadline(now.get() + seconds(4));
    state.promote(state.epoch(), "elected", "m", 42);

    RoleState.Snapshot s = state.snapshot();

    assertThat(s.master()).isTrue();
    assertThat(s.term()).isEqualTo(42);
    assertThat(s.masterAt(now.get() + seconds(4) - 1)).isTrue();
    assertThat(s.masterAt(now.get() + seconds(4))).isFalse();
    state.demote("superseded", "other", 50);
    assertThat(state.snapshot().term()).isZero();
    assertThat(state.snapshot().epoch()).isGreaterThan(s.epoch());
  }

  @Test
  void resigningFencesReadsEvenAsStandby() {
    state.extendDeadline(now.get() + seconds(4));
    long epoch = state.epoch();

    state.resign("shutdown", "", 0);

    assertThat(state.promote(epoch, "elected", "m", 1)).isFalse();
    assertThat(transitions).isEmpty();
  }

  @Test
  void aReadStartedBeforeADemotionCannotPromote() {
    state.extendDeadline(now.get() + seconds(4));
    state.promote(state.epoch(), "elected", "m", 1);
    long epoch = state.epoch();
    state.demote("superseded", "other", 2);

    assertThat(state.promote(epoch, "elected", "m", 1)).isFalse();
    assertThat(state.promote(state.epoch(), "elected", "m", 1)).isTrue();
  }

  @Test
  void aLeaseChangeFencesReadsAndDemotes() {
    state.extendDeadline(now.get() + seconds(4));
    state.promote(state.epoch(), "elected", "m", 1);
    long epoch = state.epoch();

    state.invalidateLease("lease-lost");

    assertThat(state.role()).isEqualTo(Role.STANDBY);
    assertThat(state.nanosLeft()).isNegative();
    state.extendDeadline(now.get() + seconds(4));
    assertThat(state.promote(epoch, "elected", "m", 1)).isFalse();
    assertThat(transitions)
        .extracting(RoleState.Transition::reason)
        .containsExactly("elected", "lease-lost");
  }

  @Test
  void deadlineOnlyMovesForward() {
    state.extendDeadline(now.get() + seconds(4));
    state.extendDeadline(now.get() + seconds(2));
    assertThat(state.nanosLeft()).isEqualTo(seconds(4));
  }

  @Test
  void demotionIsPublishedOnceWithItsReason() {
    long deadline = now.get() + seconds(4);
    state.extendDeadline(deadline);
    state.promote(state.epoch(), "elected", "m", 7);
    now.addAndGet(seconds(1));
    state.demote("unhealthy", "other", 9);
    state.demote("unhealthy", "other", 9);

    assertThat(transitions)
        .containsExactly(
            new RoleState.Transition(Role.STANDBY, Role.MASTER, "elected", "m", 7, 1_000, deadline),
            new RoleState.Transition(
                Role.MASTER, Role.STANDBY, "unhealthy", "other", 9, 1_000 + seconds(1), deadline));
  }

  @Test
  void theJournalSeesAPromotionBeforeItIsVisibleAndADemotionAfter() {
    List<Role> seenByJournal = new ArrayList<>();
    state.journal(t -> seenByJournal.add(state.role()));
    state.extendDeadline(now.get() + seconds(4));
    state.promote(state.epoch(), "elected", "m", 7);
    state.demote("unhealthy", "other", 9);

    assertThat(seenByJournal).containsExactly(Role.STANDBY, Role.STANDBY);
  }

  @Test
  void aLeaseLossRecordsTheDeadlineItEnded() {
    long deadline = now.get() + seconds(4);
    state.extendDeadline(deadline);
    state.promote(state.epoch(), "elected", "m", 7);
    state.invalidateLease("lease-lost");

    assertThat(transitions.get(1).deadlineNanos()).isEqualTo(deadline);
  }
}
