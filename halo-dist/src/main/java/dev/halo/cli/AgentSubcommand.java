package dev.halo.cli;

import dev.halo.agent.AgentCommand;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code halo agent}: hands every argument to the agent's own command line ({@link AgentCommand},
 * which parses them without picocli, so the agent's jar carries no picocli).
 */
@Command(
    name = "agent",
    description = "Run the elector agent (configured by HALO_* environment variables).")
final class AgentSubcommand implements Callable<Integer> {
  @Unmatched List<String> args = new ArrayList<>();

  @Override
  public Integer call() throws InterruptedException {
    return AgentCommand.run(args, System.out, System.err);
  }
}
