package dev.halo.sandbox.history;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where one pod's agents wrote their role history, and when the harness saw each of those agent
 * processes end (by pid, {@link System#nanoTime}): the end that closes a master interval the
 * history leaves open (a process killed -9 writes nothing more).
 *
 * @param pod the pod's name
 * @param podUid the pod's UID (a pod recreated under the same name gets a file of its own)
 * @param group the pod's {@code halo.dev/group} label ("" when it has none)
 * @param path the history file; it may not exist yet (no agent wrote a line)
 * @param processEnds for each agent process (by pid) the harness saw end, the monotonic time by
 *     which it had ended
 */
public record HistoryFile(
    String pod, String podUid, String group, Path path, Map<Long, Long> processEnds) {
  public HistoryFile {
    processEnds = Map.copyOf(processEnds);
  }
}
