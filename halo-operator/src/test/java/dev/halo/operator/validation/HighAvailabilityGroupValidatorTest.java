package dev.halo.operator.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.api.v1alpha1.AgentSpec;
import dev.halo.api.v1alpha1.HealthSpec;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.HighAvailabilityGroupSpec;
import dev.halo.api.v1alpha1.HttpGetCheck;
import dev.halo.api.v1alpha1.ServiceSpec;
import dev.halo.api.v1alpha1.SiteSpec;
import dev.halo.api.v1alpha1.TcpSocketCheck;
import dev.halo.operator.model.OperatorDefaults;
import dev.halo.operator.model.TestGroups;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class HighAvailabilityGroupValidatorTest {
  private static final String PREFIX = "HighAvailabilityGroup shop/web: ";
  private static final OperatorDefaults NO_DEFAULT_ETCD = OperatorDefaults.of("halo:test");
  private static final OperatorDefaults DEFAULT_ETCD =
      OperatorDefaults.of("halo:test", List.of("http://etcd-0.etcd:2379"));

  private final HighAvailabilityGroup hag = TestGroups.valid("shop", "web");

  private HighAvailabilityGroupSpec spec() {
    return hag.getSpec();
  }

  private PodSpec podSpec() {
    return spec().getTemplate().getSpec();
  }

  private Container app() {
    return podSpec().getContainers().get(0);
  }

  private List<String> errors() {
    return HighAvailabilityGroupValidator.validate(hag, NO_DEFAULT_ETCD);
  }

  private void assertOnlyError(String message) {
    assertThat(errors()).containsExactly(PREFIX + message);
  }

  private HealthSpec health(HttpGetCheck http, TcpSocketCheck tcp) {
    HealthSpec health = new HealthSpec();
    health.setHttpGet(http);
    health.setTcpSocket(tcp);
    spec().setHealth(health);
    return health;
  }

  private static HttpGetCheck http(int port, String path) {
    HttpGetCheck http = new HttpGetCheck();
    http.setPort(port);
    http.setPath(path);
    return http;
  }

  private void site(String name, String group, int endpoints) {
    SiteSpec site = new SiteSpec();
    site.setName(name);
    site.setGroup(group);
    spec().setSite(site);
    List<String> urls = new ArrayList<>();
    for (int i = 0; i < endpoints; i++) {
      urls.add("http://etcd-" + i + ".etcd:2379");
    }
    spec().getElection().setEndpoints(urls);
  }

  @Test
  void acceptsASiteOfASharedGroupOnThreeEtcdMembers() {
    site("paris", "orders", 3);

    assertThat(errors()).isEmpty();
  }

  @Test
  void refusesASiteOnFewerThanThreeEtcdMembersSayingWhy() {
    site("paris", "orders", 2);

    assertOnlyError(
        "spec.election.endpoints lists 2 etcd endpoint(s) for a group spread over sites; list at"
            + " least 3, one etcd member per site on three sites, so that etcd keeps its quorum"
            + " (and the election) when one site is cut off");
  }

  @Test
  void refusesSiteAndSharedGroupNamesThatAreNoDnsLabels() {
    site("Paris", null, 3);

    assertThat(errors())
        .containsExactly(
            PREFIX
                + "spec.site.name \"Paris\" is not a valid name; use at most 63 lowercase letters,"
                + " digits or '-', starting and ending with a letter or digit",
            PREFIX
                + "spec.site.group is missing; name the shared group (at most 63 lowercase"
                + " letters, digits or '-', starting and ending with a letter or digit)");
  }

  @Test
  void refusesAnUnknownRemoteMasterServiceModeNamingTheModes() {
    site("paris", "orders", 3);
    spec().getSite().setRemoteMasterService("ExternalName");

    assertOnlyError(
        "spec.site.remoteMasterService \"ExternalName\" is not a mode; use one of None,"
            + " EndpointSlice");
  }

  @Test
  void refusesSiteTimingsOutOfRange() {
    site("paris", "orders", 3);
    spec().getSite().setEtcdElectionTimeoutMillis(0);
    spec().getSite().setRttMillis(-1);

    assertThat(errors())
        .containsExactly(
            PREFIX + "spec.site.etcdElectionTimeoutMillis is 0; give milliseconds from 1 to 60000",
            PREFIX + "spec.site.rttMillis is -1; give milliseconds from 0 to 60000");
  }

  @Test
  void acceptsATtlTooShortForEtcdBetweenSitesWhichIsOnlyWarnedAbout() {
    site("paris", "orders", 3);
    spec().getElection().setLeaseTTLSeconds(2);
    spec().getSite().setEtcdElectionTimeoutMillis(1500);
    spec().getSite().setRttMillis(150);
    spec().getSite().setRemoteMasterService("EndpointSlice");

    assertThat(errors()).isEmpty();
  }

  private void neverMaster(List<Integer> ordinals, List<String> zones) {
    dev.halo.api.v1alpha1.NeverMasterSpec never = new dev.halo.api.v1alpha1.NeverMasterSpec();
    never.setOrdinals(ordinals);
    never.setZones(zones);
    spec().getElection().setNeverMaster(never);
  }

  @Test
  void acceptsNeverMasterMembersThatLeaveOneToBeMaster() {
    neverMaster(List.of(2), List.of("b"));
    assertThat(errors()).isEmpty();
  }

  @Test
  void refusesNeverMasterOrdinalsAndZonesTheGroupDoesNotHave() {
    neverMaster(List.of(3), List.of("d"));
    assertThat(errors())
        .containsExactly(
            PREFIX
                + "spec.election.neverMaster.ordinals[0] is 3, which is no pod of the group; list"
                + " ordinals 0..2 (spec.replicas is 3)",
            PREFIX
                + "spec.election.neverMaster.zones[0] is \"d\", which is not in spec.zones [a, b,"
                + " c]; list zones of spec.zones, or add the zone there");
  }

  @Test
  void refusesNeverMasterThatExcludesEveryMember() {
    neverMaster(List.of(0), List.of("b", "c"));
    assertOnlyError(
        "spec.election.neverMaster excludes every one of the 3 pods, so the group could never have"
            + " a master; leave at least one pod that may become master, or add replicas");
  }

  @Test
  void acceptsAValidGroup() {
    assertThat(errors()).isEmpty();
  }

  @Test
  void acceptsAGroupWithAllOptionsSet() {
    spec().getService().setName("web-primary");
    spec().getService().setType("NodePort");
    spec().getService().setStandby(true);
    health(http(8080, "/healthz"), null);
    spec().getAgent().setPort(9000);

    assertThat(errors()).isEmpty();
  }

  @Test
  void reportsAMissingSpec() {
    hag.setSpec(null);

    assertOnlyError("spec is missing; give at least spec.template and spec.election");
  }

  @Test
  void aMissingSpecNeedsOnlyATemplateWhenTheOperatorHasADefaultEtcd() {
    hag.setSpec(null);

    assertThat(HighAvailabilityGroupValidator.validate(hag, DEFAULT_ETCD))
        .containsExactly(PREFIX + "spec is missing; give at least spec.template");
  }

  @Test
  void reportsMissingReplicas() {
    spec().setReplicas(null);

    assertOnlyError("spec.replicas is missing; set it from 1 to 99");
  }

  @Test
  void reportsReplicasOutOfRange() {
    spec().setReplicas(0);
    assertOnlyError("spec.replicas is 0; set it from 1 to 99");
    spec().setReplicas(100);
    assertOnlyError("spec.replicas is 100; set it from 1 to 99");
  }

  @Test
  void reportsADuplicateZone() {
    spec().setZones(List.of("eu-1a", "eu-1b", "eu-1a"));

    assertOnlyError("spec.zones has a duplicate \"eu-1a\"; list each zone once");
  }

  @Test
  void reportsABlankZone() {
    spec().setZones(Arrays.asList("a", " ", null));

    assertThat(errors())
        .containsExactly(
            PREFIX + "spec.zones[1] is blank; remove it or name a zone",
            PREFIX + "spec.zones[2] is blank; remove it or name a zone");
  }

  @Test
  void reportsAZoneThatIsNotALabelValue() {
    spec().setZones(List.of("eu 1a", "-a", "a".repeat(64)));

    assertThat(errors())
        .hasSize(3)
        .allSatisfy(e -> assertThat(e).contains("is not a valid label value; use at most 63"));
    assertThat(errors().get(0)).startsWith(PREFIX + "spec.zones[0] \"eu 1a\"");
  }

  @Test
  void reportsAMissingTemplate() {
    spec().setTemplate(null);

    assertOnlyError("spec.template is missing; give the pod template of the workload");
  }

  @Test
  void reportsAMissingPodSpec() {
    spec().getTemplate().setSpec(null);

    assertOnlyError("spec.template.spec is missing; give the workload's pod spec");
  }

  @Test
  void reportsATemplateWithoutContainers() {
    podSpec().setContainers(new ArrayList<>());

    assertOnlyError("spec.template.spec.containers is empty; add the workload's container");
  }

  @Test
  void reportsAWorkloadContainerNamedLikeTheAgent() {
    app().setName("halo-agent");

    assertOnlyError(
        "spec.template.spec.containers[0].name \"halo-agent\" is reserved for the elector agent"
            + " that Halo adds; rename the container");
  }

  @Test
  void reportsAContainerWithoutImageOrName() {
    podSpec().getContainers().add(new ContainerBuilder().withImage(" ").build());

    assertThat(errors())
        .containsExactly(
            PREFIX + "spec.template.spec.containers[1].name is missing; name the container",
            PREFIX + "spec.template.spec.containers[1].image is blank; give the container's image");
  }

  @Test
  void reportsAVolumeOrMountThatCollidesWithTheRoleVolume() {
    podSpec().getVolumes().add(new VolumeBuilder().withName("halo-role").build());
    app()
        .getVolumeMounts()
        .add(new VolumeMountBuilder().withName("data").withMountPath("/var/run/halo").build());

    assertThat(errors())
        .containsExactlyInAnyOrder(
            PREFIX
                + "spec.template.spec.containers[0].volumeMounts[0].mountPath \"/var/run/halo\""
                + " is where Halo mounts the role file; mount the volume elsewhere",
            PREFIX
                + "spec.template.spec.volumes[0].name \"halo-role\" is reserved for the role"
                + " volume that Halo adds; rename the volume");
  }

  @Test
  void reportsAMissingElection() {
    spec().setElection(null);

    assertOnlyError(
        "spec.election is missing and the operator has no default (HALO_ETCD_ENDPOINTS); give"
            + " spec.election.endpoints, the etcd client URLs, or set HALO_ETCD_ENDPOINTS on the"
            + " operator");
  }

  @Test
  void reportsNoEndpointsWhenTheOperatorHasNoDefault() {
    spec().getElection().setEndpoints(List.of());

    assertOnlyError(
        "spec.election.endpoints is empty and the operator has no default (HALO_ETCD_ENDPOINTS);"
            + " list the etcd client URLs, e.g. http://etcd-0.etcd:2379, or set"
            + " HALO_ETCD_ENDPOINTS on the operator");
  }

  @Test
  void acceptsNoEndpointsWhenTheOperatorHasADefault() {
    spec().getElection().setEndpoints(List.of());

    assertThat(HighAvailabilityGroupValidator.validate(hag, DEFAULT_ETCD)).isEmpty();
  }

  @Test
  void acceptsAnOmittedElectionWhenTheOperatorHasADefault() {
    spec().setElection(null);

    assertThat(HighAvailabilityGroupValidator.validate(hag, DEFAULT_ETCD)).isEmpty();
  }

  @Test
  void checksTheGroupsOwnEndpointsEvenWhenTheOperatorHasADefault() {
    spec().getElection().setEndpoints(List.of("etcd:2379"));

    assertThat(HighAvailabilityGroupValidator.validate(hag, DEFAULT_ETCD))
        .containsExactly(
            PREFIX
                + "spec.election.endpoints[0] \"etcd:2379\" is not an http(s) URL with host and"
                + " port; use http://etcd:2379");
  }

  @Test
  void suggestsTheSchemeForAnEndpointWithoutOne() {
    spec().getElection().setEndpoints(List.of("etcd:2379"));

    assertOnlyError(
        "spec.election.endpoints[0] \"etcd:2379\" is not an http(s) URL with host and port;"
            + " use http://etcd:2379");
  }

  @Test
  void reportsEndpointsThatAreNotHttpUrlsWithHostAndPort() {
    spec()
        .getElection()
        .setEndpoints(
            List.of(
                "http://etcd", "unix:///run/etcd.sock", "http://a:1,http://b:2", "https://e:2379"));

    assertThat(errors())
        .hasSize(3)
        .allSatisfy(
            e ->
                assertThat(e)
                    .contains("is not an http(s) URL with host and port; give one like")
                    .contains("one URL per entry"));
  }

  @Test
  void reportsALeaseTtlBelowTheMinimumAndSaysWhy() {
    spec().getElection().setLeaseTTLSeconds(1);

    assertOnlyError(
        "spec.election.leaseTTLSeconds is 1; use 2 to 60 (default 5, which survives an etcd"
            + " leader change): etcd raises TTLs below its minimum, so the agents' deadlines"
            + " would not hold");
  }

  @Test
  void reportsALeaseTtlAboveTheMaximumAndSaysWhy() {
    spec().getElection().setLeaseTTLSeconds(61);

    assertThat(errors())
        .singleElement()
        .asString()
        .startsWith(PREFIX + "spec.election.leaseTTLSeconds is 61; use 2 to 60")
        .contains("failover would take more than a minute");
  }

  @Test
  void reportsHealthWithBothChecks() {
    TcpSocketCheck tcp = new TcpSocketCheck();
    tcp.setPort(8080);
    health(http(8080, "/"), tcp);

    assertOnlyError("spec.health sets both httpGet and tcpSocket; keep one of them");
  }

  @Test
  void reportsHealthWithNeitherCheck() {
    health(null, null);

    assertOnlyError(
        "spec.health sets neither httpGet nor tcpSocket; set one of them, or remove spec.health");
  }

  @Test
  void reportsAHealthPortOutOfRange() {
    health(http(0, "/"), null);
    assertOnlyError("spec.health.httpGet.port is 0; use a port from 1 to 65535");
    health(null, new TcpSocketCheck());
    assertOnlyError("spec.health.tcpSocket.port is missing; give a port from 1 to 65535");
  }

  @Test
  void reportsAHealthPathWithoutLeadingSlash() {
    health(http(8080, "healthz"), null);

    assertOnlyError(
        "spec.health.httpGet.path \"healthz\" does not start with '/'; use \"/healthz\"");
  }

  @Test
  void reportsATooShortHealthPeriodAndANonPositiveThreshold() {
    HealthSpec health = health(http(8080, "/"), null);
    health.setPeriodMillis(50);
    health.setFailureThreshold(0);

    assertThat(errors())
        .containsExactly(
            PREFIX + "spec.health.periodMillis is 50; use at least 100 (milliseconds)",
            PREFIX + "spec.health.failureThreshold is 0; use at least 1");
  }

  @Test
  void reportsAnAgentPortOutOfRange() {
    spec().getAgent().setPort(70000);

    assertOnlyError("spec.agent.port is 70000; use a port from 1 to 65535");
  }

  @Test
  void reportsAnAgentPortThatTheWorkloadUses() {
    spec().getAgent().setPort(8080);

    assertOnlyError(
        "spec.agent.port 8080 is also a containerPort of container \"app\"; set spec.agent.port"
            + " to a port the workload does not use");
  }

  @Test
  void reportsAWorkloadPortThatClashesWithTheDefaultAgentPort() {
    spec().setAgent(null);
    app().getPorts().get(0).setContainerPort(8778);

    assertOnlyError(
        "spec.agent.port 8778 (the default) is also a containerPort of container \"app\"; set"
            + " spec.agent.port to a port the workload does not use");
  }

  @Test
  void reportsAnUnsupportedServiceType() {
    spec().getService().setType("ExternalName");

    assertOnlyError(
        "spec.service.type \"ExternalName\" is not supported; use ClusterIP, NodePort or"
            + " LoadBalancer");
  }

  @Test
  void reportsAServiceNameThatIsNotADns1035Label() {
    spec().getService().setName("1-web");

    assertThat(errors())
        .singleElement()
        .asString()
        .startsWith(PREFIX + "spec.service.name \"1-web\" is not a valid Service name; use");
  }

  @Test
  void reportsAServiceWithoutAnyPort() {
    app().setPorts(new ArrayList<>());

    assertOnlyError(
        "spec.service.ports is empty and the workload containers declare no containerPort;"
            + " list the Service's ports or add containerPorts to the workload");
  }

  @Test
  void reportsAGroupNameTooLongForItsPodNames() {
    String name = "w".repeat(62);
    hag.getMetadata().setName(name);
    spec().setReplicas(10);

    assertThat(errors())
        .containsExactly(
            "HighAvailabilityGroup shop/"
                + name
                + ": metadata.name \""
                + name
                + "\" is too long: pod \""
                + name
                + "-9\" would have 64 characters, more than 63; use at most 61 characters");
  }

  @Test
  void reportsAGroupNameThatCannotPrefixPodNames() {
    hag.getMetadata().setName("Web");

    assertThat(errors())
        .singleElement()
        .asString()
        .contains("metadata.name \"Web\" cannot prefix pod names; use at most 63 lowercase");
  }

  @Test
  void reportsAGroupNameThatCannotNameTheMasterService() {
    hag.getMetadata().setName("1web");

    assertThat(errors())
        .singleElement()
        .asString()
        .contains("cannot name the master Service")
        .endsWith("rename the group or set spec.service.name");
    spec().getService().setName("web");
    assertThat(errors()).isEmpty();
  }

  @Test
  void reportsAGroupNameTooLongForTheStandbyService() {
    String name = "w".repeat(56);
    hag.getMetadata().setName(name);
    assertThat(errors()).isEmpty();

    spec().getService().setStandby(true);

    assertThat(errors())
        .singleElement()
        .asString()
        .contains("cannot name the standby Service \"" + name + "-standby\"")
        .contains("use a group name of at most 55 characters");
  }

  @Test
  void reportsAMissingName() {
    hag.getMetadata().setName(null);

    assertThat(errors())
        .containsExactly(
            "HighAvailabilityGroup shop/<unnamed>: metadata.name is missing; name the group");
  }

  @Test
  void reportsAMissingGroupWithoutThrowing() {
    assertThat(HighAvailabilityGroupValidator.validate(null, NO_DEFAULT_ETCD))
        .containsExactly("HighAvailabilityGroup is missing; pass the group to validate");
  }

  @Test
  void reportsEveryMissingPartOfAGroupWithNullsEverywhere() {
    HighAvailabilityGroup empty = new HighAvailabilityGroup();
    empty.setMetadata(null);
    HighAvailabilityGroupSpec nulls = new HighAvailabilityGroupSpec();
    nulls.setReplicas(null);
    nulls.setZones(null);
    nulls.setTemplate(null);
    nulls.setService(null);
    nulls.setElection(null);
    nulls.setHealth(null);
    nulls.setAgent(null);
    empty.setSpec(nulls);

    assertThat(HighAvailabilityGroupValidator.validate(empty, NO_DEFAULT_ETCD))
        .containsExactly(
            "HighAvailabilityGroup <unnamed>: metadata.name is missing; name the group",
            "HighAvailabilityGroup <unnamed>: spec.replicas is missing; set it from 1 to 99",
            "HighAvailabilityGroup <unnamed>: spec.template is missing; give the pod template"
                + " of the workload",
            "HighAvailabilityGroup <unnamed>: spec.election is missing and the operator has no"
                + " default (HALO_ETCD_ENDPOINTS); give spec.election.endpoints, the etcd client"
                + " URLs, or set HALO_ETCD_ENDPOINTS on the operator");
  }

  @Test
  void reportsNullsInsideTheSpecWithoutThrowing() {
    hag.getMetadata().setNamespace(null);
    spec().setZones(Arrays.asList((String) null));
    podSpec().setContainers(Arrays.asList((Container) null));
    podSpec().setVolumes(Arrays.asList((Volume) null));
    spec().getElection().setEndpoints(Arrays.asList((String) null));
    spec().getElection().setLeaseTTLSeconds(null);
    HealthSpec health = health(new HttpGetCheck(), null);
    health.getHttpGet().setPath(null);
    health.setPeriodMillis(null);
    health.setFailureThreshold(null);
    AgentSpec agent = new AgentSpec();
    agent.setPort(null);
    agent.setJvmOptions(null);
    spec().setAgent(agent);
    ServiceSpec service = new ServiceSpec();
    service.setName(null);
    service.setType(null);
    service.setPorts(null);
    service.setStandby(null);
    spec().setService(service);

    assertThat(errors())
        .containsExactly(
            "HighAvailabilityGroup web: spec.zones[0] is blank; remove it or name a zone",
            "HighAvailabilityGroup web: spec.template.spec.containers[0] is empty; give the"
                + " container a name and an image",
            "HighAvailabilityGroup web: spec.election.endpoints[0] is blank; give an etcd client"
                + " URL, e.g. http://etcd-0.etcd:2379",
            "HighAvailabilityGroup web: spec.health.httpGet.port is missing; give a port from 1"
                + " to 65535");
  }

  @Test
  void preferredZonesMustBeZonesOfTheGroup() {
    spec().getElection().setPreferred(List.of("c", "x"));
    assertOnlyError(
        "spec.election.preferred names \"x\", which is not in spec.zones (a, b, c); list zones of"
            + " spec.zones, most preferred first");
    spec().getElection().setPreferred(List.of("c", "a"));
    assertThat(errors()).isEmpty();
  }

  @Test
  void failbackIsZeroToADay() {
    spec().getElection().setFailbackAfterSeconds(86_401);
    assertOnlyError(
        "spec.election.failbackAfterSeconds is 86401; give seconds from 0 (never fail back) to"
            + " 86400");
    spec().getElection().setFailbackAfterSeconds(0);
    assertThat(errors()).isEmpty();
  }
}
