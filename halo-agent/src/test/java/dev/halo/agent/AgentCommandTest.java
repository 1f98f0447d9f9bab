package dev.halo.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.common.AgentVariables;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code halo-agent.jar}'s command line: options, {@code --help} and {@code --version}. */
class AgentCommandTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) throws InterruptedException {
    return AgentCommand.run(
        List.of(args),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void versionNamesTheAgentAndItsJava() throws Exception {
    assertThat(run("--version")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .startsWith("halo-agent ")
        .contains("Java " + Runtime.version());
  }

  @Test
  void helpNamesEveryOptionWithTheVariableItOverrides() throws Exception {
    assertThat(run("--help")).isZero();
    String help = out.toString(StandardCharsets.UTF_8);
    for (AgentCommand.Flag flag : AgentCommand.FLAGS) {
      assertThat(help).containsPattern(flag.name() + "=<value> +" + flag.variable() + ": ");
    }
    assertThat(help).contains("HALO_PARENT_PID");
  }

  @Test
  void optionsOverrideTheirVariablesInBothForms() {
    Map<String, String> env = new HashMap<>(Map.of(AgentVariables.MEMBER, "from-env"));

    assertThat(
            AgentCommand.applyFlags(
                List.of("--member", "web-1", "--lease-ttl-seconds=7", "--address", "0.0.0.0"), env))
        .isEmpty();
    assertThat(env)
        .containsEntry(AgentVariables.MEMBER, "web-1")
        .containsEntry(AgentVariables.LEASE_TTL_SECONDS, "7")
        .containsEntry(AgentVariables.AGENT_ADDRESS, "0.0.0.0");
  }

  @Test
  void anUnknownOptionOrAMissingValueStopsWithExitTwoAndTheUsage() throws Exception {
    assertThat(run("--etcd-endpoint", "http://etcd:2379")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .startsWith("halo agent: unknown option '--etcd-endpoint'\n")
        .contains("Usage: agent");
    assertThat(AgentCommand.applyFlags(List.of("--member"), new HashMap<>()))
        .contains("option '--member' needs a value");
  }
}
