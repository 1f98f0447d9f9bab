package dev.halo.operator.model;

import dev.halo.common.AgentDefaults;
import java.util.List;
import java.util.Objects;

/**
 * What the operator process is configured with and puts into every pod it builds.
 *
 * @param etcdEndpoints etcd client URLs for groups that list none; empty means no default
 * @param groupEtcdSecrets the Secrets and TLS server name for groups that list no endpoints and
 *     give none of their own ({@code HALO_GROUP_ETCD_*})
 */
public record OperatorDefaults(
    String agentImage,
    List<String> agentJvmOptions,
    List<String> etcdEndpoints,
    EtcdSecrets groupEtcdSecrets) {
  public OperatorDefaults {
    Objects.requireNonNull(agentImage, "agentImage");
    Objects.requireNonNull(groupEtcdSecrets, "groupEtcdSecrets");
    agentJvmOptions = List.copyOf(agentJvmOptions);
    etcdEndpoints = List.copyOf(etcdEndpoints);
  }

  /** Defaults without Secrets for groups: plaintext etcd without auth. */
  public OperatorDefaults(
      String agentImage, List<String> agentJvmOptions, List<String> etcdEndpoints) {
    this(agentImage, agentJvmOptions, etcdEndpoints, EtcdSecrets.NONE);
  }

  /** The given agent image with the agent's default JVM options and no default etcd. */
  public static OperatorDefaults of(String agentImage) {
    return of(agentImage, List.of());
  }

  /** The given agent image and default etcd endpoints with the agent's default JVM options. */
  public static OperatorDefaults of(String agentImage, List<String> etcdEndpoints) {
    return new OperatorDefaults(agentImage, AgentDefaults.JVM_OPTIONS, etcdEndpoints);
  }
}
