package dev.halo.agent;

import dev.halo.common.AgentVariables;
import dev.halo.common.HaloVersion;
import java.io.IOException;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * {@code halo agent}: the elector sidecar. Configured by HALO_* environment variables; each option
 * overrides the variable it names. The command line is parsed here rather than by a library: a
 * dozen {@code --name value} options did not need one (picocli loaded about 170 classes and took a
 * tenth of the agent's start).
 */
public final class AgentCommand {
  private static final Logger log = LoggerFactory.getLogger(AgentCommand.class);
  static final int EXIT_CONFIG = 2;

  /** An option, the variable it overrides, and what {@code --help} says about it. */
  record Flag(String name, String variable, String help) {}

  static final List<Flag> FLAGS =
      List.of(
          new Flag("--etcd-endpoints", AgentVariables.ETCD_ENDPOINTS, "comma-separated URLs"),
          new Flag(
              "--etcd-cacert",
              AgentVariables.ETCD_CACERT,
              "PEM file of the CA that signed etcd's certificate"),
          new Flag(
              "--etcd-cert",
              AgentVariables.ETCD_CERT,
              "PEM client certificate shown to etcd (mutual TLS)"),
          new Flag(
              "--etcd-key",
              AgentVariables.ETCD_KEY,
              "its PEM private key (PKCS#8, PKCS#1 or SEC1)"),
          new Flag("--etcd-user", AgentVariables.ETCD_USER, "etcd user to authenticate as"),
          new Flag(
              "--etcd-password-file",
              AgentVariables.ETCD_PASSWORD_FILE,
              "file holding that user's password"),
          new Flag(
              "--etcd-server-name",
              AgentVariables.ETCD_SERVER_NAME,
              "name etcd's certificate is checked against"),
          new Flag("--election", AgentVariables.ELECTION, "the election's etcd name"),
          new Flag("--member", AgentVariables.MEMBER, "this pod's name"),
          new Flag("--lease-ttl-seconds", AgentVariables.LEASE_TTL_SECONDS, "2..60"),
          new Flag("--port", AgentVariables.AGENT_PORT, "port of the local HTTP API"),
          new Flag("--address", AgentVariables.AGENT_ADDRESS, "address of the local HTTP API"));

  private AgentCommand() {}

  /**
   * Runs {@code halo agent} with {@code args} (the options, without the word {@code agent}) until
   * SIGTERM; returns the exit code: 0, or 2 for a bad option or configuration.
   */
  public static int run(List<String> args, PrintStream out, PrintStream err)
      throws InterruptedException {
    if (args.contains("-h") || args.contains("--help")) {
      out.print(usage());
      return 0;
    }
    if (args.contains("-V") || args.contains("--version")) {
      for (String line : HaloVersion.lines("halo-agent", AgentCommand.class)) {
        out.println(line);
      }
      return 0;
    }
    Map<String, String> env = new HashMap<>(System.getenv());
    Optional<String> error = applyFlags(args, env);
    if (error.isPresent()) {
      err.println("halo agent: " + error.get());
      err.print(usage());
      return EXIT_CONFIG;
    }
    return runAgent(env, err);
  }

  /**
   * Puts each {@code --name value} or {@code --name=value} of {@code args} into {@code env} under
   * its variable; the first option it does not know, or one without a value, is the error.
   */
  static Optional<String> applyFlags(List<String> args, Map<String, String> env) {
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      int eq = arg.indexOf('=');
      String name = eq > 0 ? arg.substring(0, eq) : arg;
      Optional<Flag> flag = FLAGS.stream().filter(f -> f.name().equals(name)).findFirst();
      if (flag.isEmpty()) {
        return Optional.of("unknown option '" + arg + "'");
      }
      if (eq < 0 && i + 1 >= args.size()) {
        return Optional.of("option '" + name + "' needs a value");
      }
      env.put(flag.get().variable(), eq > 0 ? arg.substring(eq + 1) : args.get(++i));
    }
    return Optional.empty();
  }

  /** What {@code --help} prints. */
  static String usage() {
    StringBuilder usage =
        new StringBuilder()
            .append("Usage: agent [-hV] [--<option> <value>]...\n")
            .append("Run the elector agent (configured by HALO_* environment variables; each")
            .append(" option overrides the variable it names).\n");
    for (Flag f : FLAGS) {
      String left = "      " + f.name() + "=<value>";
      usage.append(left).append(" ".repeat(Math.max(1, 42 - left.length())));
      usage.append(f.variable()).append(": ").append(f.help()).append('\n');
    }
    return usage
        .append("  -h, --help                              Show this help message and exit.\n")
        .append("  -V, --version                           Print version information and exit.\n")
        .append("\nHALO_PARENT_PID  set by the sandbox only: the agent stops (as on SIGTERM)")
        .append(" once the process with this pid is gone\n")
        .toString();
  }

  private static int runAgent(Map<String, String> env, PrintStream err)
      throws InterruptedException {
    AgentConfigParser.Result parsed = AgentConfigParser.parse(env);
    if (parsed.config().isEmpty()) {
      err.println("halo agent: invalid configuration: " + String.join("; ", parsed.errors()));
      return EXIT_CONFIG;
    }
    AgentConfig config = parsed.config().get();
    Agent agent;
    try {
      agent = Agent.start(config);
    } catch (IOException e) {
      err.println(
          "halo agent: cannot listen on "
              + config.bindAddress()
              + ":"
              + config.port()
              + " ("
              + e.getMessage()
              + "); set HALO_AGENT_PORT to a free port");
      return EXIT_CONFIG;
    }
    CountDownLatch stop = new CountDownLatch(1);
    // Handle SIGTERM ourselves: resign, revoke and exit 0 (a shutdown hook would exit 143).
    Signal.handle(new Signal("TERM"), s -> stopOn(s, stop));
    Signal.handle(new Signal("INT"), s -> stopOn(s, stop));
    watchParent(stop);
    stop.await();
    agent.shutdown();
    return 0;
  }

  /**
   * With {@value AgentVariables#PARENT_PID} set (the sandbox does; pods never do), stops like on
   * SIGTERM once that process is gone, so a killed sandbox leaves no agent running.
   */
  private static void watchParent(CountDownLatch stop) {
    String value = System.getenv(AgentVariables.PARENT_PID);
    if (value == null || value.isBlank()) {
      return;
    }
    long pid;
    try {
      pid = Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      log.atWarn()
          .addKeyValue("variable", AgentVariables.PARENT_PID)
          .addKeyValue("value", value)
          .log("not a pid; not watching the parent process (unset it outside the sandbox)");
      return;
    }
    ProcessHandle.of(pid)
        .map(ProcessHandle::onExit)
        .ifPresentOrElse(
            exit ->
                exit.thenRun(
                    () -> {
                      log.atInfo().addKeyValue("parentPid", pid).log("parent gone; stopping");
                      stop.countDown();
                    }),
            () -> {
              log.atWarn()
                  .addKeyValue("parentPid", pid)
                  .addKeyValue("variable", AgentVariables.PARENT_PID)
                  .log(
                      "parent process not found at start; stopping (unset it outside the sandbox)");
              stop.countDown();
            });
  }

  private static void stopOn(Signal signal, CountDownLatch stop) {
    log.atInfo().addKeyValue("signal", "SIG" + signal.getName()).log("signal received; stopping");
    stop.countDown();
  }
}
