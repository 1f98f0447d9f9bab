package dev.halo.bench;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.Annotations;
import dev.halo.common.ElectionKeys;
import dev.halo.common.Labels;
import dev.halo.sandbox.Sandbox;
import dev.halo.sandbox.ServiceProxy;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Redis under Halo: {@code halo sandbox --example redis} in this JVM (the Redis example's manifest,
 * three real {@code redis-server}s with their hooks and agents, TTL 5 s), a client writing one
 * {@code RPUSH} every 10 ms through the master Service while the master is hit by each fault: kill
 * -9 of its {@code redis-server}, kill -9 of its agent, deletion of its pod, a planned switchover.
 * Per round: how long writes failed and why, which acknowledged writes the new master lacks (Redis
 * replicates asynchronously: they are reported, not hidden), the time from the fault to the new
 * master labelled, from then until the Redis that were replicas replicate from it with their link
 * up (against the bound the hook gives), and until the old master's Redis is a replica too. Every
 * fault runs with {@code min-replicas-to-write} 0 (the example's default), then 1 (the group's hook
 * variable changed, its pods rolled).
 *
 * <p>Writes target/bench/redis.json.
 */
public final class RedisBench {
  private static final String GROUP = "redis";
  private static final String ELECTION =
      ElectionKeys.prefix(ElectionKeys.electionName(Sandbox.NAMESPACE, GROUP));
  private static final Duration ROUND_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration WRITE_PERIOD = Duration.ofMillis(10);
  private static final int REDIS_PORT = 6379;
  private static final long TTL_MS = 5000;
  // A standby's hook acts within one round (0.5 s) of its agent's role.json naming the new leader,
  // which the agent rewrites within (TTL - margin) / 2, 2 s at TTL 5.
  private static final long REPOINT_BOUND_MS = 2500;

  /** The faults, each done to the master. */
  enum Fault {
    killRedis,
    killAgent,
    podDelete,
    switchover
  }

  private final Sandbox sandbox;

  private RedisBench(Sandbox sandbox) {
    this.sandbox = sandbox;
  }

  public static void main(String[] args) {
    Mains.exitWith("bench: redis", () -> run(args));
  }

  private static int run(String[] args) throws Exception {
    int n = List.of(args).contains("--quick") ? 1 : 3;
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put(
        "setup",
        "halo sandbox --example redis --insecure-etcd in the bench JVM: 3 etcd members, the"
            + " operator, 3 pods each running redis-server "
            + redisVersion()
            + ", the example's hook (role.json, 0.5 s rounds) and an agent process; TTL "
            + TTL_MS
            + " ms; a client sends RPUSH every "
            + WRITE_PERIOD.toMillis()
            + " ms through the master Service (the sandbox's proxy), 500 ms timeout");
    long start = System.nanoTime();
    List<Map<String, Object>> modes = new ArrayList<>();
    try (Sandbox sandbox =
        Sandbox.start(
            new Sandbox.Options(
                3, 0, 0, Optional.empty(), true, true, 1, Duration.ZERO, Sandbox.Example.REDIS))) {
      RedisBench bench = new RedisBench(sandbox);
      bench.awaitSteady();
      try (RedisWriter writer = RedisWriter.start(bench.servicePort(), WRITE_PERIOD)) {
        for (int minReplicas : List.of(0, 1)) {
          Map<String, Object> mode = new LinkedHashMap<>();
          mode.put("minReplicasToWrite", minReplicas);
          if (minReplicas > 0) {
            long rollStart = System.nanoTime();
            bench.setMinReplicasToWrite(minReplicas);
            long rolled = System.nanoTime();
            Map<String, Object> roll = new LinkedHashMap<>();
            roll.put("tookMs", TimeUnit.NANOSECONDS.toMillis(rolled - rollStart));
            roll.putAll(RedisWriter.failures(writer.since(rollStart)));
            roll.put("ackedWritesLost", bench.newlyLost(writer, rolled).size());
            System.out.printf("bench: redis rolling update %s%n", roll);
            mode.put("rollingUpdate", roll);
          }
          List<Map<String, Object>> faults = new ArrayList<>();
          for (Fault fault : Fault.values()) {
            List<Map<String, Object>> rounds = new ArrayList<>();
            for (int i = 0; i < n; i++) {
              rounds.add(bench.round(fault, writer, minReplicas));
            }
            faults.add(summary(fault, rounds));
          }
          mode.put("faults", faults);
          modes.add(mode);
        }
      }
    }
    doc.put("modes", modes);
    doc.put("repointBoundMs", REPOINT_BOUND_MS);
    doc.put("tookSeconds", (System.nanoTime() - start) / 1_000_000_000);
    System.out.println("wrote " + BenchReport.write("redis.json", doc));
    return 0;
  }

