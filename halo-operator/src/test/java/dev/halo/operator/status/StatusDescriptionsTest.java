package dev.halo.operator.status;

import static dev.halo.operator.model.TestPods.pod;
import static dev.halo.operator.model.TestPods.view;
import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.api.v1alpha1.Crd;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.HighAvailabilityGroupSpec;
import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.ElectionView;
import dev.halo.operator.model.TestPods;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The CRD's descriptions of the status (what kubectl explain prints) follow the code. */
class StatusDescriptionsTest {
  private static final JSONSchemaProps STATUS =
      Crd.load()
          .getSpec()
          .getVersions()
          .get(0)
          .getSchema()
          .getOpenAPIV3Schema()
          .getProperties()
          .get("status");

  /** The failover reasons the operator records (docs/operator.md#status). */
  private static final List<String> FAILOVER_REASONS =
      List.of(
          "leaseExpired",
          "podDeleted",
          "podFailed",
          "unhealthy",
          "switchover",
          "resigned",
          "revoked");

  /** The reasons ObjectsApplied names while a write is refused (WriteRefusals' kinds). */
  private static final List<String> REFUSED_WRITE_REASONS =
      List.of(
          "RoleLabelRefused",
          "ServiceRefused",
          "DisruptionBudgetRefused",
          "DeleteRefused",
          "AnnotationRefused");

  /** The kinds of etcd failure EtcdReachable=False names (ElectionView's failureReason). */
  private static final List<String> ETCD_FAILURE_REASONS =
      List.of("Unreachable", "TLSFailed", "CertificateExpired", "AuthFailed", "PermissionDenied");

