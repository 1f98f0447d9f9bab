package dev.halo.operator;

import dev.halo.install.ApiCall;
import dev.halo.install.ChartRbac;
import dev.halo.install.ChartRbac.Grant;
import dev.halo.install.HelmChart;
import dev.halo.sandbox.EmbeddedApiServer;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.Collection;
import java.util.Comparator;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Records every API call that operator clients made to a mock API server (told apart from the
 * tests' own client by their User-Agent), and says which of them the chart's RBAC would refuse.
 */
final class ApiCallRecorder {
  static final String OPERATOR_USER_AGENT = "halo-operator-under-test";

  private final Set<ApiCall> calls = ConcurrentHashMap.newKeySet();
  private final Set<String> writes = ConcurrentHashMap.newKeySet();

  /** Starts recording the operator clients' calls to {@code k8s}. */
  static ApiCallRecorder on(EmbeddedApiServer k8s) {
    ApiCallRecorder recorder = new ApiCallRecorder();
    k8s.onRequest(
        r -> {
          if (OPERATOR_USER_AGENT.equals(r.userAgent())) {
            ApiCall.of(r.method(), r.uri()).ifPresent(recorder.calls::add);
            if (Set.of("POST", "PUT", "PATCH").contains(r.method())) {
              recorder.writes.add(r.method() + " " + r.uri());
            }
          }
        });
    return recorder;
  }

  /** A client for an operator of {@code k8s}, whose calls are recorded; the caller closes it. */
  static KubernetesClient operatorClient(EmbeddedApiServer k8s) {
    return new KubernetesClientBuilder()
        .withConfig(new ConfigBuilder(k8s.config()).withUserAgent(OPERATOR_USER_AGENT).build())
        .build();
  }

  Set<ApiCall> calls() {
    return Set.copyOf(calls);
  }

  /** Every create, update and patch the operator sent, as {@code METHOD uri} with its query. */
  Set<String> writes() {
    return Set.copyOf(writes);
  }

  /** What the chart's RBAC grants the operator's ServiceAccount. */
  static Set<Grant> chartGrants() {
    return ChartRbac.grants(HelmChart.render(""), HelmChart.NAMESPACE, HelmChart.RELEASE);
  }

  /** The calls among {@code calls} that the chart's RBAC does not allow, sorted. */
  static Set<ApiCall> notGrantedByChart(Collection<ApiCall> calls) {
    Set<Grant> granted = chartGrants();
    return calls.stream()
        .filter(c -> !grantedToEveryone(c))
        .filter(c -> granted.stream().noneMatch(g -> g.covers(c)))
        .collect(
            Collectors.toCollection(() -> new TreeSet<>(Comparator.comparing(ApiCall::toString))));
  }

  /**
   * Calls every authenticated client may make without the chart: discovery (system:discovery) and
   * the SDK's SelfSubjectRulesReview before leader election (system:basic-user).
   */
  static boolean grantedToEveryone(ApiCall call) {
    return call.isNonResource()
        || (call.group().equals("authorization.k8s.io")
            && call.resource().equals("selfsubjectrulesreviews")
            && call.verb().equals("create"));
  }
}
