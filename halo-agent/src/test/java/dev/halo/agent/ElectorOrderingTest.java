package dev.halo.agent;

import static dev.halo.agent.ElectorRig.LEASE;
import static dev.halo.agent.ElectorRig.PREFIX;
import static dev.halo.agent.ElectorRig.deleted;
import static dev.halo.agent.ElectorRig.keyOf;
import static dev.halo.agent.ElectorRig.me;
import static dev.halo.agent.ElectorRig.other;
import static dev.halo.agent.ElectorRig.put;
import static dev.halo.agent.ElectorRig.stepDownKey;
import static dev.halo.agent.ScriptedElectionClient.next;
import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.agent.ElectionClient.Lease;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The elector driven step by step (see {@link ElectorRig}): every ordering of renewal answers,
 * watch events, deadlines, health changes and shutdown that matters, each checked against the role
 * history the agent published. The lease is granted at time 0 with TTL 5 s, so the first deadline
 * is at 4 s (TTL − 1 s margin); a master renews every 500 ms.
 */
class ElectorOrderingTest {
  private final ElectorRig rig = new ElectorRig();

  private long deadline() {
    return rig.roleState.snapshot().deadlineNanos();
  }

  @Test
  void aRenewalAnsweredAfterTheDeadlineDoesNotMakeTheAgentMasterAgainWithoutANewLeaderRead() {
    rig.becomeMaster();
    rig.renewalConfirmed(); // sent at the promotion: the deadline stays grant + TTL - margin
    long deadline = deadline();
    // etcd goes silent: the renewals sent every 500 ms get no answer; the watchdog is starved.
    rig.advance(Duration.ofMillis(4_001));
    int expiredAt = rig.timeline.size();

    // The renewal sent at +500 ms is answered now: its deadline (+4.5 s) lies in the future.
    rig.renewalConfirmed();

    assertThat(rig.roleState.role())
        .as("a late renewal must not revive a master whose deadline passed")
        .isEqualTo(Role.STANDBY);
    assertThat(rig.roles()).containsExactly("master elected", "standby deadline-passed");
    assertThat(rig.history.get(1).deadlineNanos()).isEqualTo(deadline);
    // It re-confirms everything from etcd and becomes master again only after a new read.
    rig.latestRenewalConfirmed(); // the rejoin re-attaches its lease
    next(rig.etcd.campaigns).answer(10L);
    rig.run();
    int readAt = rig.indexOf("read leader", expiredAt);
    assertThat(readAt).isPositive();
    assertThat(rig.roleState.role()).isEqualTo(Role.STANDBY);
    rig.leaderIs(me(10), 30);
    assertThat(rig.roles())
        .containsExactly("master elected", "standby deadline-passed", "master elected");
    assertThat(rig.indexOf("role master elected", expiredAt)).isGreaterThan(readAt);
  }

  @Test
  void aRenewalAnsweredAfterRoleSaidStandbyKeepsItStandby() {
    rig.becomeMaster();
    rig.renewalConfirmed();
    rig.advance(Duration.ofMillis(4_001));

    assertThat(rig.roleState.role()).isEqualTo(Role.STANDBY); // a /role request notices first
    rig.renewalConfirmed();

    assertThat(rig.roleState.role()).isEqualTo(Role.STANDBY);
    assertThat(rig.roles()).containsExactly("master elected", "standby deadline-passed");
  }

  @Test
  void aLeaderReadInFlightWhenALateRenewalDemotesCannotPromote() {
    rig.becomeMaster();
    rig.renewalConfirmed();
    rig.etcd.watchOf(PREFIX).deliver(put(keyOf(0x3c))); // a standby joins: read the leader
    rig.run();
    CompletableFuture<ElectionClient.LeaderView> read = next(rig.etcd.leaderReads).future();
    rig.advance(Duration.ofMillis(4_001));

    // The late renewal is handled first and demotes; the read, taken before, says "you lead".
    ScriptedElectionClient.Call<Lease> renewal = next(rig.etcd.keepAlives);
    renewal.answer(new Lease(LEASE, ElectorRig.TTL));
    read.complete(new ElectionClient.LeaderView(me(10), 20));
    rig.run();

    assertThat(rig.roleState.role()).isEqualTo(Role.STANDBY);
    assertThat(rig.roles()).containsExactly("master elected", "standby deadline-passed");
  }

