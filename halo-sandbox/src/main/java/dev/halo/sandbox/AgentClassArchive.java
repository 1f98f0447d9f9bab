package dev.halo.sandbox;

import dev.halo.common.AgentVariables;
import dev.halo.common.ElectionKeys;
import dev.halo.common.Threads;
import dev.halo.etcd.EtcdSecurity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A class-data-sharing archive (JDK AppCDS) of the agent's classes for the agent processes this
 * machine starts (sandbox, tests, benches): with it a fresh agent JVM reaches the election in about
 * half the time (0.55 s instead of 0.8 to 1.2 s on a busy 2-core machine), which is what dominates
 * how fast a restarted or replaced agent is back as a standby.
 *
 * <p>The archive is made once per jar and JDK by a training run: a real agent against the etcd the
 * first agent is given, in an election of its own, probing its own {@code /healthz} as its workload
 * check, with a role file and a role history, until it is master; then SIGTERM, so it also resigns.
 * That loads every class of the start, the etcd client, the election, the promotion, the HTTP API,
 * the health probe and the shutdown (about 31 MB of archive; a run that never reaches etcd archives
 * too little to help). The archive is moved into place atomically; agents started before it exists
 * run without it. A stale or foreign archive is ignored by the JVM ({@code -Xshare:auto}).
 */
public final class AgentClassArchive {
  private static final Logger log = LoggerFactory.getLogger(AgentClassArchive.class);
  private static final Duration TRAINING_TIMEOUT = Duration.ofSeconds(30);
  private static final Object lock = new Object();
  private static final AtomicBoolean training = new AtomicBoolean();
  // Where training runs campaign when set: a secured etcd lets a pod's agent user write only its
  // group's prefix, so the training agent runs as a user that may write /halo/.
  private static volatile TrainingEtcd trainingEtcd;

  /** The etcd a training run campaigns in, and how it connects. */
  private record TrainingEtcd(String endpoints, EtcdSecurity security) {}

  private AgentClassArchive() {}

  /**
   * Training runs campaign in {@code endpoints} with {@code security} (a user whose role may write
   * {@code /halo/}) instead of the etcd of the first agent's environment.
   */
  public static void trainAgainst(String endpoints, EtcdSecurity security) {
    trainingEtcd = new TrainingEtcd(endpoints, security);
  }

  /** Training runs campaign in the etcd of the first agent's environment (plaintext etcd). */
  public static void trainAgainstTheAgentsEtcd() {
    trainingEtcd = null;
  }

  /**
   * JVM options that use the archive for {@code jar}, or none yet: then a training run against the
   * etcd of {@code env} starts in the background.
   */
  static List<String> jvmOptions(Path jar, AgentEnv env) {
    Path archive = archiveFor(jar);
    if (Files.isRegularFile(archive)) {
      return options(archive);
    }
    TrainingEtcd configured = trainingEtcd;
    String endpoints =
        configured != null
            ? configured.endpoints()
            : env.asMap().get(AgentVariables.ETCD_ENDPOINTS);
    if (endpoints != null && training.compareAndSet(false, true)) {
      Threads.daemon("agent-cds-training", () -> prepare(jar, endpoints)).start();
    }
    return List.of();
  }

  /**
   * Makes the archive for {@code jar} now unless it exists, training against {@code etcdEndpoints};
   * returns whether it exists afterwards. Benches call it before their first agent so that every
   * agent they measure starts the same way.
   */
  public static boolean prepare(Path jar, String etcdEndpoints) {
    Path archive = archiveFor(jar);
    synchronized (lock) {
      if (!Files.isRegularFile(archive)) {
        train(jar, archive, etcdEndpoints);
      }
    }
    return Files.isRegularFile(archive);
  }

  private static List<String> options(Path archive) {
    return List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off");
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

  private static void train(Path jar, Path archive, String etcdEndpoints) {
    long started = System.nanoTime();
    Path partial =
        archive.resolveSibling(archive.getFileName() + "." + ProcessHandle.current().pid());
    ChildReaper.deleteAtExit(
        partial); // a run cut short by the sandbox's end leaves no partial file
    AgentEnv env =
        AgentEnv.of(
                etcdEndpoints,
                ElectionKeys.electionName("halo-cds-training", "p" + ProcessHandle.current().pid()),
                "cds-training")
            .ttl(2);
    env.set(AgentVariables.HEALTH_HTTP, "http://127.0.0.1:" + env.port() + "/healthz");
    // A role file and a role history, as the sandbox's pods have: their writes are trained too.
    Path files;
    try {
      files = Files.createTempDirectory("halo-cds-training-");
    } catch (IOException e) {
      log.atInfo()
          .addKeyValue("error", e.toString())
          .log("agent class archive not made; agents start without it");
      return;
    }
    env.set(AgentVariables.ROLE_FILE, files.resolve("role").toString());
    env.set(AgentVariables.ROLE_HISTORY, files.resolve("history").toString());
    TrainingEtcd configured = trainingEtcd;
    if (configured != null && configured.endpoints().equals(etcdEndpoints)) {
      configured.security().toEnvironment().forEach(env::set);
    }
    try (AgentProcess agent =
        AgentProcess.startWith(
            jar, env, List.of("-XX:ArchiveClassesAtExit=" + partial, "-Xlog:cds=off"))) {
      boolean campaigned = awaitMaster(agent);
      agent.terminate(TRAINING_TIMEOUT); // SIGTERM: it resigns, exits normally, writes the archive
      if (campaigned && Files.isRegularFile(partial) && Files.size(partial) > 0) {
        Files.move(partial, archive, StandardCopyOption.ATOMIC_MOVE);
        removeOthers(archive);
        log.atInfo()
            .addKeyValue("archive", archive)
            .addKeyValue("sizeMiB", Files.size(archive) >> 20)
            .addKeyValue("tookMs", (System.nanoTime() - started) / 1_000_000)
            .log("agent class archive ready; later agents start with it");
      } else {
        log.atInfo()
            .addKeyValue("campaigned", campaigned)
            .addKeyValue("output", agent.output())
            .log("agent class archive not made; agents start without it");
      }
    } catch (IOException | RuntimeException e) {
      log.atInfo()
          .addKeyValue("error", e.toString())
          .log("agent class archive not made; agents start without it");
    } finally {
      try {
        Files.deleteIfExists(partial);
        for (String f : List.of("role", "role.json", "history")) {
          Files.deleteIfExists(files.resolve(f));
        }
        Files.deleteIfExists(files);
      } catch (IOException e) {
        // leftover files in the temp dir are harmless
      }
    }
  }

  /**
   * Alone in its election, the agent is promoted right after it campaigns: the promotion's code
   * (role history, role file, logs) is loaded and linked in the archive too, so that a standby's
   * first promotion is not slowed by it.
   */
  private static boolean awaitMaster(AgentProcess agent) {
    long deadline = System.nanoTime() + TRAINING_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline && agent.isAlive()) {
      Map<String, Object> status = agent.status().orElse(Map.of());
      if ("campaigning".equals(status.get("phase")) && "master".equals(status.get("role"))) {
        return true;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  /** Archives of earlier jars (31 MB each) would pile up in the temp dir with every build. */
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
