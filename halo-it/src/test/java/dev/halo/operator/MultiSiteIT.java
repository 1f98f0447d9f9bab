package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.SiteSpec;
import dev.halo.common.AgentDefaults;
import dev.halo.common.ElectionKeys;
import dev.halo.common.Labels;
import dev.halo.common.MemberIdentity;
import dev.halo.install.ApiCall;
import dev.halo.operator.model.TestGroups;
import dev.halo.sandbox.EmbeddedApiServer;
import dev.halo.sandbox.InProcessAgent;
import dev.halo.sandbox.LocalKubelet;
import dev.halo.testing.EtcdExtension;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One group spread over two sites: two Kubernetes API servers, each with its own operator and
 * kubelet, and one etcd of three members that both sites' agents campaign in. Each site's group has
 * its own namespace and name; they share {@code spec.site.group}.
 */
class MultiSiteIT {
  private static final String SHARED = "orders";
  private static final String ELECTION = ElectionKeys.siteElectionName(SHARED);
  private static final Duration WITHIN = Duration.ofSeconds(60);

  @RegisterExtension static final EtcdExtension etcd = EtcdExtension.members(3);

  private final List<Site> sites = new ArrayList<>();

  /** One cluster: its API server, operator and kubelet, and its group of two pods. */
  private record Site(
      String name,
      String ns,
      String group,
      EmbeddedApiServer api,
      ApiCallRecorder calls,
      HaloOperator operator,
      LocalKubelet kubelet)
      implements AutoCloseable {
    KubernetesClient client() {
      return api.client();
    }

    List<String> masters() {
      return client()
          .pods()
          .inNamespace(ns)
          .withLabel(Labels.GROUP, group)
          .list()
          .getItems()
          .stream()
          .filter(p -> Labels.ROLE_MASTER.equals(p.getMetadata().getLabels().get(Labels.ROLE)))
          .map(p -> p.getMetadata().getName())
          .toList();
    }

    boolean allStandby() {
      var pods = client().pods().inNamespace(ns).withLabel(Labels.GROUP, group).list().getItems();
      return pods.size() == 2
          && pods.stream()
              .allMatch(
                  p -> Labels.ROLE_STANDBY.equals(p.getMetadata().getLabels().get(Labels.ROLE)));
    }

    Service masterService() {
      return client().services().inNamespace(ns).withName(group).get();
    }

    Optional<EndpointSlice> remoteSlice() {
      return Optional.ofNullable(
          client()
              .discovery()
              .v1()
              .endpointSlices()
              .inNamespace(ns)
              .withName(group + "-remote-master")
              .get());
    }

    HighAvailabilityGroup get() {
      return client().resources(HighAvailabilityGroup.class).inNamespace(ns).withName(group).get();
    }

    Optional<Condition> condition(String type) {
      HighAvailabilityGroup hag = get();
      if (hag == null || hag.getStatus() == null) {
        return Optional.empty();
      }
      return hag.getStatus().getConditions().stream()
          .filter(c -> type.equals(c.getType()))
          .findFirst();
    }

    long foreignWarnings() {
      return client().v1().events().inNamespace(ns).list().getItems().stream()
          .filter(e -> e.getReason().startsWith("Foreign"))
          .count();
    }

    @Override
    public void close() throws Exception {
      kubelet.close();
      operator.close();
      api.close();
    }
  }

  @BeforeEach
  void startTwoSites() throws Exception {
    sites.add(site("paris", "shop", "web"));
    sites.add(site("lyon", "sales", "orders-lyon"));
  }

  @AfterEach
  void stop() {
    for (Site site : sites) {
      try {
        site.close();
      } catch (Exception e) {
        // stopping anyway
      }
    }
  }

