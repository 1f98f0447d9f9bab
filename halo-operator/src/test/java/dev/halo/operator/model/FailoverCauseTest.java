package dev.halo.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.common.MemberIdentity;
import dev.halo.common.Names;
import dev.halo.operator.election.KeyDeparture;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class FailoverCauseTest {
  private static final long T = 1_800_000_000_000L;
  private final Pod web0 = TestPods.pod("web-0", "master");

  @Test
  void aKeyThatWentWithItsLeaseUnaskedIsALeaseExpiry() {
    FailoverCause.Verdict v = verdict(gone(KeyDeparture.How.WITH_LEASE, ""), web0, none(), 40);

    assertThat(v.reason()).isEqualTo("leaseExpired");
    assertThat(v.durationMillis()).hasValue(40);
  }

  @Test
  void aMarkedDepartureSaysWhyTheAgentLeft() {
    assertThat(verdict(gone(KeyDeparture.How.MARKED, "resigned"), web0, none(), 0).reason())
        .isEqualTo("resigned");
    assertThat(verdict(gone(KeyDeparture.How.MARKED, "unhealthy"), web0, none(), 0).reason())
        .isEqualTo("unhealthy");
    assertThat(verdict(gone(KeyDeparture.How.MARKED, "steppedDown"), web0, none(), 0).reason())
        .isEqualTo("switchover");
  }

  @Test
  void anUnmarkedDeletionOfTheKeyAloneIsAResignation() {
    assertThat(verdict(gone(KeyDeparture.How.DELETED, ""), web0, none(), 0).reason())
        .isEqualTo("resigned");
  }

  @Test
  void aHandOverCountsFromTheStepDownRequest() {
    LeaseAction asked = new LeaseAction(LeaseAction.Kind.STEP_DOWN, "switchover", T - 120);

    FailoverCause.Verdict v =
        verdict(gone(KeyDeparture.How.MARKED, "steppedDown"), web0, Optional.of(asked), 5);

    assertThat(v.reason()).isEqualTo("switchover");
    assertThat(v.durationMillis()).hasValue(125);
  }

  @Test
  void aDeletedMasterThatTheOperatorAskedToStepDownIsAPodDeletionNotASwitchover() {
    // The pod watch showed it terminating; the operator asked its agent to step down before
    // the agent's own SIGTERM handling resigned: the key is marked steppedDown.
    LeaseAction asked = new LeaseAction(LeaseAction.Kind.STEP_DOWN, "podDeleted", T - 8);

    FailoverCause.Verdict v =
        verdict(
            gone(KeyDeparture.How.MARKED, "steppedDown"),
            TestPods.terminating(web0),
            Optional.of(asked),
            10);

    assertThat(v.reason()).isEqualTo("podDeleted");
    assertThat(v.durationMillis()).hasValue(18);
  }

  @Test
  void aRevocationByTheOperatorOfALivePodIsRevoked() {
    LeaseAction revoked = new LeaseAction(LeaseAction.Kind.REVOKE, "staleKey", T - 10);

    FailoverCause.Verdict v =
        verdict(gone(KeyDeparture.How.WITH_LEASE, ""), web0, Optional.of(revoked), 0);

    assertThat(v.reason()).isEqualTo("revoked");
    assertThat(v.durationMillis()).hasValue(10);
  }

  @Test
  void aTerminatingOrVanishedPodIsPodDeletedFromWhenThePodWatchSawIt() {
    FailoverCause.Evidence terminating =
        new FailoverCause.Evidence(
            Optional.of(gone(KeyDeparture.How.MARKED, "resigned")),
            Optional.of(TestPods.terminating(web0)),
            none(),
            OptionalLong.of(T - 60),
            OptionalLong.of(T));
    FailoverCause.Evidence vanished =
        new FailoverCause.Evidence(
            Optional.of(gone(KeyDeparture.How.WITH_LEASE, "")),
            Optional.empty(),
            none(),
            OptionalLong.empty(),
            OptionalLong.of(T + 3));

    assertThat(FailoverCause.of(terminating).reason()).isEqualTo("podDeleted");
    assertThat(FailoverCause.of(terminating).durationMillis()).hasValue(60);
    assertThat(FailoverCause.of(vanished).reason()).isEqualTo("podDeleted");
    assertThat(FailoverCause.of(vanished).durationMillis()).hasValue(3);
  }

  @Test
  void aCrashedAgentIsPodFailedFromItsTerminationTimeRoundedUp() {
    Pod crashed = TestPods.agentCrashed(web0);
    crashed
        .getStatus()
        .setContainerStatuses(
            List.of(
                new ContainerStatusBuilder()
                    .withName(Names.AGENT_CONTAINER)
                    .withNewState()
                    .withNewTerminated()
                    .withExitCode(137)
                    .withFinishedAt(java.time.Instant.ofEpochMilli(T - 3_000).toString())
                    .endTerminated()
                    .endState()
                    .build()));

    FailoverCause.Verdict v = verdict(gone(KeyDeparture.How.WITH_LEASE, ""), crashed, none(), 0);

    assertThat(v.reason()).isEqualTo("podFailed");
    // Whole seconds: the last millisecond of the second is taken, never overstating.
    assertThat(v.durationMillis()).hasValue(3_000 - 999);
  }

  @Test
  void aDepartureTheWatchDidNotSeeIsUnknownWithNoDuration() {
    FailoverCause.Evidence late =
        new FailoverCause.Evidence(
            Optional.empty(), Optional.of(web0), none(), OptionalLong.empty(), OptionalLong.of(T));

    FailoverCause.Verdict v = FailoverCause.of(late);

    assertThat(v.reason()).isEqualTo("unknown");
    assertThat(v.durationMillis()).isEmpty();
  }

  @Test
  void aNewLeaderFoundByAFullReadGivesNoDuration() {
    FailoverCause.Evidence e =
        new FailoverCause.Evidence(
            Optional.of(gone(KeyDeparture.How.WITH_LEASE, "")),
            Optional.of(web0),
            none(),
            OptionalLong.empty(),
            OptionalLong.empty());

    assertThat(FailoverCause.of(e).reason()).isEqualTo("leaseExpired");
    assertThat(FailoverCause.of(e).durationMillis()).isEmpty();
  }

  @Test
  void theElectionSeenInTheSameWatchResponseAsTheLossIsNotAReconcileArtefact() {
    // A queued standby leads at the very revision the old key goes: etcd moved at once.
    FailoverCause.Verdict v = verdict(gone(KeyDeparture.How.MARKED, "resigned"), web0, none(), 0);

    assertThat(v.durationMillis()).hasValue(0);
    assertThat(MemberIdentity.RESIGNED).isEqualTo(v.reason());
  }

  @Test
  void aMasterRemovedUnderAFenceIsFencedEvenWhenItsPodIsGone() {
    LeaseAction fenced = new LeaseAction(LeaseAction.Kind.FENCE, "podDeleted", T - 30);

    FailoverCause.Verdict v =
        FailoverCause.of(
            new FailoverCause.Evidence(
                Optional.of(gone(KeyDeparture.How.DELETED, "")),
                Optional.empty(),
                Optional.of(fenced),
                OptionalLong.of(T - 200),
                OptionalLong.of(T + 4_000)));

    assertThat(v.reason()).isEqualTo("fenced");
    assertThat(v.durationMillis()).as("from the pod watch's first sign").hasValue(4_200);
  }

  @Test
  void aFencedKeyThatItsAgentMarkedAsLeftFirstIsWhatTheAgentSaid() {
    LeaseAction fenced = new LeaseAction(LeaseAction.Kind.FENCE, "podDeleted", T - 30);

    assertThat(
            verdict(gone(KeyDeparture.How.MARKED, "resigned"), web0, Optional.of(fenced), 0)
                .reason())
        .isEqualTo("resigned");
  }

  @Test
  void aMasterOnAnotherSiteIsJudgedByItsKeysDepartureAlone() {
    assertThat(remote(KeyDeparture.How.MARKED, "steppedDown").reason()).isEqualTo("switchover");
    assertThat(remote(KeyDeparture.How.MARKED, "unhealthy").reason()).isEqualTo("unhealthy");
    assertThat(remote(KeyDeparture.How.MARKED, "resigned").reason()).isEqualTo("resigned");
    assertThat(remote(KeyDeparture.How.DELETED, "").reason()).isEqualTo("resigned");
    assertThat(remote(KeyDeparture.How.WITH_LEASE, "").reason()).isEqualTo("leaseExpired");
    assertThat(remote(KeyDeparture.How.WITH_LEASE, "").durationMillis()).hasValue(25);
  }

  @Test
  void aRemoteMastersKeyThatWentWithItsLeaseBeforeAFenceWentWasFencedByItsOwnSite() {
    FailoverCause.Verdict v =
        FailoverCause.ofRemote(
            Optional.of(gone(KeyDeparture.How.WITH_LEASE, "")),
            OptionalLong.of(T + 3_000),
            OptionalLong.of(T + 3_000));
    FailoverCause.Verdict olderFence =
        FailoverCause.ofRemote(
            Optional.of(gone(KeyDeparture.How.WITH_LEASE, "")),
            OptionalLong.of(T - 60_000),
            OptionalLong.of(T + 10));

    assertThat(v.reason()).isEqualTo("fenced");
    assertThat(v.durationMillis()).hasValue(3_000);
    assertThat(olderFence.reason()).isEqualTo("leaseExpired");
  }

  @Test
  void aRemoteMastersDepartureTheWatchDidNotSeeIsUnknown() {
    FailoverCause.Verdict v =
        FailoverCause.ofRemote(Optional.empty(), OptionalLong.empty(), OptionalLong.of(T));

    assertThat(v.reason()).isEqualTo("unknown");
    assertThat(v.durationMillis()).isEmpty();
  }

  private static FailoverCause.Verdict remote(KeyDeparture.How how, String left) {
    return FailoverCause.ofRemote(
        Optional.of(gone(how, left)), OptionalLong.empty(), OptionalLong.of(T + 25));
  }

  private static Optional<LeaseAction> none() {
    return Optional.empty();
  }

  /** The old master's key went at T; the new master was elected {@code electedAfter} ms later. */
  private static FailoverCause.Verdict verdict(
      KeyDeparture d, Pod pod, Optional<LeaseAction> action, long electedAfter) {
    return FailoverCause.of(
        new FailoverCause.Evidence(
            Optional.of(d),
            Optional.of(pod),
            action,
            OptionalLong.empty(),
            OptionalLong.of(T + electedAfter)));
  }

  private static KeyDeparture gone(KeyDeparture.How how, String left) {
    return new KeyDeparture("web-0", 0xa, 20, T, true, how, left);
  }
}
