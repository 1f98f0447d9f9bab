package dev.halo.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Removes the temporary directories the sandbox's parts (and the tests built on them) make. */
public final class TempFiles {
  private TempFiles() {}

  /**
   * Deletes {@code dir} and everything below it (a plain file is deleted too); nothing when it is
   * null or absent. Every path is tried even after one fails (a leftover file must not keep the
   * rest), then the first failure is thrown, naming the directory.
   */
  public static void deleteRecursively(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    IOException failure = null;
    try {
      for (Path path : deepestFirst(dir)) {
        try {
          Files.deleteIfExists(path);
        } catch (IOException e) {
          failure = first(failure, e);
        }
      }
    } catch (IOException e) {
      failure = first(failure, e);
    }
    if (failure != null) {
      throw new UncheckedIOException("cannot delete " + dir, failure);
    }
  }

  private static List<Path> deepestFirst(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      return paths.sorted(Comparator.reverseOrder()).toList();
    }
  }

  private static IOException first(IOException earlier, IOException next) {
    if (earlier == null) {
      return next;
    }
    earlier.addSuppressed(next);
    return earlier;
  }
}
