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
 * @param groupEtcdSecrets the Secrets and TLS server name for groups that list no endpoints and
 *     give none of their own ({@code HALO_GROUP_ETCD_*})
 */
public record OperatorDefaults(
    String agentImage,
    List<String> agentJvmOptions,
    List<String> etcdEndpoints,
    ServerVersion serverVersion,
    EtcdSecrets groupEtcdSecrets) {
  public OperatorDefaults {
    Objects.requireNonNull(agentImage, "agentImage");
    Objects.requireNonNull(serverVersion, "serverVersion");
    Objects.requireNonNull(groupEtcdSecrets, "groupEtcdSecrets");
    agentJvmOptions = List.copyOf(agentJvmOptions);
    etcdEndpoints = List.copyOf(etcdEndpoints);
  }

  /**
   * Defaults for a server of unknown version (the oldest supported one's behaviour) without Secrets
   * for groups (plaintext etcd without auth).
   */
  public OperatorDefaults(
      String agentImage, List<String> agentJvmOptions, List<String> etcdEndpoints) {
    this(
        agentImage,
        agentJvmOptions,
        etcdEndpoints,
        ServerVersion.OLDEST_SUPPORTED,
        EtcdSecrets.NONE);
  }

  /** Defaults for a server of unknown version with {@code groupEtcdSecrets} for groups. */
  public OperatorDefaults(
      String agentImage,
      List<String> agentJvmOptions,
      List<String> etcdEndpoints,
      EtcdSecrets groupEtcdSecrets) {
    this(
        agentImage,
        agentJvmOptions,
        etcdEndpoints,
        ServerVersion.OLDEST_SUPPORTED,
        groupEtcdSecrets);
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
    return new OperatorDefaults(
        agentImage, agentJvmOptions, etcdEndpoints, version, groupEtcdSecrets);
  }

  /** These defaults with {@code secrets} for groups that list no etcd endpoints. */
  public OperatorDefaults withGroupEtcdSecrets(EtcdSecrets secrets) {
    return new OperatorDefaults(agentImage, agentJvmOptions, etcdEndpoints, serverVersion, secrets);
  }
}
