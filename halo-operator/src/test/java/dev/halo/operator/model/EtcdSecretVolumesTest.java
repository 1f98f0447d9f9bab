package dev.halo.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.api.v1alpha1.EtcdTlsSpec;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.AgentVariables;
import dev.halo.common.Names;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The etcd Secrets in the pod: volumes, the agent's mounts and variables, nothing elsewhere. */
class EtcdSecretVolumesTest {
  private static final OperatorDefaults DEFAULTS = OperatorDefaults.of("halo/halo:test");

  private final HighAvailabilityGroup hag = TestGroups.valid("shop", "web");

  private void secured(String secret, String ca, String serverName, String credentials) {
    hag.getSpec().getElection().setEndpoints(List.of("https://etcd-0.etcd:2379"));
    EtcdTlsSpec tls = new EtcdTlsSpec();
    tls.setSecretName(secret);
    tls.setCaSecretName(ca);
    tls.setServerName(serverName);
    hag.getSpec().getElection().setTls(tls);
    hag.getSpec().getElection().setCredentialsSecretName(credentials);
  }

  private Pod pod() {
    return PodFactory.pod(hag, 0, DEFAULTS);
  }

  private static Container container(Pod pod, String name) {
    return pod.getSpec().getContainers().stream()
        .filter(c -> c.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static Volume volume(Pod pod, String name) {
    return pod.getSpec().getVolumes().stream()
        .filter(v -> v.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static Map<String, EnvVar> env(Pod pod) {
    return container(pod, Names.AGENT_CONTAINER).getEnv().stream()
        .collect(Collectors.toMap(EnvVar::getName, e -> e));
  }

  private static List<String> keys(Volume volume) {
    return volume.getSecret().getItems().stream().map(KeyToPath::getKey).toList();
  }

  @Test
  void mountsTheClientCertificateAndItsCaReadOnlyIntoTheAgentAlone() {
    secured("etcd-client", null, null, null);
    Pod pod = pod();

    Volume tls = volume(pod, Names.ETCD_TLS_VOLUME);
    assertThat(tls.getSecret().getSecretName()).isEqualTo("etcd-client");
    assertThat(keys(tls)).containsExactly("tls.crt", "tls.key", "ca.crt");
    assertThat(container(pod, Names.AGENT_CONTAINER).getVolumeMounts())
        .filteredOn(m -> m.getName().equals(Names.ETCD_TLS_VOLUME))
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.getMountPath()).isEqualTo("/etc/halo/etcd/tls");
              assertThat(m.getReadOnly()).isTrue();
              assertThat(m.getSubPath()).as("subPath would stop rotation").isNull();
            });
    assertThat(container(pod, "app").getVolumeMounts())
        .extracting(VolumeMount::getName)
        .doesNotContain(Names.ETCD_TLS_VOLUME);
    assertThat(container(pod, "app").getEnv()).isNullOrEmpty();
    Map<String, EnvVar> env = env(pod);
    assertThat(env.get(AgentVariables.ETCD_CACERT).getValue())
        .isEqualTo("/etc/halo/etcd/tls/ca.crt");
    assertThat(env.get(AgentVariables.ETCD_CERT).getValue())
        .isEqualTo("/etc/halo/etcd/tls/tls.crt");
    assertThat(env.get(AgentVariables.ETCD_KEY).getValue()).isEqualTo("/etc/halo/etcd/tls/tls.key");
    assertThat(env).doesNotContainKeys(AgentVariables.ETCD_USER, AgentVariables.ETCD_SERVER_NAME);
  }

  @Test
  void aSeparateCaSecretGivesTheCaAndTheTlsSecretOnlyTheCertificate() {
    secured("etcd-client", "etcd-ca", "etcd.internal", null);
    Pod pod = pod();

    assertThat(keys(volume(pod, Names.ETCD_TLS_VOLUME))).containsExactly("tls.crt", "tls.key");
    assertThat(keys(volume(pod, Names.ETCD_CA_VOLUME))).containsExactly("ca.crt");
    assertThat(volume(pod, Names.ETCD_CA_VOLUME).getSecret().getSecretName()).isEqualTo("etcd-ca");
    assertThat(env(pod).get(AgentVariables.ETCD_CACERT).getValue())
        .isEqualTo("/etc/halo/etcd/ca/ca.crt");
    assertThat(env(pod).get(AgentVariables.ETCD_SERVER_NAME).getValue()).isEqualTo("etcd.internal");
  }

  @Test
  void theUserComesFromTheSecretAndThePasswordAsAMountedFile() {
    secured(null, "etcd-ca", null, "etcd-user");
    Pod pod = pod();

    assertThat(keys(volume(pod, Names.ETCD_CREDENTIALS_VOLUME))).containsExactly("password");
    EnvVar user = env(pod).get(AgentVariables.ETCD_USER);
    assertThat(user.getValue()).isNull();
    assertThat(user.getValueFrom().getSecretKeyRef().getName()).isEqualTo("etcd-user");
    assertThat(user.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("username");
    assertThat(env(pod).get(AgentVariables.ETCD_PASSWORD_FILE).getValue())
        .isEqualTo("/etc/halo/etcd/credentials/password");
    assertThat(env(pod)).doesNotContainKeys(AgentVariables.ETCD_CERT, AgentVariables.ETCD_KEY);
    assertThat(pod.getSpec().getVolumes())
        .extracting(Volume::getName)
        .doesNotContain(Names.ETCD_TLS_VOLUME);
  }

  @Test
  void filesAreGroupReadableWithTheFsGroupAndWorldReadableWithoutIt() {
    secured("etcd-client", null, null, "etcd-user");
    assertThat(pod().getSpec().getVolumes())
        .filteredOn(v -> v.getSecret() != null)
        .hasSize(2)
        .allSatisfy(v -> assertThat(v.getSecret().getDefaultMode()).isEqualTo(0444));

    hag.getSpec()
        .getTemplate()
        .getSpec()
        .setSecurityContext(new PodSecurityContextBuilder().withFsGroup(2000L).build());
    assertThat(pod().getSpec().getVolumes())
        .filteredOn(v -> v.getSecret() != null)
        .hasSize(2)
        .allSatisfy(v -> assertThat(v.getSecret().getDefaultMode()).isEqualTo(0440));
  }

  @Test
  void aGroupWithoutSecretsGetsNoneOfThem() {
    Pod pod = pod();

    assertThat(pod.getSpec().getVolumes()).extracting(Volume::getName).containsExactly("halo-role");
    assertThat(env(pod))
        .doesNotContainKeys(
            AgentVariables.ETCD_CACERT,
            AgentVariables.ETCD_CERT,
            AgentVariables.ETCD_KEY,
            AgentVariables.ETCD_USER,
            AgentVariables.ETCD_PASSWORD_FILE,
            AgentVariables.ETCD_SERVER_NAME);
  }

  @Test
  void theOperatorsDefaultsForGroupsReachPodsOnTheDefaultEndpoints() {
    hag.getSpec().getElection().getEndpoints().clear();
    OperatorDefaults defaults =
        new OperatorDefaults(
            "halo/halo:test",
            List.of(),
            List.of("https://etcd:2379"),
            new EtcdSecrets(
                Optional.empty(), Optional.of("site-ca"), Optional.empty(), Optional.of("agents")));
    Pod pod = PodFactory.pod(hag, 0, defaults);

    assertThat(pod.getSpec().getVolumes())
        .extracting(Volume::getName)
        .containsExactly("halo-role", Names.ETCD_CA_VOLUME, Names.ETCD_CREDENTIALS_VOLUME);
    assertThat(env(pod).get(AgentVariables.ETCD_CACERT).getValue())
        .isEqualTo("/etc/halo/etcd/ca/ca.crt");
  }
}