  private Site site(String name, String ns, String group) throws Exception {
    EmbeddedApiServer api = EmbeddedApiServer.start();
    api.client()
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .create();
    ApiCallRecorder calls = ApiCallRecorder.on(api);
    HaloOperator operator =
        HaloOperator.start(
            ApiCallRecorder.operatorClient(api),
            new OperatorConfig(
                Set.of(ns),
                "halo:test",
                etcd.cluster().clientUrls(),
                false,
                "",
                "127.0.0.1",
                0,
                AgentDefaults.JVM_OPTIONS));
    LocalKubelet kubelet =
        LocalKubelet.start(api.client(), ns, etcd.cluster(), LocalKubelet.AgentMode.IN_PROCESS);
    HighAvailabilityGroup hag = TestGroups.valid(ns, group);
    hag.getMetadata().setUid(null);
    hag.getSpec().setReplicas(2);
    hag.getSpec().getElection().setEndpoints(etcd.cluster().clientUrls());
    hag.getSpec().getElection().setLeaseTTLSeconds(2);
    SiteSpec site = new SiteSpec();
    site.setName(name);
    site.setGroup(SHARED);
    hag.getSpec().setSite(site);
    api.client().resource(hag).create();
    return new Site(name, ns, group, api, calls, operator, kubelet);
  }

  @Test
  void oneMasterOverBothSitesFailsOverAndEachSiteLeavesTheOthersKeysAlone() {
    Site masterSite = awaitOneMasterOverBothSites();
    Site other = sites.get(0) == masterSite ? sites.get(1) : sites.get(0);
    String master = masterSite.masters().get(0);
    awaitRemoteMasterSeenBy(other, master, masterSite.name);
    assertThat(leaderIdentity().site()).isEqualTo(masterSite.name);
    // TTL 2 s leaves 1 s before the agent's deadline, not more than 2 × etcd's 1000 ms default.
    for (Site site : sites) {
      await()
          .atMost(WITHIN)
          .until(
              () ->
                  site.condition("LeaseTTLSafe")
                          .filter(c -> "False".equals(c.getStatus()))
                          .filter(c -> "TTLTooShort".equals(c.getReason()))
                          .isPresent()
                      && site.client().v1().events().inNamespace(site.ns).list().getItems().stream()
                          .anyMatch(
                              e ->
                                  "LeaseTTLTooShort".equals(e.getReason())
                                      && e.getMessage()
                                          .endsWith(
                                              "set spec.election.leaseTTLSeconds to at least 4")));
    }

    Map<String, String> othersKeys = memberKeysOf(other.name);
    assertThat(othersKeys).hasSize(2);
    ((InProcessAgent) masterSite.kubelet.agent(master)).agent().shutdown();

    Site newMasterSite = awaitOneMasterOverBothSites(masterSite.name + "/" + master);
    Site standbySite = sites.get(0) == newMasterSite ? sites.get(1) : sites.get(0);
    awaitRemoteMasterSeenBy(standbySite, newMasterSite.masters().get(0), newMasterSite.name);
    assertThat(memberKeysOf(other.name)).containsAllEntriesOf(othersKeys);
    for (Site site : sites) {
      assertThat(site.condition("ForeignCandidates")).map(Condition::getStatus).contains("False");
      assertThat(site.foreignWarnings()).as("Foreign* events on " + site.name).isZero();
    }

    // Deleting the standby site's group removes its keys only; the master stays where it is.
    Map<String, String> mastersKeys = memberKeysOf(newMasterSite.name);
    String newMaster = newMasterSite.masters().get(0);
    standbySite.client().resource(standbySite.get()).delete();
    await().atMost(WITHIN).until(() -> memberKeysOf(standbySite.name).isEmpty());
    assertThat(memberKeysOf(newMasterSite.name)).containsAllEntriesOf(mastersKeys);
    assertThat(newMasterSite.masters()).containsExactly(newMaster);
    assertThat(leaderIdentity().pod()).isEqualTo(newMaster);
    assertThat(newMasterSite.condition("MasterElected"))
        .map(Condition::getReason)
        .contains("Elected");
  }

