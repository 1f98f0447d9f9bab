package dev.halo.operator.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.AgentDefaults;
import dev.halo.common.Annotations;
import dev.halo.common.DrainHook;
import dev.halo.common.Labels;
import dev.halo.common.Names;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodFactoryTest {
  private static final OperatorDefaults DEFAULTS = OperatorDefaults.of("halo/halo:test");
  private static final NodeSelectorRequirement ZONE_B = requirement(Labels.TOPOLOGY_ZONE, "b");

  private final HighAvailabilityGroup hag = TestGroups.valid("shop", "web");

  private Pod pod(int index) {
    return PodFactory.pod(hag, index, DEFAULTS);
  }

  private static NodeSelectorRequirement requirement(String key, String value) {
    return new NodeSelectorRequirementBuilder()
        .withKey(key)
        .withOperator("In")
        .withValues(value)
        .build();
  }

  private static Container container(Pod pod, String name) {
    return pod.getSpec().getContainers().stream()
        .filter(c -> c.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static List<NodeSelectorTerm> requiredTerms(Pod pod) {
    return pod.getSpec()
        .getAffinity()
        .getNodeAffinity()
        .getRequiredDuringSchedulingIgnoredDuringExecution()
        .getNodeSelectorTerms();
  }

  private void addSidecar(Container sidecar) {
    hag.getSpec().getTemplate().getSpec().getContainers().add(sidecar);
  }

  @Test
  void namesThePodAfterGroupAndIndexInTheGroupsNamespace() {
    Pod pod = pod(2);

    assertThat(pod.getMetadata().getName()).isEqualTo("web-2");
    assertThat(pod.getMetadata().getNamespace()).isEqualTo("shop");
  }

  @Test
  void labelsEveryNewPodAsAStandbyOfItsGroupIndexAndZone() {
    assertThat(pod(1).getMetadata().getLabels())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                Labels.GROUP, "web",
                Labels.INDEX, "1",
                Labels.ZONE, "b",
                Labels.ROLE, Labels.ROLE_STANDBY,
                Labels.APP_NAME, "web",
                Labels.APP_INSTANCE, "web",
                Labels.APP_MANAGED_BY, "halo"));
  }

  @Test
  void keepsTemplateLabelsAndTakesTheAppNameFromTheTemplate() {
    hag.getSpec().getTemplate().getMetadata().getLabels().put(Labels.APP_NAME, "shop-frontend");
    hag.getSpec().getTemplate().getMetadata().getLabels().put("team", "checkout");

    assertThat(pod(0).getMetadata().getLabels())
        .contains(entry(Labels.APP_NAME, "shop-frontend"), entry("team", "checkout"))
        .contains(entry(Labels.APP_INSTANCE, "web"));
  }

  @Test
  void neitherLabelsNorPinsAZoneWhenTheGroupHasNoZones() {
    hag.getSpec().setZones(List.of());

    Pod pod = pod(0);

    assertThat(pod.getMetadata().getLabels()).doesNotContainKey(Labels.ZONE);
    assertThat(pod.getSpec().getAffinity()).isNull();
  }

  @Test
  void annotatesTheTemplateHashAndTheDefaultContainer() {
    hag.getSpec().getTemplate().getMetadata().getAnnotations().put("prometheus.io/scrape", "true");

    assertThat(pod(0).getMetadata().getAnnotations())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                Annotations.TEMPLATE_HASH,
                PodFactory.templateHash(hag, DEFAULTS),
                Annotations.DEFAULT_CONTAINER,
                "app",
                "prometheus.io/scrape",
                "true"));
  }

  @Test
  void isControlledByTheGroup() {
    OwnerReference owner = pod(0).getMetadata().getOwnerReferences().get(0);

    assertThat(owner.getApiVersion()).isEqualTo("halo.dev/v1alpha1");
    assertThat(owner.getKind()).isEqualTo("HighAvailabilityGroup");
    assertThat(owner.getName()).isEqualTo("web");
    assertThat(owner.getUid()).isEqualTo(hag.getMetadata().getUid());
    assertThat(owner.getController()).isTrue();
    assertThat(owner.getBlockOwnerDeletion()).isTrue();
  }

  @Test
  void assignsZonesRoundRobinByIndex() {
    assertThat(List.of(0, 1, 2, 3, 4))
        .map(i -> PodFactory.zoneOf(hag, i).orElseThrow())
        .containsExactly("a", "b", "c", "a", "b");
    hag.getSpec().setZones(List.of());
    assertThat(PodFactory.zoneOf(hag, 0)).isEmpty();
  }

  @Test
  void pinsThePodToItsZoneWithRequiredNodeAffinity() {
    List<NodeSelectorTerm> terms = requiredTerms(pod(1));

    assertThat(terms).singleElement();
    assertThat(terms.get(0).getMatchExpressions()).containsExactly(ZONE_B);
  }

  @Test
  void addsTheZoneToEachRequiredTermAndKeepsTheRestOfTheTemplatesAffinity() {
    hag.getSpec()
        .getTemplate()
        .getSpec()
        .setAffinity(
            new AffinityBuilder()
                .withNewNodeAffinity()
                .withNewRequiredDuringSchedulingIgnoredDuringExecution()
                .addNewNodeSelectorTerm()
                .withMatchExpressions(requirement("disk", "ssd"))
                .endNodeSelectorTerm()
                .addNewNodeSelectorTerm()
                .withMatchExpressions(requirement("pool", "fast"))
                .endNodeSelectorTerm()
                .endRequiredDuringSchedulingIgnoredDuringExecution()
                .addNewPreferredDuringSchedulingIgnoredDuringExecution()
                .withWeight(10)
                .withNewPreference()
                .withMatchExpressions(requirement("cost", "low"))
                .endPreference()
                .endPreferredDuringSchedulingIgnoredDuringExecution()
                .endNodeAffinity()
                .withNewPodAntiAffinity()
                .addNewPreferredDuringSchedulingIgnoredDuringExecution()
                .withWeight(1)
                .withNewPodAffinityTerm()
                .withTopologyKey("kubernetes.io/hostname")
                .endPodAffinityTerm()
                .endPreferredDuringSchedulingIgnoredDuringExecution()
                .endPodAntiAffinity()
                .build());

    Pod pod = pod(1);

    List<NodeSelectorTerm> terms = requiredTerms(pod);
    Affinity affinity = pod.getSpec().getAffinity();
    assertThat(terms).hasSize(2);
    assertThat(terms.get(0).getMatchExpressions())
        .containsExactly(requirement("disk", "ssd"), ZONE_B);
    assertThat(terms.get(1).getMatchExpressions())
        .containsExactly(requirement("pool", "fast"), ZONE_B);
    assertThat(affinity.getNodeAffinity().getPreferredDuringSchedulingIgnoredDuringExecution())
        .hasSize(1);
    assertThat(affinity.getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution())
        .hasSize(1);
  }

  @Test
  void appendsTheAgentAfterTheWorkloadContainers() {
    addSidecar(new ContainerBuilder().withName("log").withImage("example/log:1").build());

    assertThat(pod(0).getSpec().getContainers())
        .extracting(Container::getName)
        .containsExactly("app", "log", Names.AGENT_CONTAINER);
  }

  @Test
  void mountsTheRoleVolumeReadOnlyInEveryWorkloadContainer() {
    addSidecar(new ContainerBuilder().withName("log").withImage("example/log:1").build());
    Pod pod = pod(0);

    assertThat(pod.getSpec().getVolumes())
        .extracting(Volume::getName)
        .containsExactly(Names.ROLE_VOLUME);
    Volume role = pod.getSpec().getVolumes().get(0);
    assertThat(role.getEmptyDir().getMedium()).isEqualTo("Memory");
    assertThat(role.getEmptyDir().getSizeLimit()).isEqualTo(new Quantity("1Mi"));
    for (String name : List.of("app", "log")) {
      VolumeMount mount = container(pod, name).getVolumeMounts().get(0);
      assertThat(mount.getName()).isEqualTo(Names.ROLE_VOLUME);
      assertThat(mount.getMountPath()).isEqualTo(Names.ROLE_MOUNT_PATH);
      assertThat(mount.getReadOnly()).isTrue();
    }
  }

  @Test
  void givesEveryContainerTheDrainHookAndKeepsATemplatesOwnExecHook() {
    addSidecar(
        new ContainerBuilder()
            .withName("db")
            .withImage("example/db:1")
            .withNewLifecycle()
            .withNewPreStop()
            .withNewExec()
            .withCommand("pg_ctl", "stop")
            .endExec()
            .endPreStop()
            .endLifecycle()
            .build());
    hag.getMetadata().setUid("6f1c0d2e-0000-4000-8000-000000000001");
    Pod pod = PodFactory.pod(hag, 1, DEFAULTS);
    String token = DrainHook.token("6f1c0d2e-0000-4000-8000-000000000001", "web-1");

    // Grace 30 s: 5 s to stop, 1 s to settle, so the hook waits for the successor at most 24 s.
    String drain = "/drain?token=" + token + "&timeoutSeconds=24&settleMillis=1000";
    HTTPGetAction app = container(pod, "app").getLifecycle().getPreStop().getHttpGet();
    assertThat(app.getPath()).isEqualTo(drain);
    assertThat(app.getPort().getIntVal()).isEqualTo(AgentDefaults.PORT);
    assertThat(app.getHost()).as("the pod's IP, where the agent listens").isNull();
    assertThat(container(pod, Names.AGENT_CONTAINER).getLifecycle().getPreStop().getHttpGet())
        .isEqualTo(app);
    assertThat(container(pod, "db").getLifecycle().getPreStop().getHttpGet()).isNull();
    assertThat(container(pod, "db").getLifecycle().getPreStop().getExec().getCommand())
        .containsExactly("pg_ctl", "stop");
    assertThat(container(pod, "db").getEnv())
        .anySatisfy(
            e -> {
              assertThat(e.getName()).isEqualTo("HALO_DRAIN_URL");
              assertThat(e.getValue()).isEqualTo("http://127.0.0.1:" + AgentDefaults.PORT + drain);
            });
    assertThat(container(pod, "app").getEnv())
        .noneSatisfy(e -> assertThat(e.getName()).isEqualTo("HALO_DRAIN_URL"));
  }

  @Test
  void runsATemplatesOwnSleepHookAfterTheHandOverWithinTheGracePeriod() {
    hag.getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .get(0)
        .setLifecycle(
            new io.fabric8.kubernetes.api.model.LifecycleBuilder()
                .withNewPreStop()
                .withNewSleep()
                .withSeconds(4L)
                .endSleep()
                .endPreStop()
                .build());
    hag.getSpec().getTemplate().getSpec().setTerminationGracePeriodSeconds(20L);

    LifecycleHandler hook = container(pod(0), "app").getLifecycle().getPreStop();

    assertThat(hook.getSleep()).isNull();
    // 20 s: 5 to stop, 1 to settle, 4 of the template's sleep: 10 s left to wait.
    assertThat(hook.getHttpGet().getPath())
        .endsWith("&timeoutSeconds=10&settleMillis=1000&thenSleepSeconds=4");
  }

  @Test
  void keepsTheTemplatesGracePeriodButAtLeastTheShortestDrainPlusFiveSeconds() {
    assertThat(pod(0).getSpec().getTerminationGracePeriodSeconds()).isEqualTo(30L);
    hag.getSpec().getTemplate().getSpec().setTerminationGracePeriodSeconds(3L);
    assertThat(pod(0).getSpec().getTerminationGracePeriodSeconds()).isEqualTo(7L);
    hag.getSpec().getTemplate().getSpec().setTerminationGracePeriodSeconds(120L);
    assertThat(pod(0).getSpec().getTerminationGracePeriodSeconds()).isEqualTo(120L);
  }

  @Test
  void mountsNoServiceAccountTokenUnlessTheTemplateAsksForIt() {
    assertThat(pod(0).getSpec().getAutomountServiceAccountToken()).isFalse();
    hag.getSpec().getTemplate().getSpec().setAutomountServiceAccountToken(true);
    assertThat(pod(0).getSpec().getAutomountServiceAccountToken()).isTrue();
  }

  @Test
  void neverChangesTheGroupItBuildsFrom() {
    KubernetesSerialization json = new KubernetesSerialization();
    hag.getSpec().getTemplate().getSpec().setAffinity(new AffinityBuilder().build());
    String before = json.asJson(hag);

    pod(1);

    assertThat(json.asJson(hag)).isEqualTo(before);
    assertThat(hag.getSpec().getTemplate().getSpec().getVolumes()).isEmpty();
  }
}
