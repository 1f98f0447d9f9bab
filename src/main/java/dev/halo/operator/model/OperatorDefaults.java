package dev.halo.operator.model;

import dev.halo.common.AgentDefaults;
import java.util.List;
import java.util.Objects;

/** What the operator process is configured with and puts into every pod it builds. */
public record OperatorDefaults(String agentImage, List<String> agentJvmOptions) {
  public OperatorDefaults {
    Objects.requireNonNull(agentImage, "agentImage");
    agentJvmOptions = List.copyOf(agentJvmOptions);
  }

  /** The given agent image with the agent's default JVM options. */
  public static OperatorDefaults of(String agentImage) {
    return new OperatorDefaults(agentImage, AgentDefaults.JVM_OPTIONS);
  }
}
