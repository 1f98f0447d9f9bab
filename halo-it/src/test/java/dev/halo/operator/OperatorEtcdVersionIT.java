package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.halo.operator.election.EtcdVersionRules;
import dev.halo.testing.EtcdExtension;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator reads the etcd server's version and says in EtcdReachable (and a Warning Event) when
 * it has known lease or auth bugs. The machine's etcd (3.4.23) has; HALO_ETCD_BIN may select
 * another binary, so the expectation follows the version that etcd reports.
 */
class OperatorEtcdVersionIT {
  @Order(1)
  @RegisterExtension
  static final EtcdExtension etcd = EtcdExtension.members(1);

  @Order(2)
  @RegisterExtension
  static final OperatorExtension operator = new OperatorExtension(etcd);

  @Test
  void etcdReachableSaysWhetherTheServerVersionIsTrusted() throws Exception {
    String version = serverVersion(etcd.cluster().clientUrl(0));
    Optional<String> problem = EtcdVersionRules.problem(version);
    String expectedReason = problem.isPresent() ? "OutdatedVersion" : "Reachable";
    OperatorHarness h = operator.harness();
    String ns = h.newNamespace();
    h.create(h.group(ns, "web"));

    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                h.condition(ns, "web", "EtcdReachable")
                    .filter(c -> "True".equals(c.getStatus()))
                    .filter(c -> expectedReason.equals(c.getReason()))
                    .isPresent());
    Condition reachable = h.condition(ns, "web", "EtcdReachable").orElseThrow();
    if (problem.isPresent()) {
      assertThat(reachable.getMessage())
          .startsWith("election is being watched, but etcd is outdated: ")
          .contains(problem.get())
          .contains("Upgrade etcd to");
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(h.events(ns, "EtcdVersionOutdated"))
                      .isNotEmpty()
                      .allSatisfy(
                          e -> {
                            assertThat(e.getType()).isEqualTo("Warning");
                            assertThat(e.getMessage()).contains(version);
                          }));
    } else {
      assertThat(reachable.getMessage()).isEqualTo("election is being watched");
      assertThat(h.events(ns, "EtcdVersionOutdated")).isEmpty();
    }
  }

  /** What etcd says it runs, from its /version endpoint: {"etcdserver":"3.4.23",...}. */
  private static String serverVersion(String clientUrl) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(clientUrl + "/version")).build(),
                HttpResponse.BodyHandlers.ofString());
    JsonNode json = Serialization.jsonMapper().readTree(response.body());
    String version = json.path("etcdserver").asText();
    assertThat(version).as("etcd's /version: %s", response.body()).isNotBlank();
    return version;
  }
}
