package dev.halo.operator;

import dev.halo.common.Failures;
import dev.halo.common.HaloVersion;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.OperatorException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import sun.misc.Signal;

/** {@code halo operator}: the operator, against the in-cluster config or the current kubeconfig. */
@Command(
    name = "operator",
    mixinStandardHelpOptions = true,
    versionProvider = OperatorCommand.Version.class,
    description = "Run the Halo operator (configured by HALO_* environment variables).",
    footer = {
      "",
      "Environment variables (default in brackets):",
      "  HALO_WATCH_NAMESPACES           comma-separated namespaces to watch [all namespaces]",
      "  HALO_AGENT_IMAGE                image of the injected agent ["
          + OperatorConfig.DEFAULT_AGENT_IMAGE
          + "]",
      "  HALO_ETCD_ENDPOINTS             etcd client URLs (http(s)://host:port, comma-separated)"
          + " for groups that list no spec.election.endpoints; never a loopback address in a"
          + " cluster [none]",
      "  HALO_ETCD_CACERT                PEM file of the CA that signed etcd's certificate;"
          + " turns TLS on (https:// endpoints) [none]",
      "  HALO_ETCD_CERT, HALO_ETCD_KEY   PEM client certificate and key (PKCS#8, PKCS#1 or SEC1)"
          + " for mutual TLS; re-read when the files change [none]",
      "  HALO_ETCD_USER                  etcd user to authenticate as [none]",
      "  HALO_ETCD_PASSWORD_FILE         file holding that user's password, read at each"
          + " authentication [none]",
      "  HALO_ETCD_SERVER_NAME           name etcd's certificate is checked against instead of"
          + " each endpoint's host [none]",
      "  HALO_LEADER_ELECTION            true: take the Lease halo-operator before reconciling"
          + " [true]",
      "  HALO_LEADER_ELECTION_NAMESPACE  namespace of that Lease [$POD_NAMESPACE]",
      "  HALO_OPERATOR_ADDRESS           address of /healthz and /metrics [0.0.0.0]",
      "  HALO_OPERATOR_PORT              their port; 0 picks a free one [8080]",
      "  HALO_AGENT_JVM_OPTIONS          JVM options of every agent container, separated by"
          + " spaces [the agent's defaults]",
      "  HALO_WATCH_STALE_SECONDS        seconds an object the operator wrote may stay unseen on"
          + " its watch before /healthz fails [30]",
      "  HALO_LOG_LEVEL                  DEBUG, INFO, WARN or ERROR [INFO]"
    })
public final class OperatorCommand implements Callable<Integer> {
  /** Exit code for a configuration that does not parse (as the agent's). */
  static final int EXIT_CONFIG = 2;

  /** Exit code when the operator could not start (the API did not answer, RBAC refused). */
  static final int EXIT_START = 1;

  @Override
  public Integer call() throws Exception {
    OperatorConfig.Result parsed = OperatorConfig.fromEnvironment(System.getenv());
    if (parsed.config().isEmpty()) {
      System.err.println(
          "halo operator: invalid configuration: " + String.join("; ", parsed.errors()));
      return EXIT_CONFIG;
    }
    Optional<String> noApi =
        ApiTarget.missing(System.getenv(), home(System.getenv()), ApiTarget.SERVICE_ACCOUNT_TOKEN);
    if (noApi.isPresent()) {
      System.err.println("halo operator: " + noApi.get());
      return EXIT_CONFIG;
    }
    CountDownLatch stop = new CountDownLatch(1);
    try (KubernetesClient client = new KubernetesClientBuilder().build()) {
      try (HaloOperator operator = HaloOperator.start(client, parsed.config().get())) {
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        stop.await();
      } catch (OperatorException e) {
        // One line that says what failed: a stack trace helps nobody when the API is unreachable.
        System.err.println(
            "halo operator: could not start against the Kubernetes API at "
                + client.getConfiguration().getMasterUrl()
                + ": "
                + Failures.rootMessage(e)
                + "; check that this API is reachable from here and that the operator's RBAC lets"
                + " it list and watch highavailabilitygroups (docs/troubleshooting.md)");
        return EXIT_START;
      }
    }
    return 0;
  }

  /** The home directory fabric8 looks for {@code .kube/config} in: $HOME first, as it does. */
  private static Path home(Map<String, String> env) {
    String home = env.getOrDefault("HOME", "");
    return !home.isBlank() && Files.isDirectory(Path.of(home))
        ? Path.of(home)
        : Path.of(System.getProperty("user.home"));
  }

  /** {@code --version}: the operator jar's version and the Java that runs it. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return HaloVersion.lines("halo-operator", OperatorCommand.class);
    }
  }
}