  @Test
  void conditionsDescriptionNamesEveryConditionType() throws IllegalAccessException {
    String description = STATUS.getProperties().get("conditions").getDescription();
    List<String> types = new ArrayList<>();
    for (Field field : Conditions.class.getFields()) {
      if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
        types.add((String) field.get(null));
      }
    }
    assertThat(types).isNotEmpty();
    assertThat(description).contains(types);
  }

  @Test
  void conditionsDescriptionNamesEveryReasonTheStatusFactoryWrites() {
    String description = STATUS.getProperties().get("conditions").getDescription();
    Set<String> reasons = new TreeSet<>();
    for (List<Condition> conditions : situations()) {
      conditions.forEach(c -> reasons.add(c.getReason()));
    }
    assertThat(reasons)
        .contains(
            "SpecValid",
            "InvalidSpec",
            "NotWatched",
            "ForeignKeysFound",
            "OutdatedVersion",
            "SpecPaused",
            "ExcludedMaster",
            "OnlyExcludedMembers")
        .containsAll(REFUSED_WRITE_REASONS)
        .containsAll(ETCD_FAILURE_REASONS);
    assertThat(reasons).allSatisfy(reason -> assertThat(description).contains(reason));
  }

  @Test
  void lastFailoverReasonDescriptionListsTheReasons() {
    String description =
        STATUS.getProperties().get("lastFailover").getProperties().get("reason").getDescription();
    assertThat(description).contains(FAILOVER_REASONS);
    assertThat(description).doesNotContain("agentTerminated");
  }

  /** The conditions of a group in each situation the status can describe. */
  private static List<List<Condition>> situations() {
    List<List<Condition>> situations = new ArrayList<>(commonSituations());
    Pod master = pod("web-0", "master");
    for (String reason : REFUSED_WRITE_REASONS) {
      situations.add(
          observed(
              new StatusFactory.Observed(
                      List.of(master),
                      TestPods.members(List.of(master), view("web-0")),
                      Optional.of("web-0"),
                      List.of(),
                      0,
                      null,
                      "t")
                  .withRefusedWrites(List.of(new StatusFactory.RefusedWrite(reason, "refused")))));
    }
    HighAvailabilityGroup paused = hag();
    paused.getSpec().setPaused(true);
    situations.add(
        StatusFactory.build(
                paused,
                new StatusFactory.Observed(
                    List.of(master),
                    TestPods.members(List.of(master), view("web-0")),
                    Optional.of("web-0"),
                    List.of(),
                    0,
                    null,
                    "t"))
            .getConditions());
    HighAvailabilityGroup excluding = hag();
    dev.halo.api.v1alpha1.NeverMasterSpec never = new dev.halo.api.v1alpha1.NeverMasterSpec();
    never.setOrdinals(List.of(0, 1));
    excluding.getSpec().setElection(new dev.halo.api.v1alpha1.ElectionSpec());
    excluding.getSpec().getElection().setNeverMaster(never);
    situations.add(
        StatusFactory.build(
                excluding,
                new StatusFactory.Observed(
                    List.of(master),
                    TestPods.members(List.of(master), view("web-0")),
                    Optional.of("web-0"),
                    List.of(),
                    0,
                    null,
                    "t"))
            .getConditions());
    Pod excludedStandby = pod("web-1", "standby");
    situations.add(
        StatusFactory.build(
                excluding,
                new StatusFactory.Observed(
                    List.of(excludedStandby),
                    TestPods.members(List.of(excludedStandby), view()),
                    Optional.empty(),
                    List.of(),
                    0,
                    null,
                    "t"))
            .getConditions());
    for (String reason : ETCD_FAILURE_REASONS) {
      ElectionView failed = ElectionView.unreachable("/halo/shop/web/election", "no", reason);
      situations.add(conditions(List.of(master), failed, "web-0", List.of()));
    }
    situations.add(
        observed(
            new StatusFactory.Observed(
                    List.of(master),
                    TestPods.members(List.of(master), view("web-0")),
                    Optional.of("web-0"),
                    List.of(),
                    0,
                    null,
                    "t")
                .withEtcdVersionWarning(Optional.of("etcd-0 runs 3.4.20"))));
    return situations;
  }

  private static List<Condition> observed(StatusFactory.Observed observed) {
    return StatusFactory.build(hag(), observed).getConditions();
  }

  private static List<List<Condition>> commonSituations() {
    Pod master = pod("web-0", "master");
    Pod standby = pod("web-1", "standby");
    Candidate foreign = new Candidate("/halo/shop/web/election/999", "intruder", 5, 0x999);
    ElectionView withForeign =
        new ElectionView("/halo/shop/web/election", true, List.of(foreign), 20, "");
    return List.of(
        conditions(List.of(master, standby), view("web-0", "web-1"), "web-0", List.of()),
        conditions(List.of(master), view("web-0"), "web-0", List.of()),
        conditions(List.of(), view(), null, List.of()),
        conditions(List.of(standby), view(), null, List.of()),
        conditions(List.of(master), view("web-0"), null, List.of("spec.replicas is 0")),
        conditions(
            List.of(master),
            ElectionView.unreachable("/halo/shop/web/election", "timeout"),
            "web-0",
            List.of()),
        conditions(List.of(master), withForeign, null, List.of()),
        StatusFactory.build(
                hag(),
                new StatusFactory.Observed(
                        List.of(master),
                        TestPods.members(List.of(master), view("web-0")),
                        Optional.of("web-0"),
                        List.of(),
                        0,
                        null,
                        "t")
                    .withCreateRefused(Optional.of("forbidden")))
            .getConditions());
  }

  private static List<Condition> conditions(
      List<Pod> pods, ElectionView view, String master, List<String> errors) {
    return StatusFactory.build(
            hag(),
            new StatusFactory.Observed(
                pods,
                TestPods.members(pods, view),
                Optional.ofNullable(master),
                errors,
                0,
                null,
                "t"))
        .getConditions();
  }

  private static HighAvailabilityGroup hag() {
    HighAvailabilityGroup hag = new HighAvailabilityGroup();
    hag.setMetadata(
        new ObjectMetaBuilder().withName("web").withNamespace("shop").withGeneration(1L).build());
    hag.setSpec(new HighAvailabilityGroupSpec());
    hag.getSpec().setReplicas(2);
    return hag;
  }
}
