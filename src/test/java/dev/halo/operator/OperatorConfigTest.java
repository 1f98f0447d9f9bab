package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.common.AgentDefaults;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OperatorConfigTest {
  private static final Map<String, String> BASE = Map.of("POD_NAMESPACE", "halo-system");

  private static OperatorConfig.Result parse(Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(BASE);
    env.putAll(extra);
    return OperatorConfig.fromEnvironment(env);
  }

  @Test
  void agentJvmOptionsDefaultToTheAgentDefaults() {
    assertThat(parse(Map.of()).config().orElseThrow().agentJvmOptions())
        .isEqualTo(AgentDefaults.JVM_OPTIONS);
    assertThat(parse(Map.of("HALO_AGENT_JVM_OPTIONS", "  ")).config().orElseThrow())
        .extracting(OperatorConfig::agentJvmOptions)
        .isEqualTo(AgentDefaults.JVM_OPTIONS);
  }

  @Test
  void agentJvmOptionsAreSplitOnSpaces() {
    assertThat(
            parse(Map.of("HALO_AGENT_JVM_OPTIONS", " -Xmx48m  -XX:+UseSerialGC "))
                .config()
                .orElseThrow()
                .agentJvmOptions())
        .containsExactly("-Xmx48m", "-XX:+UseSerialGC");
  }

  @Test
  void agentJvmOptionsThatAreNotOptionsAreRejected() {
    assertThat(parse(Map.of("HALO_AGENT_JVM_OPTIONS", "-Xmx48m 48m")).errors())
        .singleElement()
        .asString()
        .contains("HALO_AGENT_JVM_OPTIONS", "\"48m\"");
  }
}
