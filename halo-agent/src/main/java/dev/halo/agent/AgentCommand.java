package dev.halo.agent;

import dev.halo.common.AgentVariables;
import dev.halo.common.HaloVersion;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * {@code halo agent}: the elector sidecar. Configured by HALO_* environment variables; each option
 * below overrides the variable it names.
 */
@Command(
    name = "agent",
    mixinStandardHelpOptions = true,
    versionProvider = AgentCommand.Version.class,
    description = "Run the elector agent (configured by HALO_* environment variables).",
    footer = {
      "",
      "HALO_PARENT_PID  set by the sandbox only: the agent stops (as on SIGTERM) once the"
          + " process with this pid is gone"
    })
public final class AgentCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(AgentCommand.class);
  static final int EXIT_CONFIG = 2;

  @Option(names = "--etcd-endpoints", description = "HALO_ETCD_ENDPOINTS")
  String endpoints;

  @Option(names = "--election", description = "HALO_ELECTION")
  String election;

  @Option(names = "--member", description = "HALO_MEMBER")
  String member;

  @Option(names = "--lease-ttl-seconds", description = "HALO_LEASE_TTL_SECONDS")
  String ttl;

  @Option(
      names = "--etcd-cacert",
      description = "HALO_ETCD_CACERT: PEM file of the CA that signed etcd's certificate")
  String etcdCacert;

  @Option(
      names = "--etcd-cert",
      description = "HALO_ETCD_CERT: PEM client certificate shown to etcd (mutual TLS)")
  String etcdCert;

  @Option(
      names = "--etcd-key",
      description = "HALO_ETCD_KEY: its PEM private key (PKCS#8, PKCS#1 or SEC1)")
  String etcdKey;

  @Option(names = "--etcd-user", description = "HALO_ETCD_USER: etcd user to authenticate as")
  String etcdUser;

  @Option(
      names = "--etcd-password-file",
      description = "HALO_ETCD_PASSWORD_FILE: file holding that user's password")
  String etcdPasswordFile;

  @Option(
      names = "--etcd-server-name",
      description = "HALO_ETCD_SERVER_NAME: name etcd's certificate is checked against")
  String etcdServerName;

  @Option(names = "--port", description = "HALO_AGENT_PORT")
  String port;

  @Option(names = "--address", description = "HALO_AGENT_ADDRESS")
  String address;

  @Override
  public Integer call() throws IOException, InterruptedException {
    AgentConfigParser.Result parsed = AgentConfigParser.parse(environment());
    if (parsed.config().isEmpty()) {
      System.err.println(
          "halo agent: invalid configuration: " + String.join("; ", parsed.errors()));
      return EXIT_CONFIG;
    }
    AgentConfig config = parsed.config().get();
    Agent agent;
    try {
      agent = Agent.start(config);
    } catch (IOException e) {
      System.err.println(
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
    Signal.handle(new Signal("TERM"), s -> stop.countDown());
    Signal.handle(new Signal("INT"), s -> stop.countDown());
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
            stop::countDown);
  }

  private Map<String, String> environment() {
    Map<String, String> env = new HashMap<>(System.getenv());
    put(env, AgentVariables.ETCD_ENDPOINTS, endpoints);
    put(env, AgentVariables.ETCD_CACERT, etcdCacert);
    put(env, AgentVariables.ETCD_CERT, etcdCert);
    put(env, AgentVariables.ETCD_KEY, etcdKey);
    put(env, AgentVariables.ETCD_USER, etcdUser);
    put(env, AgentVariables.ETCD_PASSWORD_FILE, etcdPasswordFile);
    put(env, AgentVariables.ETCD_SERVER_NAME, etcdServerName);
    put(env, AgentVariables.ELECTION, election);
    put(env, AgentVariables.MEMBER, member);
    put(env, AgentVariables.LEASE_TTL_SECONDS, ttl);
    put(env, AgentVariables.AGENT_PORT, port);
    put(env, AgentVariables.AGENT_ADDRESS, address);
    return env;
  }

  private static void put(Map<String, String> env, String key, String value) {
    if (value != null) {
      env.put(key, value);
    }
  }

  /** {@code --version}: the agent jar's version and the Java that runs it. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return HaloVersion.lines("halo-agent", AgentCommand.class);
    }
  }
}
