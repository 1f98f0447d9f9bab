package dev.halo.agent;

import java.util.Arrays;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;

/**
 * The agent jar's entry point: {@code java -jar halo-agent.jar [agent] [options]} runs the elector
 * sidecar alone (the word {@code agent} is accepted so the same command line works on the combined
 * {@code halo.jar}).
 */
public final class AgentMain {
  private AgentMain() {}

  public static void main(String[] args) {
    // gRPC logs through java.util.logging; route it into the one log format.
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    String[] rest =
        args.length > 0 && args[0].equals("agent")
            ? Arrays.copyOfRange(args, 1, args.length)
            : args;
    System.exit(new CommandLine(new AgentCommand()).execute(rest));
  }
}
