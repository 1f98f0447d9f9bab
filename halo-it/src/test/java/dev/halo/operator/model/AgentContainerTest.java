package dev.halo.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.agent.AgentConfig;
import dev.halo.agent.AgentConfigParser;
import dev.halo.api.v1alpha1.AgentSpec;
import dev.halo.api.v1alpha1.HealthSpec;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.HttpGetCheck;
import dev.halo.api.v1alpha1.SiteSpec;
import dev.halo.api.v1alpha1.TcpSocketCheck;
import dev.halo.common.AgentDefaults;
import dev.halo.common.MemberIdentity;
import dev.halo.common.Names;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The elector agent container as PodFactory builds it. */
class AgentContainerTest {
  private static final OperatorDefaults DEFAULTS = OperatorDefaults.of("halo/halo:test");

  private final HighAvailabilityGroup hag = TestGroups.valid("shop", "web");

  private Container agent() {
    return agent(DEFAULTS);
  }

  private Container agent(OperatorDefaults defaults) {
    List<Container> containers = PodFactory.pod(hag, 1, defaults).getSpec().getContainers();
    Container last = containers.get(containers.size() - 1);
    assertThat(last.getName()).isEqualTo(Names.AGENT_CONTAINER);
    return last;
  }

  /** The environment as the kubelet would set it for pod web-1. */
  private Map<String, String> resolvedEnv() {
    return resolvedEnv(DEFAULTS);
  }

