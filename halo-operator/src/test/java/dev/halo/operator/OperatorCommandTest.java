package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code halo operator --help}: the settings a user can give, with their defaults; {@code
 * --version}.
 */
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

  @Test
  void versionNamesTheOperatorAndItsJava() {
    StringWriter out = new StringWriter();
    CommandLine command = new CommandLine(new OperatorCommand()).setOut(new PrintWriter(out));

    assertThat(command.execute("--version")).isZero();
    assertThat(out.toString()).startsWith("halo-operator ").contains("Java " + Runtime.version());
  }
}
