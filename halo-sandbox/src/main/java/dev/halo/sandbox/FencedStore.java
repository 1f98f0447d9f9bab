package dev.halo.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The demo's store that the pods of one group share, a file of {@code <term> <pod> <value>} lines,
 * that fences writes with the agent's term as Chubby's sequencers do: it refuses a write whose term
 * is lower than the highest term it has seen, so a master that lost its role without knowing it
 * (paused, partitioned) cannot overwrite what a newer master wrote. The check and the append are
 * one step under a lock of this JVM: every demo workload of a sandbox runs in the kubelet's JVM. A
 * real store does the same check in its own transaction (a conditional write, a compare-and-set).
 */
final class FencedStore {
  private static final ConcurrentHashMap<Path, Object> LOCKS = new ConcurrentHashMap<>();

  /** Whether a write was taken, and the highest term the store has seen after it. */
  record Outcome(boolean accepted, long highestTerm) {}

  private final Path file;
  private final Object lock;

  FencedStore(Path file) {
    this.file = file.toAbsolutePath().normalize();
    this.lock = LOCKS.computeIfAbsent(this.file, f -> new Object());
  }

  /** Appends {@code value} from {@code writer} unless a write with a higher term came before. */
  Outcome write(long term, String writer, String value) throws IOException {
    synchronized (lock) {
      long highest = highestTerm();
      if (term < highest) {
        return new Outcome(false, highest);
      }
      Files.createDirectories(file.getParent());
      Files.writeString(
          file,
          term + " " + writer + " " + value.replaceAll("\\s+", " ").strip() + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      return new Outcome(true, term);
    }
  }

  /** The accepted writes, oldest first. */
  List<String> entries() throws IOException {
    synchronized (lock) {
      try {
        return Files.readAllLines(file, StandardCharsets.UTF_8);
      } catch (NoSuchFileException e) {
        return List.of();
      }
    }
  }

  /** The highest term of an accepted write (the last line's: terms never go down), 0 if none. */
  private long highestTerm() throws IOException {
    List<String> lines = entries();
    return lines.isEmpty() ? 0 : Long.parseLong(lines.get(lines.size() - 1).split(" ", 2)[0]);
  }
}