  @Test
  void aLeaderReadInFlightWhileTheAgentIsDemotedIsFencedByTheEpoch() {
    rig.becomeMaster();
    rig.renewalConfirmed();
    rig.etcd.watchOf(PREFIX).deliver(put(keyOf(0x3c)));
    rig.run();
    rig.etcd.watchOf(PREFIX).deliver(deleted(keyOf(0x3c)));
    rig.run();
    ScriptedElectionClient.Call<ElectionClient.LeaderView> older = next(rig.etcd.leaderReads);

    rig.leaderIs(other(), 20); // the newer read is answered first: another agent leads
    older.answer(new ElectionClient.LeaderView(me(10), 21)); // started before that demotion
    rig.run();

    assertThat(rig.roleState.role()).isEqualTo(Role.STANDBY);
    assertThat(rig.roles()).containsExactly("master elected", "standby superseded");
    // The refused promotion is checked again with a read started after the demotion.
    int refusedAt = rig.timeline.size();
    rig.advance(Duration.ofSeconds(1));
    assertThat(rig.indexOf("read leader", refusedAt)).isPositive();
    rig.leaderIs(me(10), 22);
    assertThat(rig.roles())
        .containsExactly("master elected", "standby superseded", "master elected");
  }

  @Test
  void aDeadlinePassingWithEtcdSilentDemotesExactlyAtTheDeadline() {
    rig.becomeMaster();
    rig.renewalConfirmed();
    long deadline = deadline();
    // Woken by the promotion, the watchdog sleeps until the deadline.
    assertThat(rig.watchdog.checkOnce()).isEqualTo(deadline - rig.clock.nanoTime());
    rig.advance(Duration.ofNanos(deadline - rig.clock.nanoTime() - 1));
    assertThat(rig.roleState.role()).isEqualTo(Role.MASTER);

    rig.advance(Duration.ofNanos(1));
    rig.watchdogWakes();

    assertThat(rig.roleState.role()).isEqualTo(Role.STANDBY);
    assertThat(rig.roles()).containsExactly("master elected", "standby etcd-unreachable");
    assertThat(rig.history.get(1).atNanos()).isEqualTo(deadline);
    assertThat(rig.history.get(1).deadlineNanos()).isEqualTo(deadline);
    // The elector starts over: it re-attaches its lease before anything else.
    int expiredAt = rig.timeline.size();
    rig.run();
    assertThat(rig.indexOf("keepalive", expiredAt)).isPositive();
  }

  @Test
  void aProcessPausedPastItsDeadlineSaysSoAndStandsByAtOnce() {
    rig.becomeMaster();
    rig.renewalConfirmed();
    rig.watchdogWakes();
    long deadline = deadline();
    rig.clock.advanceTo(deadline + Duration.ofSeconds(10).toNanos()); // SIGSTOP, then SIGCONT

    assertThat(rig.roleState.role()).isEqualTo(Role.STANDBY);
    assertThat(rig.roles()).containsExactly("master elected", "standby deadline-passed");
    assertThat(rig.history.get(1).deadlineNanos()).isEqualTo(deadline);
  }

  @Test
  void aWatchDeleteOfTheOwnKeyBeforeARenewalAnswerDemotesForGood() {
    rig.becomeMaster();
    rig.renewalConfirmed();
    rig.advance(Duration.ofMillis(500)); // a renewal is in flight

    rig.etcd.watchOf(PREFIX).deliver(deleted(keyOf(LEASE)));
    rig.run();
    rig.renewalConfirmed(); // the renewal sent before the delete

    assertThat(rig.roleState.role()).isEqualTo(Role.STANDBY);
    assertThat(rig.roles()).containsExactly("master elected", "standby lease-lost");
    // It re-attaches its lease and campaigns anew: a new key, a higher term.
    rig.latestRenewalConfirmed();
    next(rig.etcd.campaigns).answer(50L);
    rig.run();
    rig.leaderIs(me(50), 51);
    assertThat(rig.roles())
        .containsExactly("master elected", "standby lease-lost", "master elected");
    assertThat(rig.history.get(2).revision()).isEqualTo(50);
  }