  @Test
  void aFailoverStaysOnTheMastersSiteThoughTheOtherSitesStandbysQueuedEarlier() {
    Site masterSite = awaitOneMasterOverBothSites();
    Site other = sites.get(0) == masterSite ? sites.get(1) : sites.get(0);
    String master = masterSite.masters().get(0);
    String standby = masterSite.group + (master.endsWith("-0") ? "-1" : "-0");
    await().atMost(WITHIN).until(() -> queue().size() == 4);

    // The master's site's standby goes to the back, as after a restart: both standbys of the
    // other site are now queued ahead of it.
    long lease = ElectionKeys.leaseOf(memberKeyOf(masterSite.name, standby));
    etcd.cluster()
        .etcdctl(
            "put",
            "--lease=" + Long.toHexString(lease),
            ElectionKeys.stepDownKey(ELECTION, lease),
            "test");
    await()
        .atMost(WITHIN)
        .until(
            () ->
                queue().size() == 4
                    && !queue().contains(masterSite.name + "/" + Long.toHexString(lease)));

    // The other site's operator puts its standbys back behind it.
    String m = masterSite.name;
    String o = other.name;
    await()
        .atMost(WITHIN)
        .until(
            () -> queue().stream().map(e -> e.split("/")[0]).toList().equals(List.of(m, m, o, o)));
    assertThat(
            other.client().v1().events().inNamespace(other.ns).list().getItems().stream()
                .filter(e -> "StandbyRequeued".equals(e.getReason()))
                .map(Event::getMessage))
        .isNotEmpty()
        .allMatch(msg -> msg.contains(" of site " + m + ","));
    assertThat(masterSite.masters()).containsExactly(master);

    ((InProcessAgent) masterSite.kubelet.agent(master)).agent().shutdown();

    Site newMasterSite = awaitOneMasterOverBothSites(m + "/" + master);
    assertThat(newMasterSite.name).isEqualTo(m);
    assertThat(newMasterSite.masters()).containsExactly(standby);
    awaitRemoteMasterSeenBy(other, standby, m);
  }

  @Test
  void inManualFailoverASiteWithoutTheMasterStaysOutUntilSomeoneLetsItIn() {
    Site masterSite = awaitOneMasterOverBothSites();
    Site other = sites.get(0) == masterSite ? sites.get(1) : sites.get(0);
    other
        .client()
        .resources(HighAvailabilityGroup.class)
        .inNamespace(other.ns)
        .withName(other.group)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"spec\":{\"site\":{\"failover\":\"Manual\"}}}");

    // Held out: its agents leave the queue and stand by; the condition says how to let them in.
    String m = masterSite.name;
    await()
        .atMost(WITHIN)
        .until(
            () ->
                queue().stream().allMatch(e -> e.startsWith(m + "/"))
                    && other.allStandby()
                    && other
                        .condition("SiteActive")
                        .filter(c -> "False".equals(c.getStatus()))
                        .filter(c -> "HeldOut".equals(c.getReason()))
                        .isPresent());
    assertThat(other.condition("SiteActive").orElseThrow().getMessage())
        .contains(" on site " + m + ":")
        .endsWith("kubectl annotate hag " + other.group + " halo.dev/activate-site=true");
    assertThat(etcd.cluster().etcdctl("get", ElectionKeys.siteHoldKey(ELECTION, other.name)))
        .contains("failover is Manual");