  private Map<String, String> resolvedEnv(OperatorDefaults defaults) {
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvVar var : agent(defaults).getEnv()) {
      String value =
          var.getValueFrom() == null
              ? var.getValue()
              : switch (var.getValueFrom().getFieldRef().getFieldPath()) {
                case "metadata.name" -> "web-1";
                case "metadata.uid" -> "uid-pod-web-1";
                case "status.podIP" -> "10.1.2.3";
                default -> throw new AssertionError("unexpected fieldRef " + var);
              };
      env.put(var.getName(), value);
    }
    return env;
  }

  private static HealthSpec health(HttpGetCheck http, TcpSocketCheck tcp) {
    HealthSpec health = new HealthSpec();
    health.setHttpGet(http);
    health.setTcpSocket(tcp);
    health.setPeriodMillis(500);
    health.setFailureThreshold(2);
    return health;
  }

  @Test
  void publishesThePodAndGroupUidsForTheAgentsMemberIdentity(@TempDir Path roleDir) {
    Map<String, String> env = resolvedEnv();
    env.put("HALO_ROLE_FILE", roleDir.resolve("role").toString());

    AgentConfig config = AgentConfigParser.parse(env).config().orElseThrow();

    assertThat(config.podUid()).isEqualTo("uid-pod-web-1");
    assertThat(config.groupUid()).isEqualTo("uid-shop-web");
  }

  @Test
  void aSitesAgentCampaignsInTheSharedElectionAndPublishesItsSiteAndPodIp(@TempDir Path roleDir) {
    SiteSpec site = new SiteSpec();
    site.setName("paris");
    site.setGroup("orders");
    hag.getSpec().setSite(site);
    Map<String, String> env = resolvedEnv();
    env.put("HALO_ROLE_FILE", roleDir.resolve("role").toString());

    AgentConfig config = AgentConfigParser.parse(env).config().orElseThrow();

    assertThat(config.election()).isEqualTo("/halo/_sites/orders/election");
    assertThat(config.identity())
        .isEqualTo(
            new MemberIdentity("web-1", "uid-pod-web-1", "uid-shop-web")
                .atSite("paris", "10.1.2.3"));
  }

  @Test
  void passesTheElectionToTheAgentThroughItsEnvironment() {
    List<EnvVar> env = agent().getEnv();

    assertThat(env)
        .extracting(EnvVar::getName)
        .containsExactly(
            "POD_NAME",
            "HALO_MEMBER",
            "HALO_POD_UID",
            "HALO_GROUP_UID",
            "HALO_ETCD_ENDPOINTS",
            "HALO_ELECTION",
            "HALO_LEASE_TTL_SECONDS",
            "HALO_AGENT_PORT",
            "HALO_ROLE_FILE");
    assertThat(env.subList(0, 2))
        .allSatisfy(
            var -> {
              assertThat(var.getValue()).isNull();
              assertThat(var.getValueFrom().getFieldRef().getFieldPath())
                  .isEqualTo("metadata.name");
            });
    assertThat(resolvedEnv())
        .containsEntry("HALO_ETCD_ENDPOINTS", "http://127.0.0.1:2379")
        .containsEntry("HALO_ELECTION", "/halo/shop/web/election")
        .containsEntry("HALO_LEASE_TTL_SECONDS", "5")
        .containsEntry("HALO_AGENT_PORT", "8778")
        .containsEntry("HALO_ROLE_FILE", Names.ROLE_FILE);
  }

  @Test
  void joinsEveryEtcdEndpointWithCommas() {
    hag.getSpec().getElection().getEndpoints().add("https://etcd-1.etcd:2379");

    assertThat(resolvedEnv())
        .containsEntry("HALO_ETCD_ENDPOINTS", "http://127.0.0.1:2379,https://etcd-1.etcd:2379");
  }

  @Test
  void usesTheOperatorsDefaultEndpointsWhenTheGroupListsNone() {
    hag.getSpec().getElection().getEndpoints().clear();
    OperatorDefaults withEtcd =
        OperatorDefaults.of("halo/halo:test", List.of("http://etcd-0:2379", "http://etcd-1:2379"));

    assertThat(resolvedEnv(withEtcd))
        .containsEntry("HALO_ETCD_ENDPOINTS", "http://etcd-0:2379,http://etcd-1:2379");
  }

  @Test
  void usesTheGroupsOwnEndpointsOverTheOperatorsDefault() {
    OperatorDefaults withEtcd = OperatorDefaults.of("halo/halo:test", List.of("http://etcd:2379"));

    assertThat(resolvedEnv(withEtcd)).containsEntry("HALO_ETCD_ENDPOINTS", "http://127.0.0.1:2379");
  }

  @Test
  void anOmittedElectionGetsTheDefaultEndpointsAndTtl() {
    hag.getSpec().setElection(null);
    OperatorDefaults withEtcd = OperatorDefaults.of("halo/halo:test", List.of("http://etcd:2379"));

    assertThat(resolvedEnv(withEtcd))
        .containsEntry("HALO_ETCD_ENDPOINTS", "http://etcd:2379")
        .containsEntry("HALO_LEASE_TTL_SECONDS", Integer.toString(AgentDefaults.LEASE_TTL_SECONDS));
  }

  @Test
  void probesAnHttpHealthCheckOnLocalhost() {
    HttpGetCheck http = new HttpGetCheck();
    http.setPort(8080);
    http.setPath("/ready");
    hag.getSpec().setHealth(health(http, null));

    assertThat(resolvedEnv())
        .containsEntry("HALO_HEALTH_HTTP", "http://127.0.0.1:8080/ready")
        .containsEntry("HALO_HEALTH_PERIOD_MS", "500")
        .containsEntry("HALO_HEALTH_FAILURES", "2")
        .doesNotContainKey("HALO_HEALTH_TCP");
  }

  @Test
  void probesATcpHealthCheckOnLocalhost() {
    TcpSocketCheck tcp = new TcpSocketCheck();
    tcp.setPort(5432);
    hag.getSpec().setHealth(health(null, tcp));

    assertThat(resolvedEnv())
        .containsEntry("HALO_HEALTH_TCP", "127.0.0.1:5432")
        .doesNotContainKey("HALO_HEALTH_HTTP");
  }

  @Test
  void givesAnEnvironmentTheAgentAccepts(@TempDir Path roleDir) {
    HttpGetCheck http = new HttpGetCheck();
    http.setPort(8080);
    hag.getSpec().setHealth(health(http, null));
    Map<String, String> env = resolvedEnv();
    // The role volume only exists in the pod; point the role file at a directory that exists.
    env.put("HALO_ROLE_FILE", roleDir.resolve("role").toString());

    AgentConfigParser.Result result = AgentConfigParser.parse(env);

    assertThat(result.errors()).isEmpty();
    AgentConfig config = result.config().orElseThrow();
    assertThat(config.member()).isEqualTo("web-1");
    assertThat(config.election()).isEqualTo("/halo/shop/web/election");
    assertThat(config.etcdEndpoints()).containsExactly(URI.create("http://127.0.0.1:2379"));
    assertThat(config.port()).isEqualTo(AgentDefaults.PORT);
  }

  @Test
  void runsTheJarWithTheDefaultJvmOptionsThenTheGroupsOwn() {
    hag.getSpec().getAgent().setJvmOptions(new ArrayList<>(List.of("-Xmx32m")));

    List<String> expected = new ArrayList<>();
    expected.add("java");
    expected.addAll(AgentDefaults.JVM_OPTIONS);
    expected.addAll(List.of("-Xmx32m", "-jar", "/opt/halo/halo-agent.jar", "agent"));
    assertThat(agent().getCommand()).containsExactlyElementsOf(expected);
  }

  @Test
  void usesTheOperatorsAgentImageUnlessTheGroupNamesOne() {
    assertThat(agent().getImage()).isEqualTo("halo/halo:test");
    hag.getSpec().getAgent().setImage("mirror/halo:1");
    assertThat(agent().getImage()).isEqualTo("mirror/halo:1");
  }

  @Test
  void exposesItsPortAndIsProbedForLivenessOnly() {
    Container agent = agent();

    assertThat(agent.getPorts()).singleElement();
    assertThat(agent.getPorts().get(0).getName()).isEqualTo("halo-agent");
    assertThat(agent.getPorts().get(0).getContainerPort()).isEqualTo(8778);
    assertThat(agent.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(agent.getLivenessProbe().getHttpGet().getPort())
        .isEqualTo(new IntOrString("halo-agent"));
    assertThat(agent.getLivenessProbe().getPeriodSeconds()).isEqualTo(10);
    assertThat(agent.getLivenessProbe().getFailureThreshold()).isEqualTo(3);
    assertThat(agent.getLivenessProbe().getTimeoutSeconds()).isEqualTo(2);
    assertThat(agent.getReadinessProbe()).isNull();
  }

  @Test
  void listensOnTheGroupsAgentPort() {
    hag.getSpec().getAgent().setPort(9000);

    assertThat(agent().getPorts().get(0).getContainerPort()).isEqualTo(9000);
    assertThat(resolvedEnv()).containsEntry("HALO_AGENT_PORT", "9000");
  }

  @Test
  void requestsSmallDefaultResources() {
    assertThat(agent().getResources().getRequests())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("cpu", new Quantity("50m"), "memory", new Quantity("96Mi")));
    assertThat(agent().getResources().getLimits())
        .containsExactlyInAnyOrderEntriesOf(Map.of("memory", new Quantity("128Mi")));
  }

  @Test
  void takesTheGroupsResourcesWhenSet() {
    AgentSpec agentSpec = hag.getSpec().getAgent();
    agentSpec.setResources(
        new ResourceRequirementsBuilder().addToLimits("memory", new Quantity("256Mi")).build());

    assertThat(agent().getResources()).isEqualTo(agentSpec.getResources());
    assertThat(agent().getResources()).isNotSameAs(agentSpec.getResources());
  }

  @Test
  void runsUnprivilegedWithAReadOnlyRootFilesystem() {
    SecurityContext security = agent().getSecurityContext();

    assertThat(security.getRunAsNonRoot()).isTrue();
    assertThat(security.getRunAsUser()).isEqualTo(10001L);
    assertThat(security.getAllowPrivilegeEscalation()).isFalse();
    assertThat(security.getReadOnlyRootFilesystem()).isTrue();
    assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(security.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
  }

  @Test
  void writesTheRoleFileIntoTheSharedVolume() {
    assertThat(agent().getVolumeMounts())
        .singleElement()
        .satisfies(
            mount -> {
              assertThat(mount.getName()).isEqualTo(Names.ROLE_VOLUME);
              assertThat(mount.getMountPath()).isEqualTo(Names.ROLE_MOUNT_PATH);
              assertThat(mount.getReadOnly()).isNotEqualTo(Boolean.TRUE);
            });
  }
}