  /** One fault to the master, and what the client and the replicas saw. */
  private Map<String, Object> round(Fault fault, RedisWriter writer, int minReplicas) {
    Agreement before = awaitSteady();
    // Writes acknowledged by now are on the replicas too unless the fault loses them.
    BenchRig.await(
        "the client writing",
        ROUND_TIMEOUT,
        10,
        () -> writer.steadyAfter(System.nanoTime() - 500_000_000L, 20));
    long t0 = System.nanoTime();
    inject(fault, before.master());
    String next =
        BenchRig.awaitValue(
            "a new master labelled",
            ROUND_TIMEOUT,
            5,
            () -> labelledMaster().filter(m -> !m.equals(before.master())));
    long labelled = System.nanoTime();
    // The Redis that were replicas before the fault (the new master's Redis among them) follow
    // the new master; the old master's Redis is back as a replica later, once its process or
    // agent is back (a restart delay) or its pod is re-created.
    BenchRig.await(
        "the surviving Redis following " + next,
        ROUND_TIMEOUT,
        10,
        () -> survivorsFollow(before.master(), next));
    long repointed = System.nanoTime();
    Agreement after =
        BenchRig.awaitValue(
            "every Redis following " + next,
            ROUND_TIMEOUT,
            20,
            () -> agreement(false).filter(a -> a.master().equals(next)));
    long rejoined = System.nanoTime();
    BenchRig.await(
        "writes acknowledged again", ROUND_TIMEOUT, 10, () -> writer.steadyAfter(repointed, 20));
    long end = System.nanoTime();
    List<Long> lostThisRound = newlyLost(writer, end);
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("fault", fault.name());
    r.put("from", before.master());
    r.put("to", after.master());
    r.put("faultToLabelledMs", TimeUnit.NANOSECONDS.toMillis(labelled - t0));
    r.put("labelledToReplicasFollowMs", TimeUnit.NANOSECONDS.toMillis(repointed - labelled));
    r.put("faultToOldMasterReplicaMs", TimeUnit.NANOSECONDS.toMillis(rejoined - t0));
    r.putAll(RedisWriter.failures(writer.since(t0)));
    r.put("ackedWritesLost", lostThisRound.size());
    r.put("lostSeqs", lostThisRound.size() > 20 ? lostThisRound.subList(0, 20) : lostThisRound);
    System.out.printf(
        "bench: redis min-replicas=%d %s %s -> %s labelled after %d ms, replicas follow %d ms"
            + " later; %s failed over %s ms %s; %d acknowledged writes lost%n",
        minReplicas,
        fault,
        before.master(),
        after.master(),
        r.get("faultToLabelledMs"),
        r.get("labelledToReplicasFollowMs"),
        r.get("failed"),
        r.get("failureWindowMs"),
        r.get("reasons"),
        lostThisRound.size());
    return r;
  }

  private final Set<Long> lostBefore = new HashSet<>();

  /** The acknowledged writes sent before {@code end} that the master lacks and no round counted. */
  private List<Long> newlyLost(RedisWriter writer, long end) {
    Set<Long> present = presentWrites();
    List<Long> lost = new ArrayList<>(RedisWriter.lost(writer.ackedBefore(end), present));
    lost.removeAll(lostBefore);
    lostBefore.addAll(lost);
    return lost;
  }

  /**
   * Whether every Redis but the old master's, once replicas, replicates the new master's port with
   * its link up, and the new master's Redis is master.
   */
  private boolean survivorsFollow(String oldMaster, String newMaster) {
    Map<String, Integer> ports = ports();
    Integer masterPort = ports.get(newMaster);
    if (masterPort == null || !"master".equals(replication(masterPort).get("role"))) {
      return false;
    }
    for (Map.Entry<String, Integer> e : ports.entrySet()) {
      if (e.getKey().equals(oldMaster) || e.getKey().equals(newMaster)) {
        continue;
      }
      Map<String, String> info = replication(e.getValue());
      if (!"slave".equals(info.get("role"))
          || !masterPort.toString().equals(info.get("master_port"))
          || !"up".equals(info.get("master_link_status"))) {
        return false;
      }
    }
    return true;
  }

