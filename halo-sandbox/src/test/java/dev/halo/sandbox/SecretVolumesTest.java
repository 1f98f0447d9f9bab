package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.halo.common.Names;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Secret volumes are written as a kubelet writes them and swapped atomically when they change. */
class SecretVolumesTest {
  private static final String NS = "volumes";
  private static EmbeddedApiServer kube;
  private static KubernetesClient client;
  @TempDir Path dir;

  @BeforeAll
  static void start() {
    kube = EmbeddedApiServer.start();
    client = kube.client();
  }

  @AfterAll
  static void stop() {
    kube.close();
  }

  @Test
  void writesTheItemsBehindTheDataSymlinkAndMapsTheAgentsMountPath() throws Exception {
    secret("tls-a", Map.of("tls.crt", "cert-1", "tls.key", "key-1", "ca.crt", "ca-1"));
    KubeletPod rt = new KubeletPod(pod("tls-a"));

    new SecretVolumes(client, NS).setUp(rt, dir);

    Path volume = dir.resolve("volumes").resolve(Names.ETCD_TLS_VOLUME);
    assertThat(rt.mounts).containsEntry(Names.ETCD_TLS_MOUNT_PATH, volume);
    assertThat(Files.readString(volume.resolve("tls.crt"))).isEqualTo("cert-1");
    assertThat(Files.readSymbolicLink(volume.resolve("tls.key")))
        .isEqualTo(Path.of("..data/tls.key"));
    assertThat(Files.readSymbolicLink(volume.resolve("..data")).toString()).startsWith("..20");
    assertThat(Files.exists(volume.resolve("ca.crt"))).as("not among the items").isFalse();
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(volume.resolve("..data/tls.crt"))))
        .isEqualTo("r--r--r--");
    assertThat(AgentEnvResolver.toLocalMount(Names.ETCD_TLS_MOUNT_PATH + "/tls.crt", rt.mounts))
        .isEqualTo(volume.resolve("tls.crt").toString());
    assertThat(AgentEnvResolver.toLocalMount("/etc/other/tls.crt", rt.mounts))
        .isEqualTo("/etc/other/tls.crt");
  }

  @Test
  void aChangedSecretSwapsTheDataLinkAndRemovesTheOldFiles() throws Exception {
    secret("tls-b", Map.of("tls.crt", "cert-1", "tls.key", "key-1"));
    KubeletPod rt = new KubeletPod(pod("tls-b"));
    SecretVolumes volumes = new SecretVolumes(client, NS);
    volumes.setUp(rt, dir);
    Path volume = rt.volumeDirs.get(Names.ETCD_TLS_VOLUME);
    Path before = Files.readSymbolicLink(volume.resolve("..data"));

    volumes.refresh(rt, "tls-b");
    assertThat(Files.readSymbolicLink(volume.resolve("..data")))
        .as("unchanged content: no swap")
        .isEqualTo(before);

    secret("tls-b", Map.of("tls.crt", "cert-2", "tls.key", "key-2"));
    volumes.refresh(rt, "tls-b");

    assertThat(Files.readString(volume.resolve("tls.crt"))).isEqualTo("cert-2");
    assertThat(Files.readString(volume.resolve("tls.key"))).isEqualTo("key-2");
    assertThat(Files.readSymbolicLink(volume.resolve("..data"))).isNotEqualTo(before);
    assertThat(Files.exists(volume.resolve(before))).isFalse();
  }

  @Test
  void aMissingSecretOrKeyFailsTheMountWithTheKubeletsWords() {
    KubeletPod missing = new KubeletPod(pod("nowhere"));
    assertThatThrownBy(() -> new SecretVolumes(client, NS).setUp(missing, dir))
        .isInstanceOf(SecretVolumes.MountException.class)
        .hasMessage(
            "MountVolume.SetUp failed for volume \"halo-etcd-tls\" : secret \"nowhere\" not found");

    secret("tls-c", Map.of("tls.crt", "cert-1"));
    KubeletPod noKey = new KubeletPod(pod("tls-c"));
    assertThatThrownBy(() -> new SecretVolumes(client, NS).setUp(noKey, dir))
        .hasMessage(
            "MountVolume.SetUp failed for volume \"halo-etcd-tls\" : references non-existent"
                + " secret key: tls.key");
  }

  private static void secret(String name, Map<String, String> data) {
    Secret secret =
        new SecretBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(NS)
            .endMetadata()
            .withType("kubernetes.io/tls")
            .withData(
                data.entrySet().stream()
                    .collect(
                        java.util.stream.Collectors.toMap(
                            Map.Entry::getKey,
                            e ->
                                java.util.Base64.getEncoder()
                                    .encodeToString(e.getValue().getBytes()))))
            .build();
    client.secrets().inNamespace(NS).resource(secret).createOr(op -> op.update());
  }

  private static Pod pod(String secret) {
    return new PodBuilder()
        .withNewMetadata()
        .withName("p-0")
        .withNamespace(NS)
        .withUid("uid-" + secret)
        .endMetadata()
        .withNewSpec()
        .addNewVolume()
        .withName(Names.ETCD_TLS_VOLUME)
        .withNewSecret()
        .withSecretName(secret)
        .withItems(
            List.of(
                new KeyToPath("tls.crt", null, "tls.crt"),
                new KeyToPath("tls.key", null, "tls.key")))
        .withDefaultMode(0444)
        .endSecret()
        .endVolume()
        .addNewContainer()
        .withName(Names.AGENT_CONTAINER)
        .addNewVolumeMount()
        .withName(Names.ETCD_TLS_VOLUME)
        .withMountPath(Names.ETCD_TLS_MOUNT_PATH)
        .withReadOnly(true)
        .endVolumeMount()
        .endContainer()
        .endSpec()
        .build();
  }
}
