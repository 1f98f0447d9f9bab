package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code halo operator --help}: the settings a user can give, with their defaults. */
class OperatorCommandTest {
  @Test
  void helpListsEveryEnvironmentVariableWithItsDefault() {
    String help = new CommandLine(new OperatorCommand()).getUsageMessage();

    assertThat(help)
        .contains("HALO_WATCH_NAMESPACES")
        .contains("HALO_AGENT_IMAGE")
        .contains("[" + OperatorConfig.DEFAULT_AGENT_IMAGE + "]")
        .contains("HALO_ETCD_ENDPOINTS")
        .contains("HALO_LEADER_ELECTION ")
        .contains("HALO_LEADER_ELECTION_NAMESPACE")
        .contains("HALO_OPERATOR_ADDRESS")
        .contains("HALO_OPERATOR_PORT")
        .contains("[8080]")
        .contains("HALO_AGENT_JVM_OPTIONS")
        .contains("HALO_LOG_LEVEL");
  }
}
