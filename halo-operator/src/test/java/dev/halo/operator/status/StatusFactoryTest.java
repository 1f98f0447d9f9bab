package dev.halo.operator.status;

import static dev.halo.operator.model.TestPods.pod;
import static dev.halo.operator.model.TestPods.view;
import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.api.v1alpha1.ElectionSpec;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.HighAvailabilityGroupSpec;
import dev.halo.api.v1alpha1.HighAvailabilityGroupStatus;
import dev.halo.api.v1alpha1.RemoteMaster;
import dev.halo.api.v1alpha1.SiteSpec;
import dev.halo.common.FenceValue;
import dev.halo.common.Names;
import dev.halo.operator.election.ElectionView;
import dev.halo.operator.election.Fence;
import dev.halo.operator.model.TestPods;
import dev.halo.operator.model.TestSites;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class StatusFactoryTest {
  private static HighAvailabilityGroup hag() {
    HighAvailabilityGroup hag = new HighAvailabilityGroup();
    hag.setMetadata(
        new ObjectMetaBuilder().withName("web").withNamespace("shop").withGeneration(4L).build());
    hag.setSpec(new HighAvailabilityGroupSpec());
    hag.getSpec().setReplicas(2);
    return hag;
  }

  private static HighAvailabilityGroupStatus build(
      HighAvailabilityGroup hag,
      List<io.fabric8.kubernetes.api.model.Pod> pods,
      ElectionView view,
      Optional<String> master,
      List<String> errors,
      String now) {
    return StatusFactory.build(
        hag,
        new StatusFactory.Observed(
            pods, TestPods.members(pods, view), master, errors, 0, null, now));
  }

  private static Condition condition(HighAvailabilityGroupStatus s, String type) {
    return s.getConditions().stream()
        .filter(c -> c.getType().equals(type))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void aLeaderWaitingForAFenceSaysWhoseAndForHowLong() {
    ElectionView view =
        view("web-0", "web-1")
            .withFences(
                List.of(
                    new Fence(
                        "/halo/shop/web/fence/99",
                        Optional.of(
                            new FenceValue(
                                0x99,
                                9,
                                "web-9",
                                "",
                                "",
                                "podDeleted",
                                3,
                                FenceValue.FENCED,
                                FenceValue.ARMED)),
                        0x555,
                        30)),
                OptionalLong.empty());

    HighAvailabilityGroupStatus s =
        build(
            hag(),
            List.of(pod("web-0", "standby"), pod("web-1", "standby")),
            view,
            Optional.empty(),
            List.of(),
            "t1");

    Condition elected = condition(s, "MasterElected");
    assertThat(elected.getStatus()).isEqualTo("False");
    assertThat(elected.getReason()).isEqualTo("Fenced");
    assertThat(elected.getMessage())
        .isEqualTo(
            "web-0 leads the election but waits for the fence of web-9 (lease 99): that pod's"
                + " agent may still run and act as master until its deadline; the fence expires"
                + " 4 s after its lease was revoked");
  }

  @Test
  void aMasterOnAnotherSiteIsElectedRemoteAndTheSiteRunsWithAllPodsStandby() {
    HighAvailabilityGroup hag = hag();
    hag.getSpec().setSite(new SiteSpec());
    hag.getSpec().getSite().setName(TestSites.SITE);
    hag.getSpec().getSite().setGroup("orders");
    List<io.fabric8.kubernetes.api.model.Pod> pods =
        List.of(pod("web-0", "standby"), pod("web-1", "standby"));
    ElectionView view =
        TestSites.view(
            TestSites.remote("web-0", 10, 0x100),
            TestSites.local("web-0", 11, 0x101),
            TestSites.local("web-1", 12, 0x102));

    HighAvailabilityGroupStatus s =
        StatusFactory.build(
            hag,
            new StatusFactory.Observed(
                pods, TestSites.members(pods, view), Optional.empty(), List.of(), 0, null, "t"));

    assertThat(s.getMaster()).isNull();
    assertThat(s.getRemoteMaster())
        .extracting(RemoteMaster::getPod, RemoteMaster::getSite, RemoteMaster::getAddress)
        .containsExactly("web-0", "lyon", "10.9.0.7");
    assertThat(s.getPhase()).isEqualTo("Running");
    assertThat(condition(s, "MasterElected").getStatus()).isEqualTo("True");
    assertThat(condition(s, "MasterElected").getReason()).isEqualTo("RemoteMaster");
    assertThat(condition(s, "MasterElected").getMessage())
        .startsWith("web-0 on site lyon (10.9.0.7) is master");
    assertThat(condition(s, "ForeignCandidates").getStatus()).isEqualTo("False");
  }

  @Test
  void inEndpointSliceModeARemoteMasterIsReachedThroughTheSlice() {
    HighAvailabilityGroup hag = hag();
    hag.getSpec().setSite(new SiteSpec());
    hag.getSpec().getSite().setName(TestSites.SITE);
    hag.getSpec().getSite().setGroup("orders");
    hag.getSpec().getSite().setRemoteMasterService("EndpointSlice");
    List<io.fabric8.kubernetes.api.model.Pod> pods = List.of(pod("web-0", "standby"));
    ElectionView view =
        TestSites.view(TestSites.remote("web-0", 10, 0x100), TestSites.local("web-0", 11, 0x101));

    HighAvailabilityGroupStatus s =
        StatusFactory.build(
            hag,
            new StatusFactory.Observed(
                pods, TestSites.members(pods, view), Optional.empty(), List.of(), 0, null, "t"));

    assertThat(condition(s, "MasterElected").getMessage())
        .isEqualTo(
            "web-0 on site lyon (10.9.0.7) is master; every pod of this site stands by; this"
                + " site's master Service web sends to it through the EndpointSlice"
                + " web-remote-master");
  }

  @Test
  void aSiteWhoseTtlIsTooShortForEtcdRunsWithLeaseTtlSafeFalseNamingASafeTtl() {
    HighAvailabilityGroup hag = hag();
    hag.getSpec().setSite(new SiteSpec());
    hag.getSpec().getSite().setName(TestSites.SITE);
    hag.getSpec().getSite().setGroup("orders");
    hag.getSpec().getSite().setRttMillis(50);
    hag.getSpec().setElection(new ElectionSpec());
    hag.getSpec().getElection().setLeaseTTLSeconds(3);

    HighAvailabilityGroupStatus s =
        build(
            hag,
            List.of(pod("web-0", "master"), pod("web-1", "standby")),
            view("web-0", "web-1"),
            Optional.of("web-0"),
            List.of(),
            "t1");

    assertThat(s.getPhase()).isEqualTo("Running");
    assertThat(condition(s, "LeaseTTLSafe").getStatus()).isEqualTo("False");
    assertThat(condition(s, "LeaseTTLSafe").getReason()).isEqualTo("TTLTooShort");
    assertThat(condition(s, "LeaseTTLSafe").getMessage())
        .endsWith("set spec.election.leaseTTLSeconds to at least 4");

    hag.getSpec().getElection().setLeaseTTLSeconds(4);
    HighAvailabilityGroupStatus fixed =
        build(
            hag,
            List.of(pod("web-0", "master"), pod("web-1", "standby")),
            view("web-0", "web-1"),
            Optional.of("web-0"),
            List.of(),
            "t2");
    assertThat(condition(fixed, "LeaseTTLSafe").getStatus()).isEqualTo("True");
    assertThat(condition(fixed, "LeaseTTLSafe").getReason()).isEqualTo("TTLSafe");
  }

  @Test
  void aGroupOfOneClusterHasNoLeaseTtlSafeCondition() {
    HighAvailabilityGroupStatus s =
        build(
            hag(),
            List.of(pod("web-0", "master"), pod("web-1", "standby")),
            view("web-0", "web-1"),
            Optional.of("web-0"),
            List.of(),
            "t1");

    assertThat(s.getConditions()).extracting(Condition::getType).doesNotContain("LeaseTTLSafe");
  }

  @Test
  void theTermIsTheCreateRevisionOfTheLabelledMastersLeadingKey() {
    HighAvailabilityGroupStatus s =
        build(
            hag(),
            List.of(pod("web-0", "master"), pod("web-1", "standby")),
            view("web-0", "web-1"),
            Optional.of("web-0"),
            List.of(),
            "t1");

    assertThat(s.getTerm()).isEqualTo(10L);
  }

  @Test
  void eachCampaigningMemberHasItsPlaceInTheElectionQueue() {
    HighAvailabilityGroupStatus s =
        build(
            hag(),
            List.of(pod("web-0", "standby"), pod("web-1", "master"), pod("web-2", "standby")),
            view("web-1", "web-0"),
            Optional.of("web-1"),
            List.of(),
            "t1");

    assertThat(s.getMembers())
        .extracting("pod", "queue")
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("web-0", 2),
            org.assertj.core.groups.Tuple.tuple("web-1", 1),
            org.assertj.core.groups.Tuple.tuple("web-2", null));
  }

  @Test
  void noTermWhileTheLabelAndTheElectionDisagree() {
    HighAvailabilityGroupStatus s =
        build(
            hag(),
            List.of(pod("web-0", "standby"), pod("web-1", "master")),
            view("web-0", "web-1"),
            Optional.of("web-1"),
            List.of(),
            "t1");

    assertThat(s.getTerm()).isNull();
  }

  @Test
  void runningGroupReportsMasterMembersAndConditions() {
    HighAvailabilityGroupStatus s =
        build(
            hag(),
            List.of(pod("web-0", "master"), pod("web-1", "standby")),
            view("web-0", "web-1"),
            Optional.of("web-0"),
            List.of(),
            "t1");

    assertThat(s.getPhase()).isEqualTo("Running");
    assertThat(s.getMaster()).isEqualTo("web-0");
    assertThat(s.getReady()).isEqualTo("2/2");
    assertThat(s.getObservedGeneration()).isEqualTo(4L);
    assertThat(s.getMembers())
        .extracting("pod", "role", "ready", "campaigning")
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("web-0", "master", true, true),
            org.assertj.core.groups.Tuple.tuple("web-1", "standby", true, true));
    assertThat(s.getConditions())
        .extracting(Condition::getType, Condition::getStatus)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("Valid", "True"),
            org.assertj.core.groups.Tuple.tuple("EtcdReachable", "True"),
            org.assertj.core.groups.Tuple.tuple("MasterElected", "True"),
            org.assertj.core.groups.Tuple.tuple("ForeignCandidates", "False"),
            org.assertj.core.groups.Tuple.tuple("PodsCreated", "True"),
            org.assertj.core.groups.Tuple.tuple("ObjectsApplied", "True"),
            org.assertj.core.groups.Tuple.tuple("Ready", "True"));
    assertThat(condition(s, "Ready").getObservedGeneration()).isEqualTo(4L);
  }

  @Test
  void aPausedGroupIsPhasePausedWithAPausedConditionWhileReadyStillTellsItsState() {
    HighAvailabilityGroup hag = hag();
    hag.getSpec().setPaused(true);

    HighAvailabilityGroupStatus s =
        build(
            hag,
            List.of(pod("web-0", "master")),
            view("web-0"),
            Optional.of("web-0"),
            List.of(),
            "t1");

    assertThat(s.getPhase()).isEqualTo("Paused");
    assertThat(s.getMaster()).isEqualTo("web-0");
    assertThat(condition(s, "Paused").getStatus()).isEqualTo("True");
    assertThat(condition(s, "Paused").getReason()).isEqualTo("SpecPaused");
    assertThat(condition(s, "Paused").getMessage())
        .contains("web-1")
        .contains("kubectl patch hag web -n shop --type merge");
    assertThat(condition(s, "Ready").getReason()).isEqualTo("Degraded");
  }

  @Test
  void anInvalidPausedGroupIsInvalidAndAnUnpausedOneHasNoPausedCondition() {
    HighAvailabilityGroup hag = hag();
    hag.getSpec().setPaused(true);
    HighAvailabilityGroupStatus invalid =
        build(hag, List.of(), view(), Optional.empty(), List.of("spec.replicas is 0"), "t1");
    assertThat(invalid.getPhase()).isEqualTo("Invalid");

    hag.getSpec().setPaused(false);
    HighAvailabilityGroupStatus resumed =
        build(hag, List.of(), view(), Optional.empty(), List.of(), "t1");
    assertThat(resumed.getConditions()).noneMatch(c -> c.getType().equals("Paused"));
  }

  private static HighAvailabilityGroup excluding(Integer... ordinals) {
    HighAvailabilityGroup hag = hag();
    hag.getSpec().setReplicas(3);
    dev.halo.api.v1alpha1.NeverMasterSpec never = new dev.halo.api.v1alpha1.NeverMasterSpec();
    never.setOrdinals(List.of(ordinals));
    ElectionSpec election = new ElectionSpec();
    election.setNeverMaster(never);
    hag.getSpec().setElection(election);
    return hag;
  }

  @Test
  void excludedMembersSayWhyAndAnExcludedMasterThatCannotHandOverSaysSo() {
    List<io.fabric8.kubernetes.api.model.Pod> pods =
        List.of(pod("web-0", "master"), pod("web-1", "standby"), pod("web-2", "standby"));

    HighAvailabilityGroupStatus s =
        build(excluding(0, 1), pods, view("web-0", "web-1"), Optional.of("web-0"), List.of(), "t1");

    assertThat(s.getMembers())
        .extracting("pod", "excluded")
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("web-0", "spec.election.neverMaster.ordinals: 0"),
            org.assertj.core.groups.Tuple.tuple("web-1", "spec.election.neverMaster.ordinals: 1"),
            org.assertj.core.groups.Tuple.tuple("web-2", null));
    assertThat(condition(s, "MasterElected").getStatus()).isEqualTo("True");
    assertThat(condition(s, "MasterElected").getReason()).isEqualTo("ExcludedMaster");
    assertThat(condition(s, "MasterElected").getMessage())
        .contains("no other member is Ready and campaigning");
  }

  @Test
  void noMasterWithOnlyExcludedMembersCampaigningIsOnlyExcludedMembers() {
    List<io.fabric8.kubernetes.api.model.Pod> pods =
        List.of(pod("web-1", "standby"), pod("web-2", "standby"));

    HighAvailabilityGroupStatus s =
        build(excluding(1, 2), pods, view(), Optional.empty(), List.of(), "t1");

    assertThat(condition(s, "MasterElected").getStatus()).isEqualTo("False");
    assertThat(condition(s, "MasterElected").getReason()).isEqualTo("OnlyExcludedMembers");
    assertThat(condition(s, "MasterElected").getMessage())
        .contains("web-1 (spec.election.neverMaster.ordinals: 1)");
  }

  @Test
  void aRefusedPodCreateIsPodsCreatedFalseWithTheServersMessage() {
    List<io.fabric8.kubernetes.api.model.Pod> pods = List.of(pod("web-0", "master"));
    ElectionView view = view("web-0");
    String refused = "pods \"web-1\" is forbidden: violates PodSecurity \"restricted:latest\"";
    HighAvailabilityGroupStatus s =
        StatusFactory.build(
            hag(),
            new StatusFactory.Observed(
                    pods,
                    TestPods.members(pods, view),
                    Optional.of("web-0"),
                    List.of(),
                    0,
                    null,
                    "t1")
                .withCreateRefused(Optional.of(refused)));

    assertThat(condition(s, "PodsCreated").getStatus()).isEqualTo("False");
    assertThat(condition(s, "PodsCreated").getReason()).isEqualTo("CreateRefused");
    assertThat(condition(s, "PodsCreated").getMessage()).isEqualTo(refused);
    assertThat(s.getObservedGeneration()).isEqualTo(4L);
  }

  @Test
  void refusedWritesMakeObjectsAppliedFalseWithTheFirstReasonAndEveryMessage() {
    List<io.fabric8.kubernetes.api.model.Pod> pods = List.of(pod("web-0", "master"));
    ElectionView view = view("web-0");
    HighAvailabilityGroupStatus s =
        StatusFactory.build(
            hag(),
            new StatusFactory.Observed(
                    pods,
                    TestPods.members(pods, view),
                    Optional.of("web-0"),
                    List.of(),
                    0,
                    null,
                    "t1")
                .withRefusedWrites(
                    List.of(
                        new StatusFactory.RefusedWrite("RoleLabelRefused", "labels: 403"),
                        new StatusFactory.RefusedWrite(
                            "ServiceRefused", "Service web: 422; field spec.selector: bad"))));

    Condition applied = condition(s, "ObjectsApplied");
    assertThat(applied.getStatus()).isEqualTo("False");
    assertThat(applied.getReason()).isEqualTo("RoleLabelRefused");
    assertThat(applied.getMessage())
        .isEqualTo("labels: 403; Service web: 422; field spec.selector: bad");
    assertThat(condition(s, "PodsCreated").getStatus()).isEqualTo("True");
  }

  @Test
  void reportsThePodSelectorAndNoReplicasBeforeAnyPodExists() {
    HighAvailabilityGroupStatus s =
        build(hag(), List.of(), view(), Optional.empty(), List.of(), "t1");

    assertThat(s.getReplicas()).isZero();
    assertThat(s.getReady()).isEqualTo("0/2");
    assertThat(s.getSelector()).isEqualTo("halo.dev/group=web");
  }

  @Test
  void replicasCountThePodsThatExistNotTheDesiredNumber() {
    HighAvailabilityGroup hag = hag();
    hag.getSpec().setReplicas(4);
    List<io.fabric8.kubernetes.api.model.Pod> pods =
        List.of(
            pod("web-0", "master"),
            TestPods.notReady(pod("web-1", "standby")),
            TestPods.terminating(pod("web-2", "standby")),
            failed(TestPods.notReady(pod("web-3", "standby"))));

    HighAvailabilityGroupStatus s =
        build(hag, pods, view("web-0"), Optional.of("web-0"), List.of(), "t1");

    // As a ReplicaSet counts: terminating and finished pods are not current replicas.
    assertThat(s.getReplicas()).isEqualTo(2);
    assertThat(s.getReadyReplicas()).isEqualTo(1);
    assertThat(s.getReady()).isEqualTo("1/4");
  }

  private static io.fabric8.kubernetes.api.model.Pod failed(
      io.fabric8.kubernetes.api.model.Pod pod) {
    pod.getStatus().setPhase("Failed");
    return pod;
  }

  @Test
  void phasesFollowMasterAndReadiness() {
    assertThat(build(hag(), List.of(), view(), Optional.empty(), List.of(), "t").getPhase())
        .isEqualTo("Pending");
    assertThat(
            build(hag(), List.of(pod("web-0", "standby")), view(), Optional.empty(), List.of(), "t")
                .getPhase())
        .isEqualTo("Electing");
    assertThat(
            build(
                    hag(),
                    List.of(pod("web-0", "master"), TestPods.notReady(pod("web-1", "standby"))),
                    view("web-0"),
                    Optional.of("web-0"),
                    List.of(),
                    "t")
                .getPhase())
        .isEqualTo("Degraded");
    assertThat(
            build(
                    hag(),
                    List.of(pod("web-0", "master")),
                    view("web-0"),
                    Optional.of("web-0"),
                    List.of("bad"),
                    "t")
                .getPhase())
        .isEqualTo("Invalid");
  }

  @Test
  void unreachableEtcdKeepsTheLabelledMasterAndSaysSo() {
    HighAvailabilityGroupStatus s =
        build(
            hag(),
            List.of(pod("web-0", "master"), pod("web-1", "standby")),
            ElectionView.unreachable("/halo/shop/web/election", "connection refused"),
            Optional.of("web-0"),
            List.of(),
            "t");

    assertThat(s.getMaster()).isEqualTo("web-0");
    assertThat(s.getPhase()).isEqualTo("Degraded");
    assertThat(condition(s, "EtcdReachable").getStatus()).isEqualTo("False");
    assertThat(condition(s, "EtcdReachable").getMessage()).contains("connection refused");
  }

  @Test
  void transitionTimeMovesOnlyWhenTheStatusFlips() {
    HighAvailabilityGroup hag = hag();
    hag.setStatus(
        build(
            hag,
            List.of(pod("web-0", "master"), pod("web-1", "standby")),
            view("web-0"),
            Optional.of("web-0"),
            List.of(),
            "t1"));

    HighAvailabilityGroupStatus same =
        build(
            hag,
            List.of(pod("web-0", "master"), pod("web-1", "standby")),
            view("web-0"),
            Optional.of("web-0"),
            List.of(),
            "t2");
    HighAvailabilityGroupStatus flipped =
        build(hag, List.of(pod("web-0", "standby")), view(), Optional.empty(), List.of(), "t3");

    assertThat(condition(same, "MasterElected").getLastTransitionTime()).isEqualTo("t1");
    assertThat(condition(flipped, "MasterElected").getLastTransitionTime()).isEqualTo("t3");
    assertThat(condition(flipped, "Valid").getLastTransitionTime()).isEqualTo("t1");
  }

  @Test
  void invalidSpecNamesTheProblemInTheValidCondition() {
    HighAvailabilityGroupStatus s =
        build(
            hag(),
            List.of(),
            view(),
            Optional.empty(),
            List.of("HighAvailabilityGroup shop/web: spec.replicas must be at least 1"),
            "t");

    assertThat(condition(s, "Valid").getStatus()).isEqualTo("False");
    assertThat(condition(s, "Valid").getReason()).isEqualTo("InvalidSpec");
    assertThat(condition(s, "Valid").getMessage()).contains("spec.replicas");
  }

  @Test
  void invalidSpecGivesNoEtcdVerdictAndKeepsReadyFalse() {
    // The reconciler does not watch the election of an invalid group: that is no etcd outage.
    HighAvailabilityGroupStatus s =
        build(
            hag(),
            List.of(pod("web-0", "master")),
            ElectionView.unreachable(
                "/halo/shop/web/election", "not watched while the spec is invalid"),
            Optional.of("web-0"),
            List.of("HighAvailabilityGroup shop/web: spec.replicas must be at least 1"),
            "t");

    assertThat(condition(s, "EtcdReachable").getStatus()).isEqualTo("Unknown");
    assertThat(condition(s, "EtcdReachable").getReason()).isEqualTo("NotWatched");
    assertThat(condition(s, "EtcdReachable").getMessage())
        .isEqualTo("not watched while the spec is invalid");
    assertThat(condition(s, "Ready").getStatus()).isEqualTo("False");
    assertThat(s.getPhase()).isEqualTo("Invalid");
  }

  private static io.fabric8.kubernetes.api.model.Pod creating(String name, String createdAt) {
    io.fabric8.kubernetes.api.model.Pod pod = TestPods.notReady(pod(name, "standby"));
    pod.getMetadata().setCreationTimestamp(createdAt);
    pod.getStatus()
        .setContainerStatuses(
            List.of(
                new ContainerStatusBuilder()
                    .withName(Names.AGENT_CONTAINER)
                    .withNewState()
                    .withNewWaiting()
                    .withReason("ContainerCreating")
                    .endWaiting()
                    .endState()
                    .build()));
    pod.getStatus().setPhase("Pending");
    return pod;
  }

  @Test
  void readyNamesPodsLongInContainerCreatingAndPointsAtTheirMountEvents() {
    HighAvailabilityGroupStatus s =
        build(
            hag(),
            List.of(
                creating("web-0", "2026-01-01T00:00:00Z"),
                creating("web-1", "2026-01-01T00:01:30Z")),
            view(),
            Optional.empty(),
            List.of(),
            "2026-01-01T00:02:00Z");

    assertThat(condition(s, "Ready").getMessage())
        .startsWith("phase is Pending; web-0 still ContainerCreating after 60 s")
        .contains("etcd Secret")
        .endsWith("see the FailedMount events: kubectl describe pod web-0");
  }

  @Test
  void readySaysNothingOfPodsThatAreCreatedBriefly() {
    HighAvailabilityGroupStatus s =
        build(
            hag(),
            List.of(creating("web-0", "2026-01-01T00:01:30Z")),
            view(),
            Optional.empty(),
            List.of(),
            "2026-01-01T00:02:00Z");

    assertThat(condition(s, "Ready").getMessage()).isEqualTo("phase is Pending");
  }

  @Test
  void outdatedEtcdStaysReachableWithReasonOutdatedVersion() {
    List<io.fabric8.kubernetes.api.model.Pod> pods = List.of(pod("web-0", "master"));
    ElectionView view = view("web-0");
    HighAvailabilityGroupStatus s =
        StatusFactory.build(
            hag(),
            new StatusFactory.Observed(
                    pods,
                    TestPods.members(pods, view),
                    Optional.of("web-0"),
                    List.of(),
                    0,
                    null,
                    "t1")
                .withEtcdVersionWarning(
                    Optional.of(
                        "etcd is outdated: http://etcd:2379: 3.4.23 has known lease bugs")));

    Condition reachable = condition(s, "EtcdReachable");
    assertThat(reachable.getStatus()).isEqualTo("True");
    assertThat(reachable.getReason()).isEqualTo("OutdatedVersion");
    assertThat(reachable.getMessage())
        .isEqualTo(
            "election is being watched, but etcd is outdated: http://etcd:2379: 3.4.23 has known"
                + " lease bugs");
  }
}
