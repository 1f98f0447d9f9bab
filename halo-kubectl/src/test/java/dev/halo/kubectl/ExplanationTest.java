package dev.halo.kubectl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExplanationTest {
  private static Map<String, Object> member(
      String pod, String role, boolean ready, boolean campaigning, Integer queue) {
    Map<String, Object> m = new HashMap<>();
    m.put("pod", pod);
    m.put("role", role);
    m.put("ready", ready);
    m.put("campaigning", campaigning);
    m.put("queue", queue);
    return m;
  }

  private static Object group(List<Object> members, List<Object> conditions, boolean paused) {
    return Map.of(
        "metadata", Map.of("name", "web", "namespace", "shop"),
        "spec", Map.of("paused", paused),
        "status",
            Map.of("master", "web-1", "term", 42L, "members", members, "conditions", conditions));
  }

  private static Object condition(String type, String status, String reason, String message) {
    return Map.of("type", type, "status", status, "reason", reason, "message", message);
  }

  @Test
  void eachMemberGetsTheFirstReasonThatApplies() {
    Map<String, Object> excluded = member("web-3", "standby", true, false, null);
    excluded.put("excluded", "spec.election.neverMaster lists it");
    Object hag =
        group(
            List.of(
                member("web-0", "standby", true, true, 2),
                member("web-1", "master", true, true, 1),
                member("web-2", "standby", false, false, null),
                excluded,
                member("web-4", "standby", true, false, null),
                member("web-5", "standby", true, true, 3)),
            List.of(condition("Ready", "True", "Running", "ok")),
            false);

    Map<String, Object> e = Explanation.of(hag, List.of());
    List<?> whys = ((List<?>) e.get("members")).stream().map(m -> Tree.string(m, "why")).toList();

    assertThat(e.get("summary")).isEqualTo("web-1 is master");
    assertThat(whys.get(0))
        .isEqualTo("standby: place 2 in the election queue, next if the master goes");
    assertThat(whys.get(1))
        .isEqualTo("master: its key leads the election (term 42) and the operator labelled it");
    assertThat((String) whys.get(2)).startsWith("not Ready");
    assertThat(whys.get(3)).isEqualTo("excluded: spec.election.neverMaster lists it");
    assertThat((String) whys.get(4))
        .startsWith("not campaigning")
        .contains("kubectl logs web-4 -c halo-agent");
    assertThat(whys.get(5)).isEqualTo("standby: place 3 in the election queue");
    assertThat((List<?>) e.get("conditions")).isEmpty();
  }

  @Test
  void aPausedGroupAHeldOutSiteAndUnhealthyConditionsAreNamed() {
    Object hag =
        group(
            List.of(
                member("web-1", "master", true, true, 1),
                member("web-0", "standby", true, false, null)),
            List.of(
                condition(
                    "SiteActive",
                    "False",
                    "HeldOut",
                    "site lyon is held out: the master is on paris"),
                condition("Paused", "True", "Paused", "spec.paused is true"),
                condition("ForeignCandidates", "False", "None", "fine")),
            true);

    Map<String, Object> e = Explanation.of(hag, List.of());

    assertThat((String) e.get("summary"))
        .startsWith("paused (spec.paused)")
        .endsWith("web-1 is master");
    assertThat(Tree.string(((List<?>) e.get("members")).get(1), "why"))
        .isEqualTo("held out: site lyon is held out: the master is on paris");
    assertThat(List.<Object>copyOf((List<?>) e.get("conditions")))
        .containsExactly(
            "SiteActive=False (HeldOut): site lyon is held out: the master is on paris",
            "Paused=True (Paused): spec.paused is true");
  }

  @Test
  void theNewestWarningsAreListedAndTheTextFitsOneHundredColumns() {
    Object hag = group(List.of(member("web-1", "master", true, true, 1)), List.of(), false);
    List<Object> events =
        List.of(
            Map.of(
                "type",
                "Warning",
                "reason",
                "SwitchoverBlocked",
                "message",
                "no other pod is Ready and campaigning ".repeat(5),
                "lastTimestamp",
                "2026-12-07T10:00:02Z"),
            Map.of(
                "type",
                "Normal",
                "reason",
                "Failover",
                "message",
                "x",
                "lastTimestamp",
                "2026-12-07T10:00:03Z"),
            Map.of(
                "type",
                "Warning",
                "reason",
                "EtcdUnreachable",
                "message",
                "etcd down",
                "lastTimestamp",
                "2026-12-07T10:00:01Z"));

    Map<String, Object> e = Explanation.of(hag, events);
    String text = Tables.explain(e, 100);

    assertThat(List.<Object>copyOf((List<?>) e.get("warnings")))
        .hasSize(2)
        .first()
        .asString()
        .startsWith("SwitchoverBlocked: ");
    assertThat(text).contains("recent warnings:", "EtcdUnreachable: etcd down");
    assertThat(text.lines()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(100));
  }
}
