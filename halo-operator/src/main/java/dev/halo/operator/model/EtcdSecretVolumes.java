package dev.halo.operator.model;

import static dev.halo.common.AgentVariables.ETCD_CACERT;
import static dev.halo.common.AgentVariables.ETCD_CERT;
import static dev.halo.common.AgentVariables.ETCD_KEY;
import static dev.halo.common.AgentVariables.ETCD_PASSWORD_FILE;
import static dev.halo.common.AgentVariables.ETCD_SERVER_NAME;
import static dev.halo.common.AgentVariables.ETCD_USER;

import dev.halo.common.Names;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * The agent's etcd Secrets as Secret volumes, their read-only mounts in the agent container (and no
 * other) and the {@code HALO_ETCD_*} variables that point the agent at the files.
 *
 * <p>Whole-directory mounts, never {@code subPath}: the kubelet then swaps a rotated Secret's files
 * in place and the agent reads the new ones. {@code items} picks the keys, so a Secret that lacks
 * one fails the mount with the kubelet's FailedMount event naming the key. The files belong to root
 * and the agent runs as a non-root user: with the pod's {@code fsGroup}, which the kubelet gives
 * the files and every container as a supplementary group, mode 0440 lets the agent read them;
 * without it 0444 does, and only the agent container mounts them. The user name comes from the
 * Secret as a variable: it is no secret and need not follow a rotation.
 */
final class EtcdSecretVolumes {
  static final String CA_KEY = "ca.crt";
  static final String CERT_KEY = "tls.crt";
  static final String KEY_KEY = "tls.key";
  static final String USERNAME_KEY = "username";
  static final String PASSWORD_KEY = "password";

  /** Owner and group may read: the agent reads through the pod's fsGroup. */
  static final int MODE_WITH_FS_GROUP = 0440;

  /** Everyone may read: files owned by root:root, read by the agent's non-root user. */
  static final int MODE_WITHOUT_FS_GROUP = 0444;

  private EtcdSecretVolumes() {}

  /** The Secret volumes of {@code secrets}, for a pod whose spec is {@code pod}. */
  static List<Volume> volumes(EtcdSecrets secrets, PodSpec pod) {
    int mode = hasFsGroup(pod) ? MODE_WITH_FS_GROUP : MODE_WITHOUT_FS_GROUP;
    List<Volume> volumes = new ArrayList<>();
    secrets
        .tlsSecret()
        .ifPresent(
            s -> {
              List<String> keys = new ArrayList<>(List.of(CERT_KEY, KEY_KEY));
              if (secrets.caSecret().isEmpty()) {
                keys.add(CA_KEY);
              }
              volumes.add(secretVolume(Names.ETCD_TLS_VOLUME, s, keys, mode));
            });
    secrets
        .caSecret()
        .ifPresent(s -> volumes.add(secretVolume(Names.ETCD_CA_VOLUME, s, List.of(CA_KEY), mode)));
    secrets
        .credentialsSecret()
        .ifPresent(
            s ->
                volumes.add(
                    secretVolume(Names.ETCD_CREDENTIALS_VOLUME, s, List.of(PASSWORD_KEY), mode)));
    return volumes;
  }

  /** The agent container's read-only mounts of those volumes. */
  static List<VolumeMount> mounts(EtcdSecrets secrets) {
    List<VolumeMount> mounts = new ArrayList<>();
    secrets
        .tlsSecret()
        .ifPresent(s -> mounts.add(mount(Names.ETCD_TLS_VOLUME, Names.ETCD_TLS_MOUNT_PATH)));
    secrets
        .caSecret()
        .ifPresent(s -> mounts.add(mount(Names.ETCD_CA_VOLUME, Names.ETCD_CA_MOUNT_PATH)));
    secrets
        .credentialsSecret()
        .ifPresent(
            s ->
                mounts.add(
                    mount(Names.ETCD_CREDENTIALS_VOLUME, Names.ETCD_CREDENTIALS_MOUNT_PATH)));
    return mounts;
  }

  /** The agent's {@code HALO_ETCD_*} security variables. */
  static List<EnvVar> env(EtcdSecrets secrets) {
    List<EnvVar> env = new ArrayList<>();
    secrets
        .caSecret()
        .map(s -> Names.ETCD_CA_MOUNT_PATH)
        .or(() -> secrets.tlsSecret().map(s -> Names.ETCD_TLS_MOUNT_PATH))
        .ifPresent(dir -> env.add(plain(ETCD_CACERT, dir + "/" + CA_KEY)));
    if (secrets.tlsSecret().isPresent()) {
      env.add(plain(ETCD_CERT, Names.ETCD_TLS_MOUNT_PATH + "/" + CERT_KEY));
      env.add(plain(ETCD_KEY, Names.ETCD_TLS_MOUNT_PATH + "/" + KEY_KEY));
    }
    secrets.serverName().ifPresent(n -> env.add(plain(ETCD_SERVER_NAME, n)));
    secrets
        .credentialsSecret()
        .ifPresent(
            s -> {
              env.add(
                  new EnvVarBuilder()
                      .withName(ETCD_USER)
                      .withNewValueFrom()
                      .withNewSecretKeyRef()
                      .withName(s)
                      .withKey(USERNAME_KEY)
                      .endSecretKeyRef()
                      .endValueFrom()
                      .build());
              env.add(
                  plain(
                      ETCD_PASSWORD_FILE, Names.ETCD_CREDENTIALS_MOUNT_PATH + "/" + PASSWORD_KEY));
            });
    return env;
  }

  private static boolean hasFsGroup(PodSpec pod) {
    return pod.getSecurityContext() != null && pod.getSecurityContext().getFsGroup() != null;
  }

  private static Volume secretVolume(String name, String secret, List<String> keys, int mode) {
    return new VolumeBuilder()
        .withName(name)
        .withNewSecret()
        .withSecretName(secret)
        .withItems(keys.stream().map(k -> new KeyToPath(k, null, k)).toList())
        .withDefaultMode(mode)
        .endSecret()
        .build();
  }

  private static VolumeMount mount(String volume, String path) {
    return new VolumeMountBuilder().withName(volume).withMountPath(path).withReadOnly(true).build();
  }

  private static EnvVar plain(String name, String value) {
    return new EnvVarBuilder().withName(name).withValue(value).build();
  }
}