  private void inject(Fault fault, String master) {
    switch (fault) {
      case killRedis -> {
        OptionalLong pid = sandbox.kubelet().workloadPid(master, "redis");
        ProcessHandle.of(pid.orElseThrow())
            .orElseThrow(() -> new IllegalStateException("no redis-server in " + master))
            .destroyForcibly();
      }
      case killAgent -> sandbox.kubelet().crashAgent(master);
      case podDelete ->
          sandbox.client().pods().inNamespace(Sandbox.NAMESPACE).withName(master).delete();
      case switchover ->
          editGroup(
              hag -> {
                Map<String, String> annotations = new LinkedHashMap<>();
                if (hag.getMetadata().getAnnotations() != null) {
                  annotations.putAll(hag.getMetadata().getAnnotations());
                }
                annotations.put(Annotations.SWITCHOVER, master);
                hag.getMetadata().setAnnotations(annotations);
                return hag;
              });
    }
  }

  private void editGroup(java.util.function.UnaryOperator<HighAvailabilityGroup> change) {
    sandbox
        .client()
        .resources(HighAvailabilityGroup.class)
        .inNamespace(Sandbox.NAMESPACE)
        .withName(GROUP)
        .edit(change);
  }

  /** Sets the hook's REDIS_MIN_REPLICAS_TO_WRITE; waits until the rolled pods run with it. */
  private void setMinReplicasToWrite(int value) {
    Instant edited = Instant.now();
    editGroup(
        hag -> {
          for (Container c : hag.getSpec().getTemplate().getSpec().getContainers()) {
            if (c.getName().equals("role-hook")) {
              c.getEnv().removeIf(v -> v.getName().equals("REDIS_MIN_REPLICAS_TO_WRITE"));
              c.getEnv()
                  .add(new EnvVar("REDIS_MIN_REPLICAS_TO_WRITE", Integer.toString(value), null));
            }
          }
          return hag;
        });
    BenchRig.await(
        "the pods rolled with min-replicas-to-write " + value,
        Duration.ofMinutes(5),
        200,
        () ->
            pods().size() == 3
                && pods().stream()
                    .allMatch(
                        p ->
                            Instant.parse(p.getMetadata().getCreationTimestamp())
                                .isAfter(edited.minusSeconds(1)))
                && agreement(true)
                    .map(a -> configGet(a.masterPort(), "min-replicas-to-write"))
                    .filter(Integer.toString(value)::equals)
                    .isPresent());
    System.out.printf("bench: redis min-replicas-to-write %d on the rolled pods%n", value);
  }

  /** Who the labels and every Redis agree is master. */
  private record Agreement(String master, int masterPort) {}

  /** One master in labels and Redis, replicas linked to it, 3 candidates in etcd, pods Ready. */
  private Agreement awaitSteady() {
    return BenchRig.awaitValue("Redis steady", ROUND_TIMEOUT, 50, () -> agreement(true));
  }

  /**
   * The master when one pod is labelled master, its Redis is the only master and every other Redis
   * replicates it with the link up; with {@code settled} also every pod Ready and every agent
   * campaigning.
   */
  private Optional<Agreement> agreement(boolean settled) {
    Optional<String> master = labelledMaster();
    Map<String, Integer> ports = ports();
    if (master.isEmpty() || ports.size() != 3 || !ports.containsKey(master.get())) {
      return Optional.empty();
    }
    if (settled && (!pods().stream().allMatch(RedisBench::ready) || candidates() != 3)) {
      return Optional.empty();
    }
    int masterPort = ports.get(master.get());
    for (Map.Entry<String, Integer> e : ports.entrySet()) {
      Map<String, String> info = replication(e.getValue());
      boolean ok =
          e.getKey().equals(master.get())
              ? "master".equals(info.get("role"))
              : "slave".equals(info.get("role"))
                  && Integer.toString(masterPort).equals(info.get("master_port"))
                  && "up".equals(info.get("master_link_status"));
      if (!ok) {
        return Optional.empty();
      }
    }
    return Optional.of(new Agreement(master.get(), masterPort));
  }

