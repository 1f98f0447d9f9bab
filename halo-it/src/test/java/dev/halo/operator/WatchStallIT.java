package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.AgentDefaults;
import dev.halo.operator.model.TestGroups;
import dev.halo.sandbox.EmbeddedApiServer;
import dev.halo.sandbox.InProcessAgent;
import dev.halo.sandbox.LocalKubelet;
import dev.halo.sandbox.TcpProxy;
import dev.halo.testing.EtcdExtension;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator's connections to the API server go silent (open, delivering nothing, as when a
 * middlebox forgets them without a reset) while new ones work: its watches deliver nothing and its
 * client does not notice. The operator's next write of a pod never comes back on its pod watch, so
 * {@code /healthz} must turn unhealthy, for the liveness probe to restart it.
 */
class WatchStallIT {
  private static final String NS = "stall";
  private static final Duration STALE_AFTER = Duration.ofSeconds(2);
  private static final Pattern UNSEEN =
      Pattern.compile("(?m)^halo_operator_watch_unseen_write_seconds ([0-9.eE+-]+)$");

  @RegisterExtension static final EtcdExtension etcd = EtcdExtension.members(1);

  private final HttpClient http = HttpClient.newHttpClient();
  private EmbeddedApiServer api;
  private TcpProxy apiProxy;
  private KubernetesClient operatorClient;
  private HaloOperator operator;
  private LocalKubelet kubelet;

  @BeforeEach
  void start() throws Exception {
    api = EmbeddedApiServer.start();
    api.client()
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .create();
    apiProxy = TcpProxy.to(URI.create(api.url()));
    operatorClient =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(api.config())
                    .withMasterUrl(apiProxy.endpoint("http").toString())
                    .build())
            .build();
    operator =
        HaloOperator.start(
            operatorClient,
            new OperatorConfig(
                    Set.of(NS),
                    "halo:test",
                    etcd.cluster().clientUrls(),
                    false,
                    "",
                    "127.0.0.1",
                    0,
                    AgentDefaults.JVM_OPTIONS)
                .withWatchStaleAfter(STALE_AFTER));
    kubelet =
        LocalKubelet.start(api.client(), NS, etcd.cluster(), LocalKubelet.AgentMode.IN_PROCESS);
  }

  @AfterEach
  void stop() {
    for (AutoCloseable part : new AutoCloseable[] {kubelet, operator, operatorClient, apiProxy}) {
      try {
        if (part != null) {
          part.close();
        }
      } catch (Exception e) {
        // stopping anyway
      }
    }
    if (api != null) {
      api.close();
    }
  }

  @Test
  void aWriteThatNeverComesBackOnThePodWatchMakesTheOperatorUnhealthy() throws Exception {
    HighAvailabilityGroup hag = TestGroups.valid(NS, "web");
    hag.getMetadata().setUid(null);
    hag.getSpec().getElection().setEndpoints(etcd.cluster().clientUrls());
    hag.getSpec().getElection().setLeaseTTLSeconds(2);
    api.client().resource(hag).create();
    String master = awaitOneLabelledMaster(null);
    assertThat(healthz().statusCode()).isEqualTo(200);
    assertThat(unseenWriteSeconds()).isZero();

    assertThat(apiProxy.silenceOpenConnections())
        .as("the operator's watches and pooled connections")
        .isPositive();
    // The election moves on in etcd, which the operator still reaches: it labels the new master
    // on a new connection, and that write never comes back on the silenced pod watch.
    ((InProcessAgent) kubelet.agent(master)).agent().shutdown();
    awaitOneLabelledMaster(master);

    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> healthz().statusCode() == 503);
    assertThat(healthz().body())
        .contains("watch stalled", "has not come back on its watch", "restart");
    assertThat(unseenWriteSeconds()).isGreaterThan((double) STALE_AFTER.toSeconds());
  }

  /** Waits until exactly one pod other than {@code old} is labelled master; returns it. */
  private String awaitOneLabelledMaster(String old) {
    String[] master = new String[1];
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              List<String> masters =
                  api.client().pods().inNamespace(NS).list().getItems().stream()
                      .filter(
                          p -> "master".equals(p.getMetadata().getLabels().get("halo.dev/role")))
                      .map(p -> p.getMetadata().getName())
                      .toList();
              if (masters.size() == 1 && !masters.get(0).equals(old)) {
                master[0] = masters.get(0);
                return true;
              }
              return false;
            });
    return master[0];
  }

  private HttpResponse<String> healthz() throws Exception {
    return get("/healthz");
  }

  private double unseenWriteSeconds() throws Exception {
    String metrics = get("/metrics").body();
    Matcher m = UNSEEN.matcher(metrics);
    assertThat(m.find()).as("halo_operator_watch_unseen_write_seconds in %s", metrics).isTrue();
    return Double.parseDouble(m.group(1));
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + operator.port() + path))
            .timeout(Duration.ofSeconds(5))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
