package dev.halo.cli;

import dev.halo.operator.OperatorCommand;
import dev.halo.sandbox.SandboxCommand;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code halo} executable: one jar for the operator, the agent and the sandbox. */
@Command(
    name = "halo",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Halo: single-master workloads on Kubernetes, elected through etcd.",
    subcommands = {AgentSubcommand.class, OperatorCommand.class, SandboxCommand.class})
public final class HaloCommand implements Runnable {

  public static void main(String[] args) {
    // gRPC and the JDK log through java.util.logging; route them into the one log format.
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    System.exit(new CommandLine(new HaloCommand()).execute(args));
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}