    // The master's site goes: nobody of this site takes over on its own.
    masterSite.client().resource(masterSite.get()).delete();
    await().atMost(WITHIN).until(() -> queue().isEmpty());
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(10))
        .until(() -> queue().isEmpty() && other.allStandby());

    // Let in: it takes over, and the request is removed once it holds the master.
    other
        .client()
        .resources(HighAvailabilityGroup.class)
        .inNamespace(other.ns)
        .withName(other.group)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"metadata\":{\"annotations\":{\"halo.dev/activate-site\":\"true\"}}}");
    await()
        .atMost(WITHIN)
        .until(
            () ->
                other.masters().size() == 1
                    && other.name.equals(leaderIdentity().site())
                    && other
                        .condition("SiteActive")
                        .filter(c -> "HoldsMaster".equals(c.getReason()))
                        .isPresent()
                    && Optional.ofNullable(other.get().getMetadata().getAnnotations())
                        .map(a -> !a.containsKey("halo.dev/activate-site"))
                        .orElse(true));
    assertThat(etcd.cluster().etcdctl("get", ElectionKeys.siteHoldKey(ELECTION, other.name)))
        .isBlank();
    // The site records the master's arrival from the lost site, named with that site.
    await()
        .atMost(WITHIN)
        .until(
            () ->
                Optional.ofNullable(other.get().getStatus())
                    .map(s -> s.getLastFailover())
                    .filter(f -> other.masters().equals(List.of(f.getTo())))
                    .filter(f -> f.getFrom().startsWith(m + "/"))
                    .isPresent());
  }

  @Test
  void aSwitchoverToTheOtherSiteReQueuesWhoeverIsAheadOfTheTargetThenHandsOver() {
    Site masterSite = awaitOneMasterOverBothSites();
    Site other = sites.get(0) == masterSite ? sites.get(1) : sites.get(0);
    String m = masterSite.name;
    String o = other.name;
    await()
        .atMost(WITHIN)
        .until(
            () -> queue().stream().map(e -> e.split("/")[0]).toList().equals(List.of(m, m, o, o)));

    // A member that does not campaign is refused, and the request removed.
    annotate(masterSite, "halo.dev/switchover-to", o + "/no-such-pod");
    await()
        .atMost(WITHIN)
        .until(
            () ->
                warnings(masterSite, "SwitchoverRefused") > 0
                    && !annotated(masterSite, "halo.dev/switchover-to"));

    // The other site's member queued last: both members ahead of it must queue again first.
    List<String> queue = queue();
    String target = podOf(queue.get(3).split("/")[1]);
    String master = masterSite.masters().get(0);
    annotate(masterSite, "halo.dev/switchover-to", o + "/" + target);
    await()
        .atMost(WITHIN)
        .until(
            () ->
                other.masters().equals(List.of(target))
                    && target.equals(leaderIdentity().pod())
                    && allMasters().size() == 1
                    && !annotated(masterSite, "halo.dev/switchover-to"));
    assertThat(
            other.client().v1().events().inNamespace(other.ns).list().getItems().stream()
                .map(Event::getMessage))
        .anyMatch(msg -> msg.endsWith("of site " + o + ", for the switchover to it"));
    awaitRemoteMasterSeenBy(masterSite, target, o);
    assertThat(etcd.cluster().etcdctl("get", ElectionKeys.switchoverKey(ELECTION))).isBlank();

    // Each site records the move, naming the other site's member with its site.
    awaitLastFailover(masterSite, master, o + "/" + target, "switchover");
    awaitLastFailover(other, m + "/" + master, target, "switchover");
  }

  /**
   * Waits until {@code site}'s status records the failover {@code from} → {@code to} for {@code
   * reason}, with its duration, and a Failover event says so.
   */
  private static void awaitLastFailover(Site site, String from, String to, String reason) {
    await()
        .atMost(WITHIN)
        .until(
            () ->
                Optional.ofNullable(site.get().getStatus())
                    .map(s -> s.getLastFailover())
                    .filter(f -> from.equals(f.getFrom()) && to.equals(f.getTo()))
                    .isPresent());
    var status = site.get().getStatus();
    assertThat(status.getLastFailover().getReason()).as(site.name).isEqualTo(reason);
    assertThat(status.getLastFailover().getDurationMillis()).as(site.name).isNotNull();
    assertThat(status.getFailovers()).as(site.name).isPositive();
    assertThat(
            site.client().v1().events().inNamespace(site.ns).list().getItems().stream()
                .filter(e -> "Failover".equals(e.getReason()))
                .map(Event::getMessage))
        .anyMatch(msg -> msg.startsWith(from + " -> " + to + " (" + reason + ")"));
  }

  @Test
  void theMasterFailsBackToThePreferredSiteOnceItRanTheWindowElsewhere() {
    Site masterSite = awaitOneMasterOverBothSites();
    Site other = sites.get(0) == masterSite ? sites.get(1) : sites.get(0);
    for (Site site : sites) {
      site.client()
          .resources(HighAvailabilityGroup.class)
          .inNamespace(site.ns)
          .withName(site.group)
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              "{\"spec\":{\"site\":{\"preferred\":\""
                  + other.name
                  + "\",\"failbackAfterSeconds\":5}}}");
    }

    // The reconcile looks again when the 5 s window runs out, not at its 30 s periodic resync
    // (which is what it did before: the failback came 25 s late).
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                other.masters().size() == 1
                    && allMasters().size() == 1
                    && other.name.equals(leaderIdentity().site()));
    assertThat(
            masterSite.client().v1().events().inNamespace(masterSite.ns).list().getItems().stream()
                .filter(e -> "Failback".equals(e.getReason()))
                .map(Event::getMessage))
        .anyMatch(msg -> msg.endsWith("(failback)"));
    awaitRemoteMasterSeenBy(masterSite, other.masters().get(0), other.name);
    // The preferred site holds the master: nothing moves it back.
    String master = other.masters().get(0);
    await()
        .during(Duration.ofSeconds(7))
        .atMost(Duration.ofSeconds(15))
        .until(() -> other.masters().equals(List.of(master)));
  }

  private static void annotate(Site site, String key, String value) {
    site.client()
        .resources(HighAvailabilityGroup.class)
        .inNamespace(site.ns)
        .withName(site.group)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"metadata\":{\"annotations\":{\"" + key + "\":\"" + value + "\"}}}");
  }

  private static boolean annotated(Site site, String key) {
    return Optional.ofNullable(site.get().getMetadata().getAnnotations())
        .map(a -> a.containsKey(key))
        .orElse(false);
  }

  private static long warnings(Site site, String reason) {
    return site.client().v1().events().inNamespace(site.ns).list().getItems().stream()
        .filter(e -> reason.equals(e.getReason()) && "Warning".equals(e.getType()))
        .count();
  }

  /** The pod whose agent holds the lease {@code leaseHex}. */
  private String podOf(String leaseHex) {
    return Optional.ofNullable(
            memberKeys()
                .get(ElectionKeys.memberKey(ELECTION, Long.parseUnsignedLong(leaseHex, 16))))
        .flatMap(MemberIdentity::decode)
        .map(MemberIdentity::pod)
        .orElseThrow();
  }

  @Test
  void inEndpointSliceModeTheStandbySitesMasterServiceFollowsTheRemoteMasterAndComesBack()
      throws InterruptedException {
    for (Site site : sites) {
      site.client()
          .resources(HighAvailabilityGroup.class)
          .inNamespace(site.ns)
          .withName(site.group)
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              "{\"spec\":{\"site\":{\"remoteMasterService\":\"EndpointSlice\"}}}");
    }
    Site masterSite = awaitOneMasterOverBothSites();
    Site other = sites.get(0) == masterSite ? sites.get(1) : sites.get(0);
    String master = masterSite.masters().get(0);
    awaitRemoteMasterSeenBy(other, master, masterSite.name);

    await()
        .atMost(WITHIN)
        .until(() -> other.remoteSlice().isPresent() && !selects(other.masterService()));
    EndpointSlice slice = other.remoteSlice().orElseThrow();
    assertThat(slice.getMetadata().getName()).isEqualTo(other.group + "-remote-master");
    assertThat(slice.getMetadata().getLabels())
        .containsEntry("kubernetes.io/service-name", other.group)
        .containsEntry("endpointslice.kubernetes.io/managed-by", "halo.dev");
    assertThat(slice.getAddressType()).isEqualTo("IPv4");
    assertThat(slice.getEndpoints())
        .singleElement()
        .satisfies(e -> assertThat(e.getAddresses()).containsExactly("127.0.0.1"));
    assertThat(slice.getPorts()).extracting(EndpointPort::getPort).containsExactly(8080);
    assertThat(other.masterService().getMetadata().getAnnotations())
        .containsEntry("halo.dev/remote-master", masterSite.name + "/" + master);
    assertThat(other.condition("MasterElected").map(Condition::getMessage).orElseThrow())
        .endsWith("sends to it through the EndpointSlice " + other.group + "-remote-master");
    // The master's own site keeps its selector and has no slice.
    assertThat(masterSite.masterService().getSpec().getSelector())
        .containsEntry(Labels.ROLE, Labels.ROLE_MASTER);
    assertThat(masterSite.remoteSlice()).isEmpty();

    // Sample the Service before the slice: a selector seen while the slice still exists would
    // be a moment with two routes to a master.
    List<String> both = new CopyOnWriteArrayList<>();
    AtomicBoolean sampling = new AtomicBoolean(true);
    Thread sampler =
        new Thread(
            () -> {
              while (sampling.get()) {
                Service svc = other.masterService();
                if (selects(svc) && other.remoteSlice().isPresent()) {
                  both.add(svc.getMetadata().getResourceVersion());
                }
              }
            },
            "service-sampler");
    sampler.setDaemon(true);
    sampler.start();
    // The master's site goes: the master comes to this site.
    masterSite.client().resource(masterSite.get()).delete();
    await()
        .atMost(WITHIN)
        .until(
            () ->
                other.masters().size() == 1
                    && other.remoteSlice().isEmpty()
                    && Labels.ROLE_MASTER.equals(
                        Optional.ofNullable(other.masterService().getSpec().getSelector())
                            .map(s -> s.get(Labels.ROLE))
                            .orElse(null)));
    sampling.set(false);
    sampler.join(5000);
    assertThat(other.masterService().getMetadata().getAnnotations())
        .doesNotContainKey("halo.dev/remote-master");
    assertThat(both).as("Service versions that selected while the remote slice existed").isEmpty();

    Set<ApiCall> calls = new HashSet<>();
    sites.forEach(s -> calls.addAll(s.calls.calls()));
    assertThat(calls)
        .extracting(ApiCall::triple)
        .contains(
            "discovery.k8s.io endpointslices create", "discovery.k8s.io endpointslices delete");
    assertThat(ApiCallRecorder.notGrantedByChart(calls))
        .as("calls the chart's RBAC does not allow (helm/halo/templates/_helpers.tpl)")
        .isEmpty();
  }

  @Test
  void aRefusedEndpointSliceIsReportedLeavesTheServiceWithoutARouteAndIsWrittenOnceAllowed() {
    String refusal =
        "admission webhook \"slices.policy.example\" denied the request: endpointslices are"
            + " locked";
    for (Site site : sites) {
      site.api
          .expect()
          .post()
          .withPath("/apis/discovery.k8s.io/v1/namespaces/" + site.ns + "/endpointslices")
          .andReturn(
              403,
              "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
                  + "\"status\":\"Failure\",\"message\":\""
                  + refusal.replace("\"", "\\\"")
                  + "\",\"reason\":\"Forbidden\",\"details\":{\"kind\":\"endpointslices\"},"
                  + "\"code\":403}")
          .always();
      site.client()
          .resources(HighAvailabilityGroup.class)
          .inNamespace(site.ns)
          .withName(site.group)
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              "{\"spec\":{\"site\":{\"remoteMasterService\":\"EndpointSlice\"}}}");
    }
    Site masterSite = awaitOneMasterOverBothSites();
    Site other = sites.get(0) == masterSite ? sites.get(1) : sites.get(0);
    awaitRemoteMasterSeenBy(other, masterSite.masters().get(0), masterSite.name);

    await()
        .atMost(WITHIN)
        .until(
            () ->
                other
                    .condition("ObjectsApplied")
                    .filter(c -> "False".equals(c.getStatus()))
                    .filter(c -> "EndpointSliceRefused".equals(c.getReason()))
                    .isPresent());
    assertThat(other.condition("ObjectsApplied").orElseThrow().getMessage())
        .contains("403 Forbidden: " + refusal);
    assertThat(other.client().v1().events().inNamespace(other.ns).list().getItems())
        .filteredOn(e -> "EndpointSliceRefused".equals(e.getReason()))
        .isNotEmpty()
        .allSatisfy(
            e -> {
              assertThat(e.getType()).isEqualTo("Warning");
              assertThat(e.getMessage()).contains(refusal);
            });
    // Meanwhile the Service routes nowhere, as in mode None: no selector, no slice.
    assertThat(selects(other.masterService())).isFalse();
    assertThat(other.remoteSlice()).isEmpty();
    // The master's own site never needed a slice, so nothing of it was refused.
    assertThat(masterSite.condition("ObjectsApplied")).map(Condition::getStatus).contains("True");

    sites.forEach(s -> s.api.clearExpectations());
    await()
        .atMost(WITHIN)
        .until(
            () ->
                other.remoteSlice().isPresent()
                    && other
                        .condition("ObjectsApplied")
                        .map(Condition::getStatus)
                        .filter("True"::equals)
                        .isPresent());
    assertThat(other.client().v1().events().inNamespace(other.ns).list().getItems())
        .extracting(e -> e.getReason())
        .contains("EndpointSliceApplied");
  }

  @Test
  void twoSitesApplyingTheSameManifestKeepTheirSameNamedPodsApart() throws Exception {
    stop();
    sites.clear();
    // The same namespace, group and pod names on both sites: web-0 and web-1 exist twice.
    sites.add(site("paris", "shop", "web"));
    sites.add(site("lyon", "shop", "web"));
    Site masterSite = awaitOneMasterOverBothSites();
    Site other = sites.get(0) == masterSite ? sites.get(1) : sites.get(0);
    String master = masterSite.masters().get(0);
    awaitRemoteMasterSeenBy(other, master, masterSite.name);
    Map<String, String> parisKeys = memberKeysOf("paris");
    Map<String, String> lyonKeys = memberKeysOf("lyon");
    assertThat(parisKeys).hasSize(2);
    assertThat(lyonKeys).hasSize(2);

    // No flap: the master's twin on the other site stays standby, no key is revoked or replaced.
    await()
        .during(Duration.ofSeconds(4))
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                allMasters().equals(List.of(masterSite.name + "/" + master))
                    && memberKeysOf("paris").equals(parisKeys)
                    && memberKeysOf("lyon").equals(lyonKeys));
    for (Site site : sites) {
      assertThat(site.get().getStatus().getMembers())
          .as("members of " + site.name + " counted from its own keys only")
          .hasSize(2)
          .allSatisfy(m -> assertThat(m.getCampaigning()).isTrue());
    }

    ((InProcessAgent) masterSite.kubelet.agent(master)).agent().shutdown();
    Site newMasterSite = awaitOneMasterOverBothSites(masterSite.name + "/" + master);
    Site standbySite = sites.get(0) == newMasterSite ? sites.get(1) : sites.get(0);
    awaitRemoteMasterSeenBy(standbySite, newMasterSite.masters().get(0), newMasterSite.name);
    // The other site's keys were never touched; the master's site lost only its master's key.
    assertThat(memberKeysOf(other.name))
        .containsAllEntriesOf(other == sites.get(0) ? parisKeys : lyonKeys);
    for (Site site : sites) {
      assertThat(site.condition("ForeignCandidates")).map(Condition::getStatus).contains("False");
      assertThat(site.foreignWarnings()).as("Foreign* events on " + site.name).isZero();
    }
  }

  private static boolean selects(Service service) {
    return service != null
        && service.getSpec().getSelector() != null
        && !service.getSpec().getSelector().isEmpty();
  }

  /** Waits until exactly one pod of both sites is labelled master; returns its site. */
  private Site awaitOneMasterOverBothSites() {
    return awaitOneMasterOverBothSites("");
  }

  /** As above, a master other than {@code old} ({@code <site>/<pod>}). */
  private Site awaitOneMasterOverBothSites(String old) {
    await()
        .atMost(WITHIN)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              List<String> masters = allMasters();
              MemberIdentity leader = leaderIdentity();
              return masters.size() == 1
                  && !masters.get(0).equals(old)
                  && masters.get(0).equals(leader.site() + "/" + leader.pod());
            });
    String site = allMasters().get(0).split("/")[0];
    return sites.stream().filter(s -> s.name.equals(site)).findFirst().orElseThrow();
  }

  private List<String> allMasters() {
    return sites.stream().flatMap(s -> s.masters().stream().map(m -> s.name + "/" + m)).toList();
  }

  /**
   * Waits until {@code site} shows {@code master} of {@code masterSite} as its remote master, with
   * all its own pods standby and its phase Running (a remote master is no reason for Degraded).
   */
  private void awaitRemoteMasterSeenBy(Site site, String master, String masterSite) {
    await()
        .atMost(WITHIN)
        .until(
            () ->
                site.allStandby()
                    && site.get().getStatus() != null
                    && "Running".equals(site.get().getStatus().getPhase())
                    && site.condition("MasterElected")
                        .filter(c -> "True".equals(c.getStatus()))
                        .filter(c -> "RemoteMaster".equals(c.getReason()))
                        .isPresent()
                    && site.get().getStatus().getRemoteMaster() != null
                    && master.equals(site.get().getStatus().getRemoteMaster().getPod())
                    && masterSite.equals(site.get().getStatus().getRemoteMaster().getSite()));
    HighAvailabilityGroup hag = site.get();
    assertThat(hag.getStatus().getMaster()).isNull();
    assertThat(hag.getStatus().getRemoteMaster().getAddress()).isEqualTo("127.0.0.1");
  }

  /** The identity under the leader's lease: etcd's leader, the seed equivalence, with its site. */
  private MemberIdentity leaderIdentity() {
    String[] lines =
        etcd.cluster()
            .etcdctl(
                "get",
                ElectionKeys.prefix(ELECTION),
                "--prefix",
                "--sort-by=CREATE",
                "--order=ASCEND",
                "--limit=1")
            .strip()
            .split("\n");
    if (lines.length < 2) {
      return new MemberIdentity("", "", "");
    }
    long lease = ElectionKeys.leaseOf(lines[0]);
    return Optional.ofNullable(memberKeys().get(ElectionKeys.memberKey(ELECTION, lease)))
        .flatMap(MemberIdentity::decode)
        .orElse(new MemberIdentity("", "", ""));
  }

  /** The election's queue, leader first: {@code <site>/<lease hex>} of each candidate key. */
  private List<String> queue() {
    Map<String, String> members = memberKeys();
    String[] lines =
        etcd.cluster()
            .etcdctl(
                "get",
                ElectionKeys.prefix(ELECTION),
                "--prefix",
                "--keys-only",
                "--sort-by=CREATE",
                "--order=ASCEND")
            .strip()
            .split("\n");
    List<String> out = new ArrayList<>();
    for (String line : lines) {
      if (line.isBlank()) {
        continue;
      }
      long lease = ElectionKeys.leaseOf(line.strip());
      String site =
          Optional.ofNullable(members.get(ElectionKeys.memberKey(ELECTION, lease)))
              .flatMap(MemberIdentity::decode)
              .map(MemberIdentity::site)
              .orElse("?");
      out.add(site + "/" + Long.toHexString(lease));
    }
    return out;
  }

  /** The member key of pod {@code pod} on site {@code site}. */
  private String memberKeyOf(String site, String pod) {
    return memberKeys().entrySet().stream()
        .filter(
            e ->
                MemberIdentity.decode(e.getValue())
                    .filter(id -> id.site().equals(site) && id.pod().equals(pod))
                    .isPresent())
        .map(Map.Entry::getKey)
        .findFirst()
        .orElseThrow();
  }

  /** The member keys that agents of site {@code site} published, with their values. */
  private Map<String, String> memberKeysOf(String site) {
    Map<String, String> out = new TreeMap<>();
    memberKeys()
        .forEach(
            (key, value) ->
                MemberIdentity.decode(value)
                    .filter(id -> id.site().equals(site))
                    .ifPresent(id -> out.put(key, value)));
    return out;
  }

  private Map<String, String> memberKeys() {
    String[] lines =
        etcd.cluster()
            .etcdctl("get", ElectionKeys.membersPrefix(ELECTION), "--prefix")
            .strip()
            .split("\n");
    Map<String, String> keys = new TreeMap<>();
    for (int i = 0; i + 1 < lines.length; i += 2) {
      keys.put(lines[i], lines[i + 1]);
    }
    return keys;
  }
}
