package dev.halo.operator.model;

import dev.halo.common.AgentDefaults;
import java.util.List;
import java.util.Objects;

/**
 * What the operator process is configured with and puts into every pod it builds.
 *
 * @param etcdEndpoints etcd client URLs for groups that list none; empty means no default
 * @param serverVersion the API server's release, read once at start; it decides what the server
 *     takes in a pod (the preStop {@code sleep} action), not what the pods are built from, so it is
 *     not part of the template hash
 */
public record OperatorDefaults(
    String agentImage,
    List<String> agentJvmOptions,
    List<String> etcdEndpoints,
    ServerVersion serverVersion) {
  public OperatorDefaults {
    Objects.requireNonNull(agentImage, "agentImage");
    Objects.requireNonNull(serverVersion, "serverVersion");
    agentJvmOptions = List.copyOf(agentJvmOptions);
    etcdEndpoints = List.copyOf(etcdEndpoints);
  }

  /** Defaults for a server of unknown version: the oldest supported one's behaviour. */
  public OperatorDefaults(
      String agentImage, List<String> agentJvmOptions, List<String> etcdEndpoints) {
    this(agentImage, agentJvmOptions, etcdEndpoints, ServerVersion.OLDEST_SUPPORTED);
  }

  /** The given agent image with the agent's default JVM options and no default etcd. */
  public static OperatorDefaults of(String agentImage) {
    return of(agentImage, List.of());
  }

  /** The given agent image and default etcd endpoints with the agent's default JVM options. */
  public static OperatorDefaults of(String agentImage, List<String> etcdEndpoints) {
    return new OperatorDefaults(agentImage, AgentDefaults.JVM_OPTIONS, etcdEndpoints);
  }

  /** These defaults for an API server of release {@code version}. */
  public OperatorDefaults on(ServerVersion version) {
    return new OperatorDefaults(agentImage, agentJvmOptions, etcdEndpoints, version);
  }
}
