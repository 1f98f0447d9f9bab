package dev.halo.etcd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Something built from files (key material, trust), rebuilt when their content changes. The files
 * are read through their paths at each look, at most once per second, so the kubelet's atomic
 * {@code ..data} symlink swap of a Secret volume (which no watch on the file itself sees) and a
 * plain rewrite are both noticed. A change that cannot be loaded (a half-written file) keeps the
 * last good value and is tried again at the next look.
 */
final class WatchedFiles<T> {
  private static final Logger log = LoggerFactory.getLogger(WatchedFiles.class);
  private static final long LOOK_EVERY_NANOS = 1_000_000_000L;

  /** Builds the value from the files. */
  @FunctionalInterface
  interface Loader<T> {
    T load() throws IOException, java.security.GeneralSecurityException;
  }

  private final String what;
  private final List<Path> files;
  private final Loader<T> loader;
  private final LongSupplier nanoClock;
  private T value;
  private byte[] digest;
  private byte[] failedDigest;
  private long lookedNanos;

  /** Loads at once; throws if the files cannot be loaded now. */
  WatchedFiles(String what, List<Path> files, Loader<T> loader, LongSupplier nanoClock)
      throws IOException, java.security.GeneralSecurityException {
    this.what = what;
    this.files = List.copyOf(files);
    this.loader = loader;
    this.nanoClock = nanoClock;
    this.digest = digest();
    this.value = loader.load();
    this.lookedNanos = nanoClock.getAsLong();
  }

  /** The value of the files' latest loadable content. */
  synchronized T current() {
    long now = nanoClock.getAsLong();
    if (now - lookedNanos < LOOK_EVERY_NANOS) {
      return value;
    }
    lookedNanos = now;
    byte[] seen;
    try {
      seen = digest();
    } catch (IOException e) {
      warnOnce(null, e.toString());
      return value;
    }
    if (Arrays.equals(seen, digest) || Arrays.equals(seen, failedDigest)) {
      return value;
    }
    try {
      value = loader.load();
      digest = seen;
      failedDigest = null;
      log.atInfo()
          .addKeyValue("files", files)
          .log(what + " changed on disk; new connections use it");
    } catch (IOException | java.security.GeneralSecurityException e) {
      warnOnce(seen, e.getMessage());
    }
    return value;
  }

  private void warnOnce(byte[] seen, String error) {
    if (seen != null) {
      failedDigest = seen;
    }
    log.atWarn()
        .addKeyValue("files", files)
        .addKeyValue("error", error)
        .log(what + " changed but cannot be loaded; still using the previous one");
  }

  private byte[] digest() throws IOException {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (Path file : files) {
        // Through the path: after a ..data swap it resolves to the new file.
        sha.update(Files.readAllBytes(file));
        sha.update((byte) 0);
      }
      return sha.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