  private Optional<String> labelledMaster() {
    List<String> masters = new ArrayList<>();
    for (Pod pod : pods()) {
      if (Labels.ROLE_MASTER.equals(pod.getMetadata().getLabels().get(Labels.ROLE))
          && pod.getMetadata().getDeletionTimestamp() == null) {
        masters.add(pod.getMetadata().getName());
      }
    }
    return masters.size() == 1 ? Optional.of(masters.get(0)) : Optional.empty();
  }

  private static boolean ready(Pod pod) {
    return pod.getStatus() != null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private List<Pod> pods() {
    return sandbox.client().pods().inNamespace(Sandbox.NAMESPACE).list().getItems();
  }

  private long candidates() {
    return BenchRig.candidateKeys(sandbox.etcd(), ELECTION);
  }

  /** The acknowledged writes the master holds now. */
  private Set<Long> presentWrites() {
    try (RespClient c = RespClient.connect(servicePort(), Duration.ofSeconds(5))) {
      Set<Long> present = new HashSet<>();
      if (c.call("LRANGE", RedisWriter.KEY, "0", "-1") instanceof List<?> items) {
        items.forEach(i -> present.add(Long.parseLong(i.toString())));
      }
      return present;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the writes through the master Service", e);
    }
  }

  /** Each pod's Redis port, as the kubelet maps it. */
  private Map<String, Integer> ports() {
    return sandbox.kubelet().processPorts(REDIS_PORT);
  }

  private static Map<String, String> replication(int port) {
    Map<String, String> fields = new LinkedHashMap<>();
    try (RespClient c = RespClient.connect(port, Duration.ofSeconds(1))) {
      for (String line : String.valueOf(c.call("INFO", "replication")).split("\r?\n")) {
        int colon = line.indexOf(':');
        if (colon > 0) {
          fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
        }
      }
    } catch (IOException e) {
      // unreachable: no fields
    }
    return fields;
  }

  private static String configGet(int port, String name) {
    try (RespClient c = RespClient.connect(port, Duration.ofSeconds(1))) {
      return c.call("CONFIG", "GET", name) instanceof List<?> l && l.size() == 2
          ? String.valueOf(l.get(1))
          : "";
    } catch (IOException e) {
      return "";
    }
  }

  private int servicePort() {
    return sandbox.proxy().routes().stream()
        .filter(r -> r.service().equals(GROUP))
        .mapToInt(ServiceProxy.Route::localPort)
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no route for the Service " + GROUP));
  }

  private static String redisVersion() {
    try {
      Process p = new ProcessBuilder("redis-server", "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).strip();
      p.waitFor(5, TimeUnit.SECONDS);
      int v = out.indexOf("v=");
      return v < 0 ? out : out.substring(v + 2, out.indexOf(' ', v));
    } catch (IOException e) {
      throw new IllegalStateException(
          "redis-server is not installed: sudo apt-get install redis-server (make deps does it)",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "?";
    }
  }

  /** A fault's rounds and their figures. */
  private static Map<String, Object> summary(Fault fault, List<Map<String, Object>> rounds) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("fault", fault.name());
    s.put("faultToLabelledMs", Stats.of(longs(rounds, "faultToLabelledMs")).asMap());
    s.put(
        "labelledToReplicasFollowMs",
        Stats.of(longs(rounds, "labelledToReplicasFollowMs")).asMap());
    s.put("failureWindowMs", Stats.of(longs(rounds, "failureWindowMs")).asMap());
    s.put("failedWrites", Stats.of(longs(rounds, "failed")).asMap());
    s.put(
        "faultToOldMasterReplicaMs", Stats.of(longs(rounds, "faultToOldMasterReplicaMs")).asMap());
    s.put("ackedWritesLost", longs(rounds, "ackedWritesLost"));
    s.put(
        "replicasWithinBound",
        longs(rounds, "labelledToReplicasFollowMs").stream()
            .filter(ms -> ms <= REPOINT_BOUND_MS)
            .count());
    s.put("rounds", rounds);
    return s;
  }

  private static List<Long> longs(List<Map<String, Object>> rounds, String key) {
    return rounds.stream().map(r -> ((Number) r.get(key)).longValue()).toList();
  }
}
