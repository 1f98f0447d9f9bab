package dev.halo.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.agent.ElectionClient;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JudgeTest {
  private static Judge.Sample sample(
      long at,
      String leader,
      List<String> labelled,
      List<String> roles,
      List<String> standbys,
      boolean excused) {
    return new Judge.Sample(at, "g", 2, leader, leader, labelled, roles, standbys, true, excused);
  }

  @Test
  void twoLabelledMastersOrTwoMasterRolesAreViolationsOncePerEpisode() {
    Judge judge = new Judge();
    judge.accept(sample(0, "g-0", List.of("g-0", "g-1"), List.of("g-0"), List.of(), false));
    judge.accept(sample(100, "g-0", List.of("g-0", "g-1"), List.of("g-0"), List.of(), false));
    judge.accept(sample(200, "g-0", List.of("g-0"), List.of("g-0", "g-1"), List.of(), false));
    assertThat(judge.violations())
        .extracting(Judge.Violation::kind)
        .containsExactly("DUAL_LABEL", "DUAL_ROLE", "ROLE_NOT_LEADER");
  }

  @Test
  void anAgentClaimingMasterIsOnlyFlaggedWhenEtcdNamedAnotherLeaderBeforeAndAfter() {
    Judge judge = new Judge();
    judge.accept(
        new Judge.Sample(
            0, "g", 2, "g-0", "g-1", List.of("g-0"), List.of("g-1"), List.of(), true, false));
    assertThat(judge.violations()).isEmpty();
    judge.accept(
        new Judge.Sample(
            100, "g", 2, "g-0", "g-0", List.of("g-0"), List.of("g-1"), List.of(), true, false));
    assertThat(judge.violations())
        .extracting(Judge.Violation::kind)
        .containsExactly("ROLE_NOT_LEADER");
  }

  @Test
  void aFencedOldMasterAnsweringMasterIsNotAViolationUnlessTheLeaderAnswersToo() {
    Judge judge = new Judge();
    String orphan = "g-0 (orphan, pid 42)";
    judge.accept(
        new Judge.Sample(
            0,
            "g",
            2,
            "g-1",
            "g-1",
            List.of(),
            List.of(orphan),
            List.of(),
            true,
            false,
            List.of(orphan)));
    assertThat(judge.violations()).as("the leader waits for the fence of the old master").isEmpty();
    judge.accept(
        new Judge.Sample(
            100,
            "g",
            2,
            "g-1",
            "g-1",
            List.of(),
            List.of(orphan),
            List.of(),
            true,
            false,
            List.of()));
    assertThat(judge.violations())
        .as("without a fence of its lease the same answer breaks the invariant")
        .extracting(Judge.Violation::kind)
        .containsExactly("ROLE_NOT_LEADER");
    judge.accept(
        new Judge.Sample(
            200,
            "g",
            2,
            "g-1",
            "g-1",
            List.of(),
            List.of(orphan, "g-1"),
            List.of(),
            true,
            false,
            List.of(orphan)));
    assertThat(judge.violations())
        .extracting(Judge.Violation::kind)
        .containsExactly("ROLE_NOT_LEADER", "DUAL_ROLE");
  }

  @Test
  void onlyMastersWhoseOwnLeaseIsFencedCountAsFenced() {
    ElectionClient.LeaderView view =
        new ElectionClient.LeaderView(
            Optional.empty(), 9, List.of(new ElectionClient.Fence("/f/a1", 0xa1, 5)));

    assertThat(Checker.fencedMasters(Map.of("g-0 (orphan, pid 1)", "a1", "g-1", "b2"), view))
        .containsExactly("g-0 (orphan, pid 1)");
    assertThat(Checker.fencedMasters(Map.of("g-0", "a1"), null)).isEmpty();
  }

  @Test
  void aLabelBehindEtcdIsAllowedItsDelayAndNoMoreUnlessExcused() {
    Judge judge = new Judge();
    judge.accept(sample(0, "g-1", List.of("g-0"), List.of("g-1"), List.of(), false));
    judge.accept(sample(2500, "g-1", List.of("g-0"), List.of("g-1"), List.of(), false));
    judge.accept(sample(2600, "g-1", List.of("g-1"), List.of("g-1"), List.of(), false));
    assertThat(judge.violations()).isEmpty();
    judge.accept(sample(5000, "g-0", List.of("g-1"), List.of("g-0"), List.of(), true));
    judge.accept(sample(9000, "g-0", List.of("g-1"), List.of("g-0"), List.of(), true));
    assertThat(judge.violations()).as("excused: etcd down, the operator is fail-static").isEmpty();
    judge.accept(sample(9100, "g-0", List.of("g-1"), List.of("g-0"), List.of(), false));
    judge.accept(sample(12200, "g-0", List.of("g-1"), List.of("g-0"), List.of(), false));
    assertThat(judge.violations()).extracting(Judge.Violation::kind).containsExactly("LABEL_LAG");
    assertThat(judge.figures().get("maxLabelLagMs")).isEqualTo(3100L);
  }

  @Test
  void noMasterForLongerThanTtlPlusTwoSecondsWhileAHealthyStandbyExists() {
    Judge judge = new Judge();
    judge.accept(sample(0, "", List.of(), List.of(), List.of(), false));
    judge.accept(sample(10_000, "", List.of(), List.of(), List.of(), false));
    assertThat(judge.violations()).as("no healthy standby: nobody could be master").isEmpty();
    judge.accept(sample(10_100, "", List.of(), List.of(), List.of("g-1"), false));
    judge.accept(sample(13_900, "", List.of(), List.of(), List.of("g-1"), false));
    assertThat(judge.violations()).isEmpty();
    judge.accept(sample(14_200, "", List.of(), List.of(), List.of("g-1"), false));
    assertThat(judge.violations()).extracting(Judge.Violation::kind).containsExactly("NO_MASTER");
    assertThat(judge.figures().get("maxNoMasterMs")).isEqualTo(4100L);
  }

  @Test
  void aVanishedGroupIsLost() {
    Judge judge = new Judge();
    judge.accept(
        new Judge.Sample(0, "g", 2, "", "", List.of(), List.of(), List.of(), false, false));
    assertThat(judge.violations()).extracting(Judge.Violation::kind).containsExactly("HAG_LOST");
  }

  @Test
  void anAgentExitNoFaultCausedIsAViolationWithItsLastLogLines() {
    Judge judge = new Judge();
    judge.agentExited(
        100,
        "g",
        new AgentExits.Exit(
            "g-0", 137, "Error", "killed by LocalKubelet.crashAgent", List.of("started")));
    assertThat(judge.violations()).as("the campaign killed it").isEmpty();

    judge.agentExited(
        200,
        "g",
        new AgentExits.Exit(
            "g-1",
            3,
            "Error",
            AgentExits.UNCAUSED,
            List.of(
                "INFO Elector election watch ended, re-reading",
                "Terminating due to java.lang.OutOfMemoryError: Java heap space")));
    assertThat(judge.violations())
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.kind()).isEqualTo("AGENT_EXIT");
              assertThat(v.details())
                  .contains("g-1", "code 3", "OutOfMemoryError", "election watch ended");
            });
    assertThat(judge.figures().get("agentExits")).isEqualTo(2L);
  }

  @Test
  void theLastTwentyLinesOfAnAgentAreKept() {
    String output =
        java.util.stream.IntStream.rangeClosed(1, 50)
            .mapToObj(i -> "line " + i)
            .collect(java.util.stream.Collectors.joining("\n"));
    assertThat(AgentExits.tail(output)).hasSize(20).startsWith("line 31").endsWith("line 50");
  }
}
