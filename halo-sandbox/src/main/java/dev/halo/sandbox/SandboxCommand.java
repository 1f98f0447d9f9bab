package dev.halo.sandbox;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/** {@code halo sandbox}: Halo end to end on this machine (see {@link Sandbox}). */
@Command(
    name = "sandbox",
    mixinStandardHelpOptions = true,
    description = {
      "Run Halo end to end on this machine, all on 127.0.0.1: an embedded Kubernetes API (use it"
          + " with kubectl), real etcd, the operator, a local kubelet running real agents next to"
          + " a demo HTTP workload, and a local port per Service. Ctrl-C stops everything."
    })
public final class SandboxCommand implements Callable<Integer> {
  /** Scripted tours. */
  enum Scenario {
    failover
  }

  private static final Logger log = LoggerFactory.getLogger(SandboxCommand.class);
  static final int EXIT_FAILED = 1;
  private static final java.time.Duration EXAMPLE_TIMEOUT = java.time.Duration.ofSeconds(30);

  @Option(
      names = "--etcd-members",
      defaultValue = "3",
      description = "etcd cluster size, 1 or 3 (default: ${DEFAULT-VALUE})")
  int etcdMembers;

  @Option(
      names = "--api-port",
      defaultValue = "0",
      description = "port of the Kubernetes API (default: a free port)")
  int apiPort;

  @Option(
      names = "--proxy-port",
      defaultValue = "0",
      description = "first local port of the service proxy (default: free ports)")
  int proxyPort;

  @Option(
      names = "--kubeconfig",
      description = "where to write the kubeconfig (default: in the sandbox's temp directory)")
  Path kubeconfig;

  @Option(names = "--no-example", description = "do not apply an example")
  boolean noExample;

  @Option(
      names = "--example",
      defaultValue = "web",
      description =
          "the example applied at start: web (deploy/examples/sandbox.yaml, demo HTTP"
              + " workloads) or redis (examples/redis/: redis-server processes, needs"
              + " redis-server on this machine) (default: ${DEFAULT-VALUE})")
  String example;

  @Option(
      names = "--insecure-etcd",
      description =
          "plaintext etcd without auth (default: TLS, client certificates and etcd roles per"
              + " group)")
  boolean insecureEtcd;

  @Option(
      names = "--sites",
      defaultValue = "1",
      description =
          "1, or 2 or 3 sites: an API server (a kubeconfig context named after the site),"
              + " operator and kubelet per site, one etcd member per site (with 2, the third site"
              + " is a witness that runs only etcd), linked through proxies (default:"
              + " ${DEFAULT-VALUE})")
  int sites;

  @Option(
      names = "--site-rtt-ms",
      defaultValue = "0",
      description =
          "round-trip time between two sites in ms, added by the proxies; etcd's heartbeat"
              + " and election timeout are tuned for it (default: ${DEFAULT-VALUE})")
  int siteRttMs;

  @Option(names = "--headless", description = "log events as lines instead of the live view")
  boolean headless;

  @Option(
      names = "--scenario",
      description = "run a scripted tour and exit: ${COMPLETION-CANDIDATES}")
  Scenario scenario;

  @Override
  public Integer call() throws IOException, InterruptedException {
    PrintStream out = System.out;
    CountDownLatch stop = new CountDownLatch(1);
    Signal.handle(new Signal("TERM"), s -> stop.countDown());
    Signal.handle(new Signal("INT"), s -> stop.countDown());
    if (sites > 1 && scenario != null) {
      System.err.println("halo sandbox: --scenario runs on one site; leave out --sites");
      return EXIT_FAILED;
    }
    Sandbox.Example which = example(example);
    if (which == null) {
      System.err.println("halo sandbox: --example must be web or redis, was " + example);
      return EXIT_FAILED;
    }
    if (which == Sandbox.Example.REDIS && scenario != null) {
      System.err.println("halo sandbox: --scenario runs on the web example; leave out --example");
      return EXIT_FAILED;
    }
    if (siteRttMs < 0 || siteRttMs > 10_000) {
      System.err.println("halo sandbox: --site-rtt-ms must be from 0 to 10000, was " + siteRttMs);
      return EXIT_FAILED;
    }
    Sandbox sandbox;
    try {
      sandbox =
          Sandbox.start(
              new Sandbox.Options(
                  etcdMembers,
                  apiPort,
                  proxyPort,
                  Optional.ofNullable(kubeconfig),
                  !noExample,
                  insecureEtcd,
                  sites,
                  java.time.Duration.ofMillis(siteRttMs),
                  which));
    } catch (RuntimeException e) {
      System.err.println("halo sandbox: " + oneLine(e));
      return EXIT_FAILED;
    }
    try (sandbox) {
      if (!noExample && !awaitServices(sandbox, which.group())) {
        log.atWarn()
            .addKeyValue("service", which.group())
            .log("the example's Service did not appear in time; see the operator's log lines");
      }
      printBanner(sandbox, out);
      if (!noExample && which == Sandbox.Example.REDIS) {
        printRedis(sandbox, out);
      }
      if (scenario == Scenario.failover) {
        return runFailover(sandbox, out);
      }
      if (headless) {
        Map<String, EventFeed> feeds =
            feeds(
                sandbox,
                20,
                site ->
                    line ->
                        log.atInfo()
                            .addKeyValue("site", site)
                            .addKeyValue("event", line)
                            .log("sandbox event"));
        try {
          stop.await();
        } finally {
          feeds.values().forEach(EventFeed::close);
        }
      } else {
        Path logFile = Files.createTempFile("halo-sandbox-", ".log");
        ChildReaper.deleteAtExit(logFile);
        Map<String, EventFeed> feeds =
            feeds(sandbox, sandbox.sites().size() == 1 ? 8 : 4, site -> line -> {});
        try (LiveView view = LiveView.start(sandbox, feeds, out, logFile.toString())) {
          logTo(logFile);
          stop.await();
        } finally {
          feeds.values().forEach(EventFeed::close);
          Files.deleteIfExists(logFile);
        }
      }
      out.println("stopping the sandbox ...");
      return 0;
    }
  }

