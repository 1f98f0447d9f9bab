package dev.halo.sandbox;

import dev.halo.common.Names;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapVolumeSource;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The volumes a pod's workload processes see, as local directories: a process runs on this machine,
 * so a path under one of its container's mount paths is rewritten to the directory the kubelet set
 * the volume up in ({@link AgentEnvResolver#toLocalMount}). Secret volumes are {@link
 * SecretVolumes}'; this adds {@code emptyDir} (a directory of the pod), {@code configMap} (its keys
 * written as files once, at the pod's start) and Halo's role volume, which is the pod's directory,
 * where the kubelet points the agent's role file.
 */
final class ProcessVolumes {
  private final KubernetesClient client;
  private final String namespace;

  ProcessVolumes(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  /**
   * Sets up each volume of the pod that a process can use under {@code podDir} and records them by
   * name in {@code rt.processVolumeDirs} (caller holds the pod); throws {@link
   * SecretVolumes.MountException} when a ConfigMap that is not optional is missing, so the pod
   * waits as it does for a missing Secret.
   */
  void setUp(KubeletPod rt, Path podDir) {
    try {
      rt.processVolumeDirs = Map.copyOf(dirs(rt, podDir));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot set up the volumes of " + rt.name + " in " + podDir, e);
    }
  }

  private Map<String, Path> dirs(KubeletPod rt, Path podDir) throws IOException {
    Map<String, Path> dirs = new LinkedHashMap<>(rt.volumeDirs);
    for (Volume volume : rt.pod.getSpec().getVolumes()) {
      Path dir = podDir.resolve("volumes").resolve(volume.getName());
      if (Names.ROLE_VOLUME.equals(volume.getName())) {
        dirs.put(volume.getName(), podDir);
      } else if (volume.getEmptyDir() != null) {
        Files.createDirectories(dir);
        dirs.put(volume.getName(), dir);
      } else if (volume.getConfigMap() != null) {
        writeConfigMap(volume.getName(), volume.getConfigMap(), dir);
        dirs.put(volume.getName(), dir);
      }
    }
    return dirs;
  }

  /** The container's mount paths and the local directories (or files, with subPath) they map to. */
  static Map<String, Path> mounts(Container c, Map<String, Path> volumeDirs) {
    Map<String, Path> mounts = new LinkedHashMap<>();
    for (VolumeMount mount : c.getVolumeMounts()) {
      Path dir = volumeDirs.get(mount.getName());
      if (dir == null) {
        continue;
      }
      String sub = mount.getSubPath();
      mounts.put(mount.getMountPath(), sub == null || sub.isEmpty() ? dir : dir.resolve(sub));
    }
    return mounts;
  }

  private void writeConfigMap(String volume, ConfigMapVolumeSource source, Path dir)
      throws IOException {
    ConfigMap map = client.configMaps().inNamespace(namespace).withName(source.getName()).get();
    if (map == null) {
      if (Boolean.TRUE.equals(source.getOptional())) {
        Files.createDirectories(dir);
        return;
      }
      throw new SecretVolumes.MountException(
          volume, "configmap \"" + source.getName() + "\" not found");
    }
    Map<String, byte[]> data = new LinkedHashMap<>();
    if (map.getData() != null) {
      map.getData().forEach((k, v) -> data.put(k, v.getBytes(StandardCharsets.UTF_8)));
    }
    if (map.getBinaryData() != null) {
      map.getBinaryData().forEach((k, v) -> data.put(k, Base64.getDecoder().decode(v)));
    }
    Files.createDirectories(dir);
    if (source.getItems() == null || source.getItems().isEmpty()) {
      for (Map.Entry<String, byte[]> e : data.entrySet()) {
        Files.write(dir.resolve(e.getKey()), e.getValue());
      }
      return;
    }
    for (KeyToPath item : source.getItems()) {
      byte[] value = data.get(item.getKey());
      if (value != null) {
        Path file = dir.resolve(item.getPath());
        Files.createDirectories(file.getParent());
        Files.write(file, value);
      }
    }
  }
}
