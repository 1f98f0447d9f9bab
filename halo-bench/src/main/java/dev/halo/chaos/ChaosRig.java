package dev.halo.chaos;

import dev.halo.agent.ElectionClient;
import dev.halo.agent.JetcdElectionClient;
import dev.halo.common.AgentDefaults;
import dev.halo.operator.HaloOperator;
import dev.halo.operator.OperatorConfig;
import dev.halo.sandbox.EmbeddedApiServer;
import dev.halo.sandbox.EtcdCluster;
import dev.halo.sandbox.LocalKubelet;
import dev.halo.sandbox.ServiceProxy;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sandbox machinery a chaos campaign runs on: API server, 3-member etcd, a restartable operator
 * on its own API client (so API faults can target it), the kubelet and the service proxy.
 */
final class ChaosRig implements AutoCloseable {
  static final String NAMESPACE = "chaos";
  static final String OPERATOR_USER_AGENT = "halo-operator-chaos";
  // Logged as the campaign: its log is what a reader of a failed run follows.
  private static final Logger log = LoggerFactory.getLogger(ChaosCampaign.class);

  final EmbeddedApiServer api;
  final EtcdCluster etcd;
  final LocalKubelet kubelet;
  final ServiceProxy proxy;
  final ElectionClient electionClient;
  final KubernetesClient checkerClient;
  private HaloOperator operator;
  private KubernetesClient operatorClient;

  ChaosRig() throws Exception {
    api = EmbeddedApiServer.start();
    try {
      api.client()
          .namespaces()
          .resource(
              new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
          .create();
      etcd = EtcdCluster.start(3);
      kubelet =
          LocalKubelet.start(
              api.client(),
              NAMESPACE,
              etcd,
              LocalKubelet.AgentMode.PROCESS,
              LocalKubelet.Options.defaults().withAgentRestarts(Duration.ofSeconds(1)));
      startOperator();
      proxy = ServiceProxy.start(api.client(), NAMESPACE, kubelet, 0);
      electionClient =
          new JetcdElectionClient(
              etcd.clientUrls().stream().map(URI::create).toList(), Duration.ofSeconds(1));
      checkerClient = api.newClient();
    } catch (Exception | Error e) {
      close();
      throw e;
    }
  }

  void startOperator() throws Exception {
    operatorClient =
        new KubernetesClientBuilder()
            .withConfig(new ConfigBuilder(api.config()).withUserAgent(OPERATOR_USER_AGENT).build())
            .build();
    operator =
        HaloOperator.start(
            operatorClient,
            new OperatorConfig(
                Set.of(NAMESPACE),
                "halo:chaos",
                etcd.clientUrls(),
                false,
                "",
                "127.0.0.1",
                0,
                AgentDefaults.JVM_OPTIONS));
  }

  void stopOperator() {
    if (operator != null) {
      operator.close();
      operator = null;
    }
    if (operatorClient != null) {
      operatorClient.close();
      operatorClient = null;
    }
  }

  @Override
  public void close() {
    for (AutoCloseable part : new AutoCloseable[] {checkerClient, electionClient, proxy}) {
      closeQuietly(part);
    }
    stopOperator();
    for (AutoCloseable part : new AutoCloseable[] {kubelet, etcd, api}) {
      closeQuietly(part);
    }
  }

  private static void closeQuietly(AutoCloseable part) {
    if (part == null) {
      return;
    }
    try {
      part.close();
    } catch (Exception e) {
      log.atWarn()
          .addKeyValue("part", part.getClass().getSimpleName())
          .addKeyValue("error", e.toString())
          .log("chaos: a part did not stop cleanly");
    }
  }
}