  @Test
  void aRenewalAnswerBeforeAWatchDeleteOfTheOwnKeyDoesNotDelayTheDemotion() {
    rig.becomeMaster();
    rig.renewalConfirmed();
    rig.advance(Duration.ofMillis(500));
    rig.renewalConfirmed();

    rig.etcd.watchOf(PREFIX).deliver(deleted(keyOf(LEASE)));
    rig.run();

    assertThat(rig.roleState.role()).isEqualTo(Role.STANDBY);
    assertThat(rig.roles()).containsExactly("master elected", "standby lease-lost");
  }

  @Test
  void anUnhealthyMasterDemotesBeforeItDeletesItsKeyAndRevokesItsLease() {
    rig.becomeMaster();
    rig.renewalConfirmed();

    rig.elector.withdraw("unhealthy");

    assertThat(rig.roleState.role()).as("at once, on the probe's thread").isEqualTo(Role.STANDBY);
    rig.run();
    next(rig.etcd.leaves).answer(null);
    rig.run();
    next(rig.etcd.revokes).answer(null);
    rig.run();
    assertThat(rig.roles()).containsExactly("master elected", "standby unhealthy");
    int demoted = rig.indexOf("role standby unhealthy", 0);
    int left = rig.indexOf("leave " + keyOf(LEASE), demoted);
    assertThat(left).isGreaterThan(demoted);
    assertThat(rig.indexOf("revoke 1f", left)).isGreaterThan(left);
    assertThat(rig.elector.phase()).isEqualTo(Elector.Phase.IDLE);
  }

  @Test
  void aShutdownWhileMasterDemotesFirstThenLeaves() {
    rig.becomeMaster();
    rig.renewalConfirmed();

    CompletableFuture<Void> done = rig.elector.withdraw("shutdown");

    assertThat(rig.roleState.role()).isEqualTo(Role.STANDBY);
    rig.run();
    next(rig.etcd.leaves).answer(null);
    rig.run();
    assertThat(done).isNotDone(); // the revoke is still to be confirmed
    next(rig.etcd.revokes).answer(null);
    rig.run();
    assertThat(done).isCompleted();
    int demoted = rig.indexOf("role standby shutdown", 0);
    assertThat(rig.indexOf("leave " + keyOf(LEASE), demoted)).isGreaterThan(demoted);
    assertThat(rig.roles()).containsExactly("master elected", "standby shutdown");
    assertThat(rig.elector.phase()).isEqualTo(Elector.Phase.STOPPED);
  }

  @Test
  void aShutdownWhileALeaderReadIsInFlightNeverPromotes() {
    rig.joinWithLease();
    // The read that would elect this agent is answered, but SIGTERM is handled before its answer.
    next(rig.etcd.leaderReads).answer(new ElectionClient.LeaderView(me(10), 11));

    rig.elector.withdraw("shutdown");
    rig.run();

    assertThat(rig.history).as("never master on the way out").isEmpty();
    assertThat(rig.roleState.role()).isEqualTo(Role.STANDBY);
    assertThat(rig.etcd.leaves).hasSize(1);
    assertThat(rig.elector.phase()).isEqualTo(Elector.Phase.STOPPED);
  }

  @Test
  void aStepDownRequestDuringARenewalIsNotUndoneByTheRenewalsAnswer() {
    rig.becomeMaster();
    rig.renewalConfirmed();
    rig.advance(Duration.ofMillis(500)); // a renewal is in flight

    rig.etcd.watchOf(stepDownKey(LEASE)).deliver(put(stepDownKey(LEASE)));
    rig.run();
    rig.renewalConfirmed(); // answered after the step-down began

    assertThat(rig.roleState.role()).isEqualTo(Role.STANDBY);
    assertThat(rig.roleState.nanosLeft()).as("the renewal of a lease given up").isNegative();
    next(rig.etcd.leaves).answer(null);
    rig.run();
    next(rig.etcd.revokes).answer(null);
    rig.run();
    // Back of the queue with a new lease; another agent leads now.
    next(rig.etcd.grants).answer(new Lease(0x4a, ElectorRig.TTL));
    rig.run();
    next(rig.etcd.campaigns).answer(60L);
    rig.run();
    rig.leaderIs(other(), 61);
    assertThat(rig.roles()).containsExactly("master elected", "standby step-down");
    int demoted = rig.indexOf("role standby step-down", 0);
    int revoked = rig.indexOf("revoke 1f", demoted);
    assertThat(revoked).isGreaterThan(demoted);
    assertThat(rig.indexOf("grant", revoked)).isGreaterThan(revoked);
  }

