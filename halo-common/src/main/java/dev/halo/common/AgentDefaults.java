package dev.halo.common;

import java.time.Duration;
import java.util.List;

/** Defaults of the elector agent that the operator, the sandbox and the tests all use. */
public final class AgentDefaults {
  private AgentDefaults() {}

  /** Port of the agent's local HTTP API. */
  public static final int PORT = 8778;

  /** Lease TTL in seconds; 5 s survives an etcd raft-leader change (FINDINGS.md). */
  public static final int LEASE_TTL_SECONDS = 5;

  public static final int MIN_LEASE_TTL_SECONDS = 2;
  public static final int MAX_LEASE_TTL_SECONDS = 60;

  /**
   * How long before the server could expire a lease of {@code ttl} the agent stops claiming master:
   * max(1 s, TTL/5), which covers the keepalive round trip and clock rate differences. The operator
   * uses it too, to warn about a TTL too short for etcd between sites.
   */
  public static Duration deadlineMargin(Duration ttl) {
    Duration fifth = ttl.dividedBy(5);
    return fifth.compareTo(Duration.ofSeconds(1)) > 0 ? fifth : Duration.ofSeconds(1);
  }

  /**
   * JVM options for the agent container; they run on Java 17 and later (the sandbox, the tests and
   * the benches use them on Java 17, pods on the image's Java 25, which adds its own in {@code
   * JDK_JAVA_OPTIONS}: scripts/image.env). The agent mostly waits on etcd: a small heap that starts
   * small, C1 only with one compiler thread and ten times the usual compile thresholds (only the
   * hottest methods are compiled: less code, less CPU to start and at idle), a small code cache and
   * unpooled Netty buffers (docs/benchmarks.md); an out-of-memory error ends the process rather
   * than leaving a half-dead elector running.
   */
  public static final List<String> JVM_OPTIONS =
      List.of(
          "-XX:+UseSerialGC",
          "-Xms4m",
          "-Xmx24m",
          "-Xss256k",
          "-XX:TieredStopAtLevel=1",
          "-XX:CICompilerCount=1",
          "-XX:CompileThresholdScaling=10",
          "-XX:ReservedCodeCacheSize=16m",
          "-XX:MaxMetaspaceSize=64m",
          "-XX:MaxDirectMemorySize=16m",
          "-XX:-UsePerfData",
          "-XX:+ExitOnOutOfMemoryError",
          "-Dio.netty.allocator.type=unpooled");

  /**
   * Prints {@link #JVM_OPTIONS} one a line, so that the image scripts start the agent as the
   * operator does: {@code java -cp halo-agent.jar dev.halo.common.AgentDefaults}.
   */
  public static void main(String[] args) {
    JVM_OPTIONS.forEach(System.out::println);
  }
}
