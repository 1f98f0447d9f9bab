package dev.halo.cli;

import dev.halo.operator.HaloOperator;
import dev.halo.operator.OperatorConfig;
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
final class OperatorCommand implements Callable<Integer> {
  @Override
  public Integer call() throws Exception {
    OperatorConfig.Result parsed = OperatorConfig.fromEnvironment(System.getenv());
    if (parsed.config().isEmpty()) {
      System.err.println(
          "halo operator: invalid configuration: " + String.join("; ", parsed.errors()));
      return AgentCommand.EXIT_CONFIG;
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
