package dev.halo.common;

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
   * JVM options for the agent container: a small heap and C1 only keep it near 70 MiB RSS and
   * starting in about a second, which is all a sidecar that mostly waits on etcd needs.
   */
  public static final List<String> JVM_OPTIONS =
      List.of(
          "-XX:+UseSerialGC",
          "-Xmx32m",
          "-Xss256k",
          "-XX:TieredStopAtLevel=1",
          "-XX:MaxMetaspaceSize=64m",
          "-XX:-UsePerfData");
}
