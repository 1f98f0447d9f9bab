package dev.halo.agent;

import java.util.Arrays;
import java.util.List;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * The agent jar's entry point: {@code java -jar halo-agent.jar [agent] [options]} runs the elector
 * sidecar alone (the word {@code agent} is accepted so the same command line works on the combined
 * {@code halo.jar}).
 */
public final class AgentMain {
  private AgentMain() {}

  public static void main(String[] args) throws InterruptedException {
    // gRPC logs through java.util.logging; route it into the one log format.
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    List<String> rest = Arrays.asList(args);
    if (!rest.isEmpty() && rest.get(0).equals("agent")) {
      rest = rest.subList(1, rest.size());
    }
    System.exit(AgentCommand.run(rest, System.out, System.err));
  }
}
