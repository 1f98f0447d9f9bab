package dev.halo.operator;

import java.util.Arrays;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;

/**
 * The operator jar's entry point: {@code java -jar halo-operator.jar [operator] [options]} runs the
 * operator alone (the word {@code operator} is accepted so the same command line works on the
 * combined {@code halo.jar}).
 */
public final class OperatorMain {
  /** Where the image puts this jar; the chart runs it from there. */
  public static final String JAR = "/opt/halo/halo-operator.jar";

  private OperatorMain() {}

  public static void main(String[] args) {
    // The JDK and gRPC log through java.util.logging; route them into the one log format.
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    String[] rest =
        args.length > 0 && args[0].equals("operator")
            ? Arrays.copyOfRange(args, 1, args.length)
            : args;
    System.exit(new CommandLine(new OperatorCommand()).execute(rest));
  }
}
