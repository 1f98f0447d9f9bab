package dev.halo.sandbox;

import dev.halo.common.Labels;
import dev.halo.sandbox.history.HistoryFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The kubelet's record of role histories: one file per pod (name and UID) under its working
 * directory, which every agent process of that pod appends to, and the monotonic time at which each
 * of those processes was seen to end. Pods that are gone stay on record, so a harness checks every
 * master a group ever had.
 */
final class RoleHistories {
  private record Pod(String name, String uid, String group, Path file, Map<Long, Long> ends) {}

  private final Path dir;
  private final Map<String, Pod> byUid = new ConcurrentHashMap<>();

  /** Keeps the files in {@code dir}, which it creates. */
  RoleHistories(Path dir) {
    this.dir = dir;
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the role history directory " + dir, e);
    }
  }

  /** The history file of the pod, {@code <dir>/<pod>-<uid>.jsonl}. */
  Path fileOf(KubeletPod rt) {
    return byUid
        .computeIfAbsent(
            rt.uid,
            uid ->
                new Pod(
                    rt.name,
                    uid,
                    group(rt),
                    dir.resolve(rt.name + "-" + uid + ".jsonl"),
                    new ConcurrentHashMap<>()))
        .file();
  }

  private static String group(KubeletPod rt) {
    Map<String, String> labels = rt.pod.getMetadata().getLabels();
    return labels == null ? "" : labels.getOrDefault(Labels.GROUP, "");
  }

  /** Notes when the pod's agent process ended ({@link System#nanoTime}); the earliest note wins. */
  void processEnded(KubeletPod rt, long pid, long atNanos) {
    Pod pod = byUid.get(rt.uid);
    if (pod != null) {
      pod.ends().merge(pid, atNanos, Math::min);
    }
  }

  /** Notes the end of {@code process} as soon as it exits, however it ends. */
  void follow(KubeletPod rt, AgentProcess process) {
    long pid = process.pid();
    process.onExit().thenRun(() -> processEnded(rt, pid, System.nanoTime()));
  }

  /** The history files of the pods of {@code group} (every group when null), by pod and UID. */
  List<HistoryFile> files(String group) {
    return byUid.values().stream()
        .filter(p -> group == null || group.equals(p.group()))
        .map(p -> new HistoryFile(p.name(), p.uid(), p.group(), p.file(), Map.copyOf(p.ends())))
        .sorted(Comparator.comparing(HistoryFile::pod).thenComparing(HistoryFile::path))
        .toList();
  }
}
