package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.halo.api.v1alpha1.HighAvailabilityGroupStatus;
import dev.halo.api.v1alpha1.MemberStatus;
import dev.halo.common.ElectionKeys;
import dev.halo.install.HelmChart;
import dev.halo.operator.status.Conditions;
import dev.halo.sandbox.AgentEnv;
import dev.halo.sandbox.Http;
import dev.halo.sandbox.InProcessAgent;
import dev.halo.testing.EtcdExtension;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every query of the chart's alerts and Grafana dashboard reads series the operator and the agent
 * really export, with labels they carry: the operator's metrics are scraped from its registry after
 * a reconcile's worth of updates, the agent's from a real agent elected on a real etcd, and each
 * expression's metric names, label matchers and {@code by}/{@code on} labels are checked against
 * them.
 */
class MonitoringQueriesIT {
  @RegisterExtension static final EtcdExtension etcd = EtcdExtension.members(1);

  private static final Pattern METRIC =
      Pattern.compile("\\b(halo_(?:operator|agent|lease)_[a-z_]+|up)\\b");
  private static final Pattern MATCHER =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*\"([^\"]*)\"");
  private static final Pattern GROUPING =
      Pattern.compile("\\b(?:by|without|on|ignoring)\\s*\\(([^)]*)\\)");
  private static final Pattern SELECTOR = Pattern.compile("\\{([^}]*)}");
  // What Prometheus adds to every series of a target: the operator's ServiceMonitor honours the
  // operator's own labels (namespace, group); the agents' PodMonitor adds the pod's namespace and
  // name and the label halo.dev/group as halo_dev_group.
  private static final Set<String> OPERATOR_TARGET_LABELS =
      Set.of("job", "instance", "pod", "container", "service", "endpoint");
  private static final Set<String> AGENT_TARGET_LABELS =
      Set.of("job", "instance", "namespace", "pod", "container", "endpoint", "halo_dev_group");

  @Test
  void everyAlertAndPanelQueryReadsExportedSeriesWithLabelsTheyHave() throws Exception {
    Map<String, Set<String>> exported = new LinkedHashMap<>();
    exported.putAll(withTargetLabels(series(operatorScrape()), OPERATOR_TARGET_LABELS));
    exported.putAll(withTargetLabels(series(agentScrape()), AGENT_TARGET_LABELS));
    exported.put("up", Set.of("job", "instance"));

    List<String> queries = new ArrayList<>();
    List<HasMetadata> chart =
        HelmChart.render(
            "metrics: {serviceMonitor: {enabled: true}, podMonitor: {enabled: true},"
                + " prometheusRule: {enabled: true}, grafanaDashboard: {enabled: true}}\n");
    ObjectMapper json = new ObjectMapper();
    GenericKubernetesResource rule =
        (GenericKubernetesResource)
            chart.stream()
                .filter(o -> o.getKind().equals("PrometheusRule"))
                .findFirst()
                .orElseThrow();
    JsonNode groups = json.valueToTree(rule.getAdditionalProperties()).path("spec").path("groups");
    Set<String> alerts = new TreeSet<>();
    for (JsonNode group : groups) {
      for (JsonNode r : group.path("rules")) {
        alerts.add(r.path("alert").asText());
        queries.add(r.path("expr").asText());
        assertThat(r.path("annotations").path("runbook_url").asText())
            .as("runbook of %s", r.path("alert").asText())
            .endsWith("#" + r.path("alert").asText().toLowerCase());
      }
    }
    ConfigMap dashboard =
        (ConfigMap)
            chart.stream()
                .filter(
                    o ->
                        o.getKind().equals("ConfigMap")
                            && o.getMetadata().getName().endsWith("-dashboard"))
                .findFirst()
                .orElseThrow();
    JsonNode panels = json.readTree(dashboard.getData().get("halo.json")).path("panels");
    for (JsonNode panel : panels) {
      for (JsonNode target : panel.path("targets")) {
        queries.add(target.path("expr").asText());
      }
    }
    assertThat(alerts)
        .contains(
            "HaloGroupNoMaster",
            "HaloGroupMasterFlapping",
            "HaloGroupEtcdUnreachable",
            "HaloAgentKeepAliveFailing",
            "HaloAgentNotCampaigning",
            "HaloGroupInvalid",
            "HaloGroupPausedTooLong",
            "HaloOperatorDown");
    assertThat(panels.size()).isGreaterThanOrEqualTo(10);

    List<String> problems = new ArrayList<>();
    for (String query : queries) {
      problems.addAll(check(query, exported));
    }
    assertThat(problems).as("queries against %s", exported.keySet()).isEmpty();

    // The docs have a runbook section for every alert.
    String runbooks =
        java.nio.file.Files.readString(java.nio.file.Path.of("docs/observability.md"));
    for (String alert : alerts) {
      assertThat(runbooks).as("runbook of %s", alert).contains("### " + alert);
    }
  }

  /** What is wrong with {@code query}: unknown metrics, labels none of its metrics carry. */
  static List<String> check(String query, Map<String, Set<String>> exported) {
    List<String> problems = new ArrayList<>();
    Set<String> metrics = new LinkedHashSet<>();
    Matcher m = METRIC.matcher(query.replaceAll("\"[^\"]*\"", "\"\""));
    while (m.find()) {
      metrics.add(m.group(1));
    }
    if (metrics.isEmpty()) {
      problems.add(query + ": reads no metric");
    }
    Set<String> labels = new LinkedHashSet<>();
    for (String metric : metrics) {
      if (!exported.containsKey(metric)) {
        problems.add(query + ": " + metric + " is not exported");
      } else {
        labels.addAll(exported.get(metric));
      }
    }
    Matcher selector = SELECTOR.matcher(query);
    while (selector.find()) {
      Matcher matcher = MATCHER.matcher(selector.group(1));
      while (matcher.find()) {
        if (!labels.contains(matcher.group(1))) {
          problems.add(query + ": no series of it has the label " + matcher.group(1));
        }
        if (matcher.group(1).equals("type")
            && !OperatorMetrics.CONDITION_TYPES.contains(matcher.group(3))) {
          problems.add(query + ": condition type " + matcher.group(3) + " is not reported");
        }
      }
    }
    Matcher grouping = GROUPING.matcher(query);
    while (grouping.find()) {
      for (String label : grouping.group(1).split(",")) {
        String l = label.strip();
        if (!l.isEmpty() && !l.equals("le") && !labels.contains(l)) {
          problems.add(query + ": no series of it has the label " + l);
        }
      }
    }
    return problems;
  }

  @Test
  void theCheckFindsAnUnknownMetricAWrongLabelAndAnUnknownConditionType() {
    Map<String, Set<String>> exported =
        Map.of("halo_operator_group_condition", Set.of("namespace", "group", "type"));
    assertThat(check("halo_operator_group_condition{type=\"MasterElected\"} == 0", exported))
        .isEmpty();
    assertThat(check("halo_operator_nothing > 0", exported))
        .singleElement()
        .asString()
        .contains("not exported");
    assertThat(check("sum by (pod) (halo_operator_group_condition)", exported))
        .singleElement()
        .asString()
        .contains("the label pod");
    assertThat(check("halo_operator_group_condition{type=\"Sleepy\"} == 1", exported))
        .singleElement()
        .asString()
        .contains("condition type Sleepy");
  }

  /** The operator's registry after a reconcile of a group, a failover and a paused group. */
  private static String operatorScrape() {
    OperatorMetrics metrics = new OperatorMetrics();
    HighAvailabilityGroupStatus status = new HighAvailabilityGroupStatus();
    status.setPhase("Running");
    for (String type : OperatorMetrics.CONDITION_TYPES) {
      Condition c = new Condition();
      c.setType(type);
      c.setStatus(type.equals(Conditions.PAUSED) ? "False" : "True");
      status.getConditions().add(c);
    }
    MemberStatus member = new MemberStatus();
    member.setPod("web-0");
    member.setReady(true);
    member.setCampaigning(true);
    status.getMembers().add(member);
    metrics.phase("shop/web", "Running");
    metrics.group("shop/web", status);
    metrics.paused("shop/web", false);
    metrics.failover("shop/web", "crash", 120L);
    metrics.reconciled(Duration.ofMillis(7));
    metrics.reconcileFailed();
    metrics.unreadable("shop/web", false);
    metrics.etcdOutdated("shop/web", false);
    metrics.leaseRemoved("immediate");
    metrics.goneMemberCampaign("shop/web");
    metrics.watchFreshness(() -> Duration.ZERO);
    return metrics.scrape();
  }

  /** A real agent's /metrics once it was elected (its transitions then exist). */
  private static String agentScrape() {
    InProcessAgent agent =
        InProcessAgent.start(
            AgentEnv.of(
                    etcd.cluster().endpoints(), ElectionKeys.electionName("mon", "web"), "web-0")
                .ttl(2));
    try {
      await().atMost(Duration.ofSeconds(20)).until(() -> agent.role().equals("master"));
      return Http.get("http://127.0.0.1:" + agent.port() + "/metrics", Duration.ofSeconds(5))
          .orElseThrow();
    } finally {
      agent.close();
    }
  }

  /**
   * Each series name of a text exposition, with its label names ({@code _bucket} etc. as they are).
   */
  static Map<String, Set<String>> series(String exposition) {
    Map<String, Set<String>> series = new LinkedHashMap<>();
    for (String line : exposition.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.indexOf(' ');
      String name = line.substring(0, brace > 0 && brace < space ? brace : space);
      Set<String> labels = series.computeIfAbsent(name, n -> new LinkedHashSet<>());
      if (brace > 0 && brace < space) {
        Matcher m = MATCHER.matcher(line.substring(brace, line.lastIndexOf('}') + 1));
        while (m.find()) {
          labels.add(m.group(1));
        }
      }
    }
    return series;
  }

  private static Map<String, Set<String>> withTargetLabels(
      Map<String, Set<String>> series, Set<String> target) {
    Map<String, Set<String>> out = new LinkedHashMap<>();
    series.forEach(
        (name, labels) -> {
          Set<String> all = new LinkedHashSet<>(labels);
          all.addAll(target);
          out.put(name, all);
        });
    return out;
  }
}
