package dev.halo.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code halo-agent.jar --version}, which the image test runs in each image. */
class AgentCommandTest {
  @Test
  void versionNamesTheAgentAndItsJava() {
    StringWriter out = new StringWriter();
    CommandLine command = new CommandLine(new AgentCommand()).setOut(new PrintWriter(out));

    assertThat(command.execute("--version")).isZero();
    assertThat(out.toString()).startsWith("halo-agent ").contains("Java " + Runtime.version());
  }
}
