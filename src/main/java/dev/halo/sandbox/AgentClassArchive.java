package dev.halo.sandbox;

import dev.halo.common.AgentDefaults;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A class-data-sharing archive (JDK AppCDS) of the agent's classes for the agent processes this
 * machine starts (sandbox, tests, benches): with it a fresh agent JVM reaches the election in about
 * half the time (0.8 s instead of 1.7 s on an idle 2-core machine), which is what dominates how
 * fast a restarted or replaced agent is back as a standby.
 *
 * <p>The archive is made once per jar and JDK, in the background, by a training run of the agent
 * against an unreachable etcd (it loads the gRPC, Netty and jetcd classes while it retries), then
 * moved into place atomically; agents started before it exists run without it. A stale or foreign
 * archive is ignored by the JVM ({@code -Xshare:auto}).
 */
public final class AgentClassArchive {
  private static final Logger log = LoggerFactory.getLogger(AgentClassArchive.class);
  private static final Duration TRAINING = Duration.ofSeconds(3);
  private static final AtomicBoolean training = new AtomicBoolean();

  private AgentClassArchive() {}

  /** JVM options that use the archive for {@code jar}, or none yet (training starts then). */
  static List<String> jvmOptions(Path jar) {
    Path archive = archiveFor(jar);
    if (Files.isRegularFile(archive)) {
      return List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off");
    }
    if (training.compareAndSet(false, true)) {
      Thread t = new Thread(() -> train(jar, archive), "agent-cds-training");
      t.setDaemon(true);
      t.start();
    }
    return List.of();
  }

  static Path archiveFor(Path jar) {
    long size;
    long modified;
    try {
      size = Files.size(jar);
      modified = Files.getLastModifiedTime(jar).toMillis();
    } catch (IOException e) {
      size = 0;
      modified = 0;
    }
    String key =
        Integer.toHexString(
            (jar.toAbsolutePath() + "|" + size + "|" + modified + "|" + Runtime.version())
                .hashCode());
    return Path.of(System.getProperty("java.io.tmpdir"), "halo-agent-" + key + ".jsa");
  }

  private static void train(Path jar, Path archive) {
    Path partial =
        archive.resolveSibling(archive.getFileName() + "." + ProcessHandle.current().pid());
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(AgentDefaults.JVM_OPTIONS);
    command.add("-XX:ArchiveClassesAtExit=" + partial);
    command.add("-Xlog:cds=off");
    command.add("-jar");
    command.add(jar.toString());
    command.add("agent");
    try {
      Path dir = Files.createTempDirectory("halo-agent-cds-");
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("training.log").toFile());
      builder.environment().keySet().removeIf(k -> k.startsWith("HALO_"));
      builder
          .environment()
          .putAll(
              AgentEnv.of("http://127.0.0.1:1", "/halo/cds/training/election", "training")
                  .set("HALO_ROLE_FILE", dir.resolve("role").toString())
                  .asMap());
      Process p = builder.start();
      Thread.sleep(TRAINING.toMillis());
      p.destroy(); // SIGTERM: the JVM exits normally and writes the archive
      boolean exited = p.waitFor(30, TimeUnit.SECONDS);
      if (exited && Files.size(partial) > 0) {
        Files.move(partial, archive, StandardCopyOption.ATOMIC_MOVE);
        removeOthers(archive);
        log.atInfo()
            .addKeyValue("archive", archive)
            .log("agent class archive ready; later agents start with it");
      } else {
        p.destroyForcibly();
        log.atInfo().log("agent class archive not made; agents start without it");
      }
    } catch (IOException e) {
      log.atInfo()
          .addKeyValue("error", e.toString())
          .log("agent class archive not made; agents start without it");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      try {
        Files.deleteIfExists(partial);
      } catch (IOException e) {
        // a leftover partial file in the temp dir is harmless
      }
    }
  }

  /** Archives of earlier jars (24 MB each) would pile up in the temp dir with every build. */
  private static void removeOthers(Path archive) {
    try (var others = Files.list(archive.getParent())) {
      others
          .filter(p -> p.getFileName().toString().matches("halo-agent-[0-9a-f]+\\.jsa"))
          .filter(p -> !p.equals(archive))
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException e) {
                  // in use or not ours to delete: leave it
                }
              });
    } catch (IOException e) {
      // listing the temp dir failed: nothing to tidy
    }
  }
}
