package dev.halo.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import sun.misc.Signal;

/** {@code halo operator}: the operator, against the in-cluster config or the current kubeconfig. */
@Command(
    name = "operator",
    mixinStandardHelpOptions = true,
    description = "Run the Halo operator (configured by HALO_* environment variables).")
public final class OperatorCommand implements Callable<Integer> {
  /** Exit code for a configuration that does not parse (as the agent's). */
  static final int EXIT_CONFIG = 2;

  @Override
  public Integer call() throws Exception {
    OperatorConfig.Result parsed = OperatorConfig.fromEnvironment(System.getenv());
    if (parsed.config().isEmpty()) {
      System.err.println(
          "halo operator: invalid configuration: " + String.join("; ", parsed.errors()));
      return EXIT_CONFIG;
    }
    CountDownLatch stop = new CountDownLatch(1);
    try (KubernetesClient client = new KubernetesClientBuilder().build();
        HaloOperator operator = HaloOperator.start(client, parsed.config().get())) {
      Signal.handle(new Signal("TERM"), s -> stop.countDown());
      Signal.handle(new Signal("INT"), s -> stop.countDown());
      stop.await();
    }
    return 0;
  }
}
