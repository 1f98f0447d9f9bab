package dev.halo.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.api.v1alpha1.ElectionSpec;
import dev.halo.api.v1alpha1.EtcdTlsSpec;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** What {@link PodFactory#templateHash} reacts to: everything in the pod, nothing else. */
class TemplateHashTest {
  private static final OperatorDefaults DEFAULTS = OperatorDefaults.of("halo/halo:1");
  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  private static String hash(HighAvailabilityGroup hag) {
    return PodFactory.templateHash(hag, DEFAULTS);
  }

  private static String hashAfter(Consumer<HighAvailabilityGroup> change) {
    HighAvailabilityGroup hag = TestGroups.valid("shop", "web");
    change.accept(hag);
    return hash(hag);
  }

  private static final String ORIGINAL = hash(TestGroups.valid("shop", "web"));

  @Test
  void isTenHexDigitsAndStableAcrossCallsAndCopies() {
    HighAvailabilityGroup hag = TestGroups.valid("shop", "web");
    HighAvailabilityGroup copy = JSON.unmarshal(JSON.asJson(hag), HighAvailabilityGroup.class);

    assertThat(hash(hag)).matches("[0-9a-f]{10}").isEqualTo(hash(hag)).isEqualTo(hash(copy));
  }

  @Test
  void doesNotDependOnTheOrderOfMapEntries() {
    String ab =
        hashAfter(
            hag -> hag.getSpec().getTemplate().getMetadata().getLabels().putAll(ordered("a", "b")));
    String ba =
        hashAfter(
            hag -> hag.getSpec().getTemplate().getMetadata().getLabels().putAll(ordered("b", "a")));

    assertThat(ab).isEqualTo(ba);
  }

  private static Map<String, String> ordered(String first, String second) {
    Map<String, String> map = new LinkedHashMap<>();
    map.put(first, "value-" + first);
    map.put(second, "value-" + second);
    return map;
  }

  @Test
  void changesWithTheTemplate() {
    assertThat(
            hashAfter(
                hag ->
                    hag.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("x:2")))
        .isNotEqualTo(ORIGINAL);
  }

  @Test
  void changesWithTheLeaseTtl() {
    assertThat(hashAfter(hag -> hag.getSpec().getElection().setLeaseTTLSeconds(10)))
        .isNotEqualTo(ORIGINAL);
  }

  @Test
  void staysWhenNeverMasterMembersChangeSoNoPodRestarts() {
    assertThat(
            hashAfter(
                hag -> {
                  var never = new dev.halo.api.v1alpha1.NeverMasterSpec();
                  never.setZones(java.util.List.of("c"));
                  hag.getSpec().getElection().setNeverMaster(never);
                }))
        .isEqualTo(ORIGINAL);
  }

  @Test
  void changesWithTheAgentImage() {
    assertThat(hashAfter(hag -> hag.getSpec().getAgent().setImage("halo/halo:2")))
        .isNotEqualTo(ORIGINAL);
    assertThat(PodFactory.templateHash(TestGroups.valid("shop", "web"), OperatorDefaults.of("x")))
        .isNotEqualTo(ORIGINAL);
  }

  @Test
  void changesWithZonesAndEndpoints() {
    assertThat(hashAfter(hag -> hag.getSpec().setZones(List.of("a", "b")))).isNotEqualTo(ORIGINAL);
    assertThat(hashAfter(hag -> hag.getSpec().getElection().getEndpoints().add("http://e:2379")))
        .isNotEqualTo(ORIGINAL);
  }

  @Test
  void changesWithTheOperatorsDefaultEndpointsWhenTheGroupUsesThem() {
    HighAvailabilityGroup hag = TestGroups.valid("shop", "web");
    hag.getSpec().getElection().getEndpoints().clear();

    assertThat(PodFactory.templateHash(hag, withEtcd("http://etcd-a:2379")))
        .isNotEqualTo(PodFactory.templateHash(hag, withEtcd("http://etcd-b:2379")));
  }

  @Test
  void ignoresTheOperatorsDefaultEndpointsWhenTheGroupListsItsOwn() {
    HighAvailabilityGroup hag = TestGroups.valid("shop", "web");

    assertThat(PodFactory.templateHash(hag, withEtcd("http://etcd-a:2379"))).isEqualTo(ORIGINAL);
  }

  @Test
  void anOmittedElectionHashesLikeAnEmptyOne() {
    HighAvailabilityGroup omitted = TestGroups.valid("shop", "web");
    omitted.getSpec().setElection(null);
    HighAvailabilityGroup empty = TestGroups.valid("shop", "web");
    empty.getSpec().setElection(new ElectionSpec());

    assertThat(PodFactory.templateHash(omitted, withEtcd("http://etcd:2379")))
        .isEqualTo(PodFactory.templateHash(empty, withEtcd("http://etcd:2379")));
  }

  @Test
  void anElectionWithoutSecretsSerializesAsBeforeSoUpgradesRollNoPods() {
    assertThat(JSON.asJson(TestGroups.valid("shop", "web").getSpec().getElection()))
        .isEqualTo("{\"endpoints\":[\"http://127.0.0.1:2379\"],\"leaseTTLSeconds\":5}");
    assertThat(
            PodFactory.templateHash(
                TestGroups.valid("shop", "web"),
                new OperatorDefaults(
                    "halo/halo:1", DEFAULTS.agentJvmOptions(), List.of(), GROUP_SECRETS)))
        .as("defaults for groups do not touch a group with its own endpoints")
        .isEqualTo(ORIGINAL);
  }

  @Test
  void changesWithTheGroupsTlsAndCredentials() {
    String tls =
        hashAfter(
            hag -> {
              hag.getSpec().getElection().setEndpoints(List.of("https://e:2379"));
              EtcdTlsSpec spec = new EtcdTlsSpec();
              spec.setSecretName("client-a");
              hag.getSpec().getElection().setTls(spec);
            });
    String otherSecret =
        hashAfter(
            hag -> {
              hag.getSpec().getElection().setEndpoints(List.of("https://e:2379"));
              EtcdTlsSpec spec = new EtcdTlsSpec();
              spec.setSecretName("client-b");
              hag.getSpec().getElection().setTls(spec);
            });
    assertThat(tls).isNotEqualTo(otherSecret);
    assertThat(hashAfter(hag -> hag.getSpec().getElection().setCredentialsSecretName("user")))
        .isNotEqualTo(ORIGINAL);
  }

  @Test
  void changesWithTheOperatorsSecretsForGroupsWhenTheGroupUsesThem() {
    HighAvailabilityGroup hag = TestGroups.valid("shop", "web");
    hag.getSpec().getElection().getEndpoints().clear();
    List<String> etcd = List.of("https://etcd:2379");
    OperatorDefaults without = new OperatorDefaults("halo/halo:1", List.of(), etcd);
    OperatorDefaults with = new OperatorDefaults("halo/halo:1", List.of(), etcd, GROUP_SECRETS);

    assertThat(PodFactory.templateHash(hag, with))
        .isNotEqualTo(PodFactory.templateHash(hag, without));
  }

  private static final EtcdSecrets GROUP_SECRETS =
      new EtcdSecrets(
          Optional.of("client"), Optional.empty(), Optional.empty(), Optional.of("agents"));

  private static OperatorDefaults withEtcd(String endpoint) {
    return OperatorDefaults.of("halo/halo:1", List.of(endpoint));
  }

  @Test
  void ignoresReplicasAndTheService() {
    assertThat(hashAfter(hag -> hag.getSpec().setReplicas(5))).isEqualTo(ORIGINAL);
    assertThat(
            hashAfter(
                hag -> {
                  hag.getSpec().getService().setType("LoadBalancer");
                  hag.getSpec().getService().setStandby(true);
                  hag.getSpec()
                      .getService()
                      .getPorts()
                      .add(new ServicePortBuilder().withPort(80).build());
                }))
        .isEqualTo(ORIGINAL);
  }

  @Test
  void isTheSameOnEveryServerVersionAsBeforeVersionsMattered() {
    // The hash of this group before the operator read the server's version: a different value
    // rolls every existing pod when the operator is upgraded. Change it only on purpose. Changed
    // for AgentDefaults' -XX:CompileThresholdScaling=10, in the release whose default agent image
    // (halo-agent) rolls the pods once anyway.
    String beforeServerVersions = "ba3476222c";
    HighAvailabilityGroup hag = TestGroups.valid("shop", "web");

    assertThat(ORIGINAL).isEqualTo(beforeServerVersions);
    for (int minor = 27; minor <= 35; minor++) {
      assertThat(PodFactory.templateHash(hag, DEFAULTS.on(new ServerVersion(1, minor))))
          .as("on 1.%d", minor)
          .isEqualTo(beforeServerVersions);
    }
  }

  @Test
  void theMasterPreferenceRollsNoPod() {
    assertThat(
            hashAfter(
                hag -> {
                  hag.getSpec().getElection().setPreferred(List.of("a"));
                  hag.getSpec().getElection().setFailbackAfterSeconds(0);
                }))
        .isEqualTo(ORIGINAL);
  }
}
