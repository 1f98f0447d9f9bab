package dev.halo.sandbox;

import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretVolumeSource;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The Secret volumes of a pod, as a kubelet sets them up: each Secret's keys (or its {@code items})
 * become files in a per-pod directory with the kubelet's atomic layout ({@code ..<timestamp>/}
 * holds the files, {@code ..data} links to it, each visible file links through {@code ..data}), so
 * a changed Secret is swapped in by renaming one symlink. The agent runs on this machine, so a
 * container's mount path maps to that directory ({@link KubeletPod#mounts}).
 */
final class SecretVolumes {
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("'..'yyyy_MM_dd_HH_mm_ss.SSSSSSSSS");
  private static final String DATA = "..data";
  private static final String DATA_TMP = "..data_tmp";
  private static final int DEFAULT_MODE = 0644;

  /** Why a volume cannot be set up, worded as the kubelet's FailedMount event. */
  static final class MountException extends RuntimeException {
    MountException(String volume, String why) {
      super("MountVolume.SetUp failed for volume \"" + volume + "\" : " + why);
    }
  }

  private final KubernetesClient client;
  private final String namespace;

  SecretVolumes(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  /** The names of the Secrets the pod's volumes use. */
  static Set<String> secretNames(KubeletPod rt) {
    return rt.pod.getSpec().getVolumes().stream()
        .map(Volume::getSecret)
        .filter(Objects::nonNull)
        .map(SecretVolumeSource::getSecretName)
        .collect(java.util.stream.Collectors.toSet());
  }

  /**
   * Writes every Secret volume of the pod under {@code podDir}/volumes and records in {@code
   * rt.mounts} where the agent container's mount paths point; throws {@link MountException} when a
   * Secret or a key it needs is missing (nothing of the pod starts then, as with a kubelet).
   */
  void setUp(KubeletPod rt, Path podDir) {
    Map<String, Path> byVolume = new LinkedHashMap<>();
    for (Volume volume : rt.pod.getSpec().getVolumes()) {
      if (volume.getSecret() != null) {
        Path dir = podDir.resolve("volumes").resolve(volume.getName());
        write(volume.getName(), volume.getSecret(), dir);
        byVolume.put(volume.getName(), dir);
      }
    }
    Map<String, Path> mounts = new LinkedHashMap<>();
    if (rt.agentContainer != null) {
      for (VolumeMount mount : rt.agentContainer.getVolumeMounts()) {
        Path dir = byVolume.get(mount.getName());
        if (dir != null) {
          mounts.put(mount.getMountPath(), dir);
        }
      }
    }
    rt.mounts = Map.copyOf(mounts);
    rt.volumeDirs = Map.copyOf(byVolume);
  }

  /**
   * Writes the volumes that use {@code secret} again when its content changed (a kubelet's periodic
   * sync); a Secret that went missing leaves the files as they are, as a kubelet does.
   */
  void refresh(KubeletPod rt, String secret) {
    for (Volume volume : rt.pod.getSpec().getVolumes()) {
      SecretVolumeSource source = volume.getSecret();
      Path dir = rt.volumeDirs.get(volume.getName());
      if (source != null && dir != null && secret.equals(source.getSecretName())) {
        try {
          write(volume.getName(), source, dir);
        } catch (MountException e) {
          // The running containers keep the files they have.
        }
      }
    }
  }

  /** Writes one volume; returns whether the files changed. */
  boolean write(String volume, SecretVolumeSource source, Path dir) {
    Map<String, byte[]> files = files(volume, source);
    int defaultMode = source.getDefaultMode() == null ? DEFAULT_MODE : source.getDefaultMode();
    try {
      Files.createDirectories(dir);
      if (sameContent(dir, files)) {
        return false;
      }
      Path stamped = dir.resolve(LocalDateTime.now().format(STAMP));
      while (Files.exists(stamped)) {
        stamped = dir.resolve(stamped.getFileName() + "_");
      }
      Files.createDirectories(stamped);
      for (Map.Entry<String, byte[]> file : files.entrySet()) {
        Path target = stamped.resolve(file.getKey());
        Files.createDirectories(target.getParent());
        Files.write(target, file.getValue());
        Files.setPosixFilePermissions(
            target, permissions(mode(source, file.getKey(), defaultMode)));
      }
      Path old =
          Files.isSymbolicLink(dir.resolve(DATA))
              ? Files.readSymbolicLink(dir.resolve(DATA))
              : null;
      // The swap: ..data_tmp points at the new files, then replaces ..data in one rename.
      Path tmp = dir.resolve(DATA_TMP);
      Files.deleteIfExists(tmp);
      Files.createSymbolicLink(tmp, stamped.getFileName());
      Files.move(tmp, dir.resolve(DATA), StandardCopyOption.ATOMIC_MOVE);
      for (String name : files.keySet()) {
        String top = name.split("/", 2)[0];
        Path link = dir.resolve(top);
        if (!Files.isSymbolicLink(link)) {
          Files.createSymbolicLink(link, Path.of(DATA, top));
        }
      }
      removeStale(dir, files.keySet());
      if (old != null) {
        TempFiles.deleteRecursively(dir.resolve(old));
      }
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write volume " + volume + " in " + dir, e);
    }
  }

  private Map<String, byte[]> files(String volume, SecretVolumeSource source) {
    boolean optional = Boolean.TRUE.equals(source.getOptional());
    Secret secret = client.secrets().inNamespace(namespace).withName(source.getSecretName()).get();
    if (secret == null) {
      if (optional) {
        return Map.of();
      }
      throw new MountException(volume, "secret \"" + source.getSecretName() + "\" not found");
    }
    Map<String, byte[]> data = data(secret);
    Map<String, byte[]> files = new LinkedHashMap<>();
    if (source.getItems() == null || source.getItems().isEmpty()) {
      files.putAll(data);
      return files;
    }
    for (KeyToPath item : source.getItems()) {
      byte[] value = data.get(item.getKey());
      if (value == null) {
        if (optional) {
          continue;
        }
        throw new MountException(volume, "references non-existent secret key: " + item.getKey());
      }
      files.put(item.getPath(), value);
    }
    return files;
  }

  private static Map<String, byte[]> data(Secret secret) {
    Map<String, byte[]> data = new LinkedHashMap<>();
    if (secret.getData() != null) {
      secret.getData().forEach((k, v) -> data.put(k, Base64.getDecoder().decode(v)));
    }
    if (secret.getStringData() != null) {
      secret
          .getStringData()
          .forEach((k, v) -> data.put(k, v.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
    return data;
  }

  private static int mode(SecretVolumeSource source, String path, int defaultMode) {
    if (source.getItems() != null) {
      for (KeyToPath item : source.getItems()) {
        if (item.getPath().equals(path) && item.getMode() != null) {
          return item.getMode();
        }
      }
    }
    return defaultMode;
  }

  private static boolean sameContent(Path dir, Map<String, byte[]> files) throws IOException {
    Path data = dir.resolve(DATA);
    if (!Files.isSymbolicLink(data)) {
      return false;
    }
    try (Stream<Path> present = Files.walk(data.toRealPath())) {
      long count = present.filter(Files::isRegularFile).count();
      if (count != files.size()) {
        return false;
      }
    }
    for (Map.Entry<String, byte[]> file : files.entrySet()) {
      Path path = data.resolve(file.getKey());
      if (!Files.isRegularFile(path) || !Arrays.equals(Files.readAllBytes(path), file.getValue())) {
        return false;
      }
    }
    return true;
  }

  /** Removes visible links whose key is no longer in the Secret. */
  private static void removeStale(Path dir, Set<String> names) throws IOException {
    Set<String> tops =
        names.stream().map(n -> n.split("/", 2)[0]).collect(java.util.stream.Collectors.toSet());
    List<Path> links;
    try (Stream<Path> entries = Files.list(dir)) {
      links =
          entries
              .filter(p -> !p.getFileName().toString().startsWith(".."))
              .filter(Files::isSymbolicLink)
              .toList();
    }
    for (Path link : links) {
      if (!tops.contains(link.getFileName().toString())) {
        Files.delete(link);
      }
    }
  }

  private static Set<PosixFilePermission> permissions(int mode) {
    StringBuilder text = new StringBuilder();
    String letters = "rwxrwxrwx";
    for (int bit = 8; bit >= 0; bit--) {
      text.append((mode & (1 << bit)) != 0 ? letters.charAt(8 - bit) : '-');
    }
    return PosixFilePermissions.fromString(text.toString());
  }
}