  /** Becomes master, is asked to step down, leaves its key and revokes its lease. */
  private void masterStepsDownWhenAsked() {
    rig.becomeMaster();
    rig.renewalConfirmed();

    rig.etcd.watchOf(stepDownKey(LEASE)).deliver(put(stepDownKey(LEASE)));
    rig.run();
    next(rig.etcd.leaves).answer(null);
    rig.run();
    next(rig.etcd.revokes).answer(null);
    rig.run();
  }

  @Test
  void aMasterHeldWhenItStepsDownStaysOutOfTheQueueUntilLetIn() {
    CompletableFuture<Boolean> letIn = new CompletableFuture<>();
    rig.elector.mayRejoinAfterStepDown(() -> letIn);
    masterStepsDownWhenAsked();
    assertThat(rig.etcd.grants).as("no new lease before the holds were read again").isEmpty();

    letIn.complete(false); // the hold came with the request
    rig.run();
    assertThat(rig.etcd.grants).isEmpty();
    assertThat(rig.elector.phase()).isEqualTo(Elector.Phase.IDLE);
    assertThat(rig.roleState.role()).isEqualTo(Role.STANDBY);

    rig.elector.join("member-let-in"); // the hold went
    rig.run();
    assertThat(rig.etcd.grants).hasSize(1);
    assertThat(rig.elector.phase()).isEqualTo(Elector.Phase.JOINING);
  }

  @Test
  void aMasterNotHeldWhenItStepsDownRejoinsAtTheBack() {
    rig.elector.mayRejoinAfterStepDown(() -> CompletableFuture.completedFuture(true));
    masterStepsDownWhenAsked();

    assertThat(rig.etcd.grants).hasSize(1);
    assertThat(rig.elector.phase()).isEqualTo(Elector.Phase.JOINING);
  }

  @Test
  void aWatchThatEndsWhileAReadIsInFlightIsReWatchedOnceAndTheReadStillCounts() {
    rig.becomeMaster();
    rig.renewalConfirmed();
    rig.etcd.watchOf(PREFIX).deliver(put(keyOf(0x3c)));
    rig.run();

    rig.etcd.watchOf(PREFIX).end("etcdserver: no leader");
    rig.run();
    rig.leaderIs(other(), 20); // the read from before the end: another agent leads

    assertThat(rig.roles()).containsExactly("master elected", "standby superseded");
    assertThat(rig.etcd.openWatches()).isZero();
    rig.advance(Duration.ofMillis(200)); // the re-watch backs off at most 100 ms the first time
    rig.leaderIs(me(10), 22);
    rig.noStepDownRequest();
    assertThat(rig.etcd.openWatches()).as("one pair, not two chains").isEqualTo(2);
    assertThat(rig.roles())
        .containsExactly("master elected", "standby superseded", "master elected");
  }

  @Test
  void aStaleReadAnsweredAfterANewerOneChangesNothing() {
    rig.joinWithLease();
    rig.leaderIs(other(), 11);
    rig.noStepDownRequest();
    rig.etcd.watchOf(PREFIX).deliver(put(keyOf(0x3c)));
    rig.run();
    rig.etcd.watchOf(PREFIX).deliver(put(keyOf(0x3d)));
    rig.run();
    ScriptedElectionClient.Call<ElectionClient.LeaderView> older = next(rig.etcd.leaderReads);

    rig.leaderIs(other(), 31);
    older.answer(new ElectionClient.LeaderView(me(10), 30));
    rig.run();

    assertThat(rig.history).isEmpty();
    assertThat(rig.roleState.role()).isEqualTo(Role.STANDBY);
  }

  @Test
  void aStaleReadCannotDemoteAMasterANewerReadConfirmed() {
    rig.becomeMaster();
    rig.renewalConfirmed();
    rig.etcd.watchOf(PREFIX).deliver(put(keyOf(0x3c)));
    rig.run();
    rig.etcd.watchOf(PREFIX).deliver(put(keyOf(0x3d)));
    rig.run();
    ScriptedElectionClient.Call<ElectionClient.LeaderView> older = next(rig.etcd.leaderReads);

    rig.leaderIs(me(10), 31);
    older.answer(new ElectionClient.LeaderView(other(), 30));
    rig.run();

    assertThat(rig.roleState.role()).isEqualTo(Role.MASTER);
    assertThat(rig.roles()).containsExactly("master elected");
  }
}
