package dev.halo.kubectl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TablesTest {
  private static Object group(String name, String pod, String zone, int failovers) {
    List<Object> members = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      members.add(
          Map.of(
              "pod",
              pod + "-" + i,
              "zone",
              zone,
              "role",
              i == 1 ? "master" : "standby",
              "ready",
              true,
              "campaigning",
              i != 2));
    }
    List<Object> history = new ArrayList<>();
    for (int i = failovers; i > 0; i--) {
      history.add(
          Map.of(
              "from", pod + "-0",
              "to", pod + "-1",
              "reason", "switchover",
              "time", "2026-12-07T14:0" + (i % 10) + ":00.123456Z",
              "durationMillis", 212L));
    }
    return Map.of(
        "metadata", Map.of("name", name, "namespace", "shop"),
        "spec", Map.of("paused", false, "election", Map.of("leaseTTLSeconds", 5L)),
        "status",
            Map.of(
                "phase", "Running",
                "master", pod + "-1",
                "masterZone", zone,
                "term", 4711L,
                "failovers", failovers,
                "members", members,
                "failoverHistory", history));
  }

  @Test
  void aStatusTableShowsTheMasterTheMembersAndTheLastFailovers() {
    String table = Tables.status(Summary.status(group("web", "web", "eu-west-1a", 5)), 100);

    assertThat(table)
        .contains(
            "master web-1 in zone eu-west-1a",
            "term 4711",
            "TTL 5 s",
            "failovers 5",
            "paused false")
        .containsPattern("(?m)^MEMBER +ROLE +ZONE +READY +CAMPAIGNING +EXCLUDED$")
        .containsPattern("(?m)^web-1 +master +eu-west-1a +yes +yes +-$")
        .containsPattern("(?m)^web-2 +standby +eu-west-1a +yes +no +-$")
        .contains("kubectl halo history web")
        .containsPattern("(?m)^2026-12-07T14:05:00Z +web-0 +web-1 +switchover +212 ms$");
    assertThat(table.lines().filter(l -> l.contains("switchover")))
        .hasSize(Summary.STATUS_FAILOVERS);
  }

  @Test
  void longNamesAreCutSoThatEveryLineFitsOneHundredColumns() {
    String longName = "payments-settlement-reconciliation-worker-eu-central";
    String table =
        Tables.status(
            Summary.status(group(longName, longName, "europe-west3-availability-zone-c", 3)), 100);

    assertThat(table.lines()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(100));
    assertThat(table).contains("…").contains("master");
  }

  @Test
  void historyListsEveryPublishedFailoverNewestFirst() {
    String text = Tables.history(Summary.historyDocument(group("web", "web", "a", 10)), 100);

    assertThat(text.lines().filter(l -> l.contains("switchover"))).hasSize(10);
    assertThat(text).contains("failovers 10").containsPattern("(?m)^TIME +FROM +TO +REASON +TOOK$");
    assertThat(text.lines()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(100));
  }

  @Test
  void fieldsAnOlderOperatorDoesNotPublishArePrintedAsADash() {
    Object old =
        Map.of(
            "metadata", Map.of("name", "web", "namespace", "shop"),
            "status",
                Map.of(
                    "master", "web-0",
                    "members", List.of(Map.of("pod", "web-0", "role", "master")),
                    "lastFailover",
                        Map.of("from", "web-1", "to", "web-0", "reason", "leaseExpired")));

    String table = Tables.status(Summary.status(old), 100);

    assertThat(table)
        .contains("term -", "paused -")
        .containsPattern("(?m)^web-0 +master +- +- +- +-$");
    assertThat(Summary.history(old)).hasSize(1);
  }

  @Test
  void aTableCutsItsWidestColumnFirst() {
    String t =
        Table.render(List.of("A", "B"), List.of(List.of("x".repeat(30), "y".repeat(10))), 30);

    assertThat(t.lines()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(30));
    assertThat(t).contains("y".repeat(10)).contains("x".repeat(17) + "…");
  }
}