  /** An event feed per site, keeping {@code keep} lines, each line to {@code listener}. */
  private static Map<String, EventFeed> feeds(
      Sandbox sandbox, int keep, Function<String, Consumer<String>> listener) {
    Map<String, EventFeed> feeds = new LinkedHashMap<>();
    for (SandboxSite site : sandbox.sites()) {
      feeds.put(
          site.name(),
          EventFeed.start(site.client(), Sandbox.NAMESPACE, keep, listener.apply(site.name())));
    }
    return feeds;
  }

  private static boolean awaitServices(Sandbox sandbox, String service) {
    return sandbox.sites().stream().allMatch(site -> site.awaitService(service, EXAMPLE_TIMEOUT));
  }

  private static Sandbox.Example example(String name) {
    for (Sandbox.Example e : Sandbox.Example.values()) {
      if (e.group().equals(name)) {
        return e;
      }
    }
    return null;
  }

  /** How to reach the Redis master through its Service. */
  private static void printRedis(Sandbox sandbox, PrintStream out) {
    sandbox.proxy().routes().stream()
        .filter(r -> r.service().equals(RedisExample.NAME))
        .findFirst()
        .ifPresent(
            r -> {
              out.println(
                  "  redis-cli -p "
                      + r.localPort()
                      + " incr visits   # the master, via its Service");
              out.println(
                  "  cat "
                      + sandbox.kubelet().peersFile()
                      + "   # each pod's Redis port: redis-cli -p <port> info replication");
            });
    out.flush();
  }

  private static int runFailover(Sandbox sandbox, PrintStream out) {
    try {
      new FailoverScenario(sandbox, out).run();
      return 0;
    } catch (RuntimeException e) {
      System.err.println("halo sandbox: the failover scenario failed: " + oneLine(e));
      return EXIT_FAILED;
    }
  }

  private static void printBanner(Sandbox sandbox, PrintStream out) {
    out.println();
    out.println("Halo sandbox is up");
    if (sandbox.sites().size() > 1) {
      printSites(sandbox, out);
    } else {
      out.println("  kubernetes API  " + sandbox.api().url());
      out.println("  kubeconfig      " + sandbox.kubeconfig());
      out.println("  etcd            " + sandbox.etcdEndpoints() + etcdKind(sandbox));
      printServices(sandbox.proxy(), "  ", out);
    }
    out.println("  export KUBECONFIG=" + sandbox.kubeconfig());
    out.println("  " + sandbox.etcdctl() + " get /halo/ --prefix");
    out.println();
    out.flush();
  }

  /** Each site's API server, etcd endpoints and Services, the witness, and the site switch. */
  private static void printSites(Sandbox sandbox, PrintStream out) {
    SiteNetwork network = sandbox.network();
    out.println("  kubeconfig      " + sandbox.kubeconfig() + "  (a context per site)");
    out.println("  etcd            " + sandbox.etcdEndpoints() + etcdKind(sandbox));
    for (SandboxSite site : sandbox.sites()) {
      out.println("  site " + site.name() + "      kubectl --context " + site.name());
      out.println("    kubernetes API  " + site.api().url());
      out.println("    etcd            " + String.join(",", site.etcdEndpoints()));
      printServices(site.proxy(), "    ", out);
    }
    if (sandbox.sites().size() < network.sites().size()) {
      out.println(
          "  site " + network.sites().get(network.sites().size() - 1) + "      witness, etcd only");
    }
    out.println("  RTT between sites " + network.rtt().toMillis() + " ms");
    String first = sandbox.sites().get(0).name();
    out.println("  " + sandbox.siteControl().command("cut", first) + "   # cut a site off");
    out.println("  " + sandbox.siteControl().command("heal", first));
  }

  private static String etcdKind(Sandbox sandbox) {
    return sandbox.securedEtcd()
        ? "  (TLS, client certificates, roles)"
        : "  (plaintext, --insecure-etcd)";
  }

  private static void printServices(ServiceProxy proxy, String indent, PrintStream out) {
    for (ServiceProxy.Route r : proxy.routes()) {
      out.printf(
          "%sservice %-7s http://127.0.0.1:%d  (port %d)%n",
          indent, r.service(), r.localPort(), r.servicePort());
    }
  }

  /** From here on, log lines go to {@code file}, not over the live view. */
  private static void logTo(Path file) {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(
        "%d{yyyy-MM-dd'T'HH:mm:ss.SSS'Z',UTC} %-5level %logger{0} %msg %kvp{NONE}%n%ex{short}");
    encoder.start();
    FileAppender<ILoggingEvent> appender = new FileAppender<>();
    appender.setContext(context);
    appender.setFile(file.toString());
    appender.setEncoder(encoder);
    appender.start();
    root.addAppender(appender);
    root.detachAppender("STDERR");
  }

  /** The first line of the message that says what failed (the root cause's when there is none). */
  static String oneLine(Throwable e) {
    Throwable t = e;
    while (t.getMessage() == null && t.getCause() != null) {
      t = t.getCause();
    }
    String message = t.getMessage() == null ? t.toString() : t.getMessage();
    return message.lines().findFirst().orElse(message);
  }
}
