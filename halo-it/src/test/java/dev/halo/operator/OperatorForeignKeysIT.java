package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.sandbox.LocalKubelet;
import dev.halo.testing.EtcdExtension;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Keys in a group's election that no pod of the group holds (a stray {@code etcdctl elect}, another
 * cluster's group of the same name): reported, never revoked, never labelled.
 */
class OperatorForeignKeysIT extends NamespaceWithKubelet {
  @Order(1)
  @RegisterExtension
  static final EtcdExtension etcd = EtcdExtension.members(1);

  @Order(2)
  @RegisterExtension
  static final OperatorExtension operator = new OperatorExtension(etcd);

  private static final Pattern LEASE = Pattern.compile("lease ([0-9a-f]+) granted");

  OperatorForeignKeysIT() {
    super(operator, LocalKubelet.AgentMode.IN_PROCESS);
  }

  private String election(String group) {
    return "/halo/" + ns + "/" + group + "/election";
  }

  /** What {@code etcdctl elect <election> <value>} leaves: a key under a lease of its own. */
  private String campaignAsForeigner(String group, String value) {
    Matcher m = LEASE.matcher(etcd.cluster().etcdctl("lease", "grant", "60"));
    assertThat(m.find()).isTrue();
    // etcdctl prints the id zero-padded, etcd keys and Halo's messages carry it as %x.
    String lease = Long.toHexString(Long.parseUnsignedLong(m.group(1), 16));
    etcd.cluster().etcdctl("put", "--lease=" + lease, election(group) + "/" + lease, value);
    return lease;
  }

  private List<String> keys(String group) {
    return Arrays.stream(
            etcd.cluster().etcdctl("get", election(group), "--prefix", "--keys-only").split("\n"))
        .map(String::strip)
        .filter(k -> !k.isEmpty())
        .sorted()
        .toList();
  }

  @Test
  void foreignKeysNamedAfterPodsCostNoPodItsLeaseAndAreReported() {
    String master = h.startGroup(h.group(ns, "web"));
    h.awaitAllCampaigning(ns, "web");
    List<String> own = keys("web");
    String standby = master.equals("web-1") ? "web-2" : "web-1";

    String asMaster = campaignAsForeigner("web", master);
    String asStandby = campaignAsForeigner("web", standby);

    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> h.conditionIs(ns, "web", "ForeignCandidates", "True"));
    Condition foreign = h.condition(ns, "web", "ForeignCandidates").orElseThrow();
    assertThat(foreign.getMessage()).contains(asMaster, asStandby, "etcdctl lease revoke");
    assertThat(h.events(ns, "ForeignCandidate"))
        .extracting(e -> e.getMessage())
        .anyMatch(msg -> msg.contains(asMaster))
        .anyMatch(msg -> msg.contains(asStandby));
    // Every pod keeps its own key (its place in the queue) and the master stays master.
    assertThat(keys("web")).containsAll(own).hasSize(own.size() + 2);
    assertThat(h.labelledMasters(ns, "web")).containsExactly(master);
    assertThat(h.get(ns, "web").getStatus().getFailovers()).isZero();

    // Deleting the group releases its own keys and leaves the foreign ones.
    h.client.resources(HighAvailabilityGroup.class).inNamespace(ns).withName("web").delete();
    await().atMost(Duration.ofSeconds(30)).until(() -> keys("web").size() == 2);
    assertThat(keys("web"))
        .containsExactlyInAnyOrder(
            election("web") + "/" + asMaster, election("web") + "/" + asStandby);
  }

  @Test
  void aForeignLeaderIsNamedInStatusAndNobodyIsMasterUntilItGoes() {
    String lease = campaignAsForeigner("solo", "solo-0");

    h.create(h.group(ns, "solo"));

    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                h.condition(ns, "solo", "MasterElected")
                    .filter(c -> "ForeignLeader".equals(c.getReason()))
                    .isPresent());
    assertThat(h.condition(ns, "solo", "MasterElected").orElseThrow().getMessage())
        .contains(election("solo") + "/" + lease, "etcdctl lease revoke " + lease);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                h.get(ns, "solo").getStatus().getMembers().stream()
                        .filter(m -> m.getCampaigning())
                        .count()
                    == 3);
    assertThat(h.labelledMasters(ns, "solo")).isEmpty();

    etcd.cluster().etcdctl("lease", "revoke", lease);

    String master = h.awaitAgreedMaster(ns, "solo", Duration.ofSeconds(15));
    assertThat(master).startsWith("solo-");
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> h.conditionIs(ns, "solo", "ForeignCandidates", "False"));
  }
}
