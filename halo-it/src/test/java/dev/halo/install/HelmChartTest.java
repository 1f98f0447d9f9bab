package dev.halo.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.LintResult;
import dev.halo.api.v1alpha1.CelRules;
import dev.halo.api.v1alpha1.Crd;
import dev.halo.operator.OperatorMain;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The chart rendered by Helm: what a default install creates and how values change it. */
class HelmChartTest {
  /** Every variable the operator reads (OperatorConfig, plus HALO_LOG_LEVEL in logback.xml). */
  private static final Set<String> OPERATOR_VARIABLES =
      Set.of(
          "POD_NAME",
          "POD_NAMESPACE",
          "HALO_WATCH_NAMESPACES",
          "HALO_AGENT_IMAGE",
          "HALO_AGENT_JVM_OPTIONS",
          "HALO_ETCD_ENDPOINTS",
          "HALO_ETCD_CACERT",
          "HALO_ETCD_CERT",
          "HALO_ETCD_KEY",
          "HALO_ETCD_SERVER_NAME",
          "HALO_ETCD_USER",
          "HALO_ETCD_PASSWORD_FILE",
          "HALO_GROUP_ETCD_TLS_SECRET",
          "HALO_GROUP_ETCD_CA_SECRET",
          "HALO_GROUP_ETCD_SERVER_NAME",
          "HALO_GROUP_ETCD_CREDENTIALS_SECRET",
          "HALO_LEADER_ELECTION",
          "HALO_LEADER_ELECTION_NAMESPACE",
          "HALO_OPERATOR_ADDRESS",
          "HALO_OPERATOR_PORT",
          "HALO_LOG_LEVEL");

  @Test
  void lintsCleanWithStrictChecks() {
    LintResult lint = HelmChart.lint();
    assertThat(lint.isFailed()).as("helm lint --strict: %s", lint.getMessages()).isFalse();
  }

  @Test
  void lintsCleanWithOtherValues() {
    LintResult lint =
        HelmChart.lint(
            """
            replicaCount: 1
            leaderElection: {enabled: false}
            watchNamespaces: [shop, billing]
            etcd: {endpoints: ["http://etcd-0.etcd:2379"]}
            agent: {image: registry.example/halo:1, jvmOptions: ["-Xmx48m"]}
            metrics: {serviceMonitor: {enabled: true}}
            serviceAccount: {create: false, name: ops}
            """);
    assertThat(lint.isFailed()).as("helm lint --strict: %s", lint.getMessages()).isFalse();
  }

  @Test
  void lintReportsValuesTheSchemaRejects() {
    assertThat(HelmChart.lint("logLevel: TRACE\n").isFailed()).isTrue();
  }

  @Test
  void notesTellTheNextCommands() throws IOException {
    assertThat(Files.readString(HelmChart.DIR.resolve("templates").resolve("NOTES.txt")))
        .contains(
            "rollout status deployment/",
            "kubectl apply -f deploy/examples/minimal.yaml",
            "kubectl get pods -L halo.dev/role");
  }

  @Test
  void chartCarriesTheCommittedCrd() throws IOException {
    assertThat(Files.readString(HelmChart.CRD))
        .as(HelmChart.CRD + " differs from " + Crd.COMMITTED + ": run `make manifests`")
        .isEqualTo(Files.readString(Crd.COMMITTED));
  }

  @Test
  void defaultInstallIsTheOperatorItsAccountRbacAndMetricsService() {
    List<HasMetadata> objects = HelmChart.render("");
    assertThat(objects)
        .extracting(o -> o.getKind() + "/" + o.getMetadata().getName())
        .containsExactlyInAnyOrder(
            "ServiceAccount/halo",
            "ClusterRole/halo",
            "ClusterRoleBinding/halo",
            "Role/halo-leader-election",
            "RoleBinding/halo-leader-election",
            "Service/halo-metrics",
            "Deployment/halo");
    assertThat(objects)
        .filteredOn(o -> !(o instanceof ClusterRole) && !(o instanceof ClusterRoleBinding))
        .allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).isEqualTo("halo-system"));
  }

  @Test
  void operatorRunsTwoLeaderElectedReplicasWithProbesAndResources() {
    Deployment deployment = deployment("");
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
    Container operator = operatorContainer(deployment);
    assertThat(env(operator))
        .containsEntry("HALO_LEADER_ELECTION", "true")
        .containsEntry("HALO_WATCH_NAMESPACES", "")
        .containsEntry("HALO_AGENT_IMAGE", "halo-agent:0.1.0")
        .containsEntry("HALO_LOG_LEVEL", "INFO")
        .containsEntry("HALO_OPERATOR_PORT", "8080")
        .doesNotContainKeys("HALO_ETCD_ENDPOINTS", "HALO_AGENT_JVM_OPTIONS");
    assertThat(operator.getEnv())
        .filteredOn(e -> e.getName().equals("POD_NAMESPACE"))
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.getValueFrom().getFieldRef().getFieldPath())
                    .isEqualTo("metadata.namespace"));
    assertThat(operator.getImage()).isEqualTo("halo:0.1.0");
    assertThat(operator.getCommand()).containsExactly("java");
    assertThat(operator.getArgs()).endsWith("-jar", OperatorMain.JAR, "operator");
    assertThat(List.of(operator.getLivenessProbe(), operator.getReadinessProbe()))
        .allSatisfy(p -> assertThat(p.getHttpGet().getPath()).isEqualTo("/healthz"));
    assertThat(operator.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(operator.getResources().getLimits()).containsKey("memory");
  }

  @Test
  void operatorPodIsNonRootWithAReadOnlyRootAndNoCapabilities() {
    Deployment deployment = deployment("");
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(65532L);
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    Container operator = operatorContainer(deployment);
    assertThat(operator.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(operator.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(operator.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(operator.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
  }

  @Test
  void everyVariableTheChartSetsIsOneTheOperatorReads() {
    String values =
        """
        etcd: {endpoints: ["http://etcd-0.etcd:2379"]}
        agent: {jvmOptions: ["-Xmx32m"]}
        """;
    assertThat(env(operatorContainer(deployment(values))).keySet()).isSubsetOf(OPERATOR_VARIABLES);
    assertThat(operatorContainer(deployment(SECURED_ETCD)).getEnv().stream().map(EnvVar::getName))
        .isSubsetOf(OPERATOR_VARIABLES);
  }

  private static final String SECURED_ETCD =
      """
      etcd:
        endpoints: ["https://etcd-0.etcd:2379"]
        tls: {existingSecret: halo-etcd-client, caSecret: etcd-ca, serverName: etcd.internal}
        auth: {existingSecret: halo-etcd-user}
      groups:
        etcd:
          tls: {secretName: agents-client, caSecretName: agents-ca, serverName: etcd.internal}
          credentialsSecretName: agents-user
      """;

  @Test
  void etcdSecretsAreMountedReadOnlyIntoTheOperatorWithTheVariablesPointingAtThem() {
    LintResult lint = HelmChart.lint(SECURED_ETCD);
    assertThat(lint.isFailed()).as("helm lint --strict: %s", lint.getMessages()).isFalse();
    Deployment deployment = deployment(SECURED_ETCD);
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    Container operator = operatorContainer(deployment);

    assertThat(pod.getVolumes())
        .filteredOn(v -> v.getSecret() != null)
        .extracting(
            v -> v.getName(),
            v -> v.getSecret().getSecretName(),
            v -> v.getSecret().getItems().stream().map(KeyToPath::getKey).toList(),
            v -> v.getSecret().getDefaultMode())
        .containsExactly(
            tuple("etcd-tls", "halo-etcd-client", List.of("tls.crt", "tls.key"), 0440),
            tuple("etcd-ca", "etcd-ca", List.of("ca.crt"), 0440),
            tuple("etcd-credentials", "halo-etcd-user", List.of("password"), 0440));
    assertThat(pod.getSecurityContext().getFsGroup()).as("reads 0440 files").isNotNull();
    assertThat(operator.getVolumeMounts())
        .filteredOn(m -> m.getName().startsWith("etcd-"))
        .extracting(VolumeMount::getMountPath, VolumeMount::getReadOnly, VolumeMount::getSubPath)
        .containsExactly(
            tuple("/etc/halo/etcd/tls", true, null),
            tuple("/etc/halo/etcd/ca", true, null),
            tuple("/etc/halo/etcd/credentials", true, null));
    assertThat(env(operator))
        .containsEntry("HALO_ETCD_CACERT", "/etc/halo/etcd/ca/ca.crt")
        .containsEntry("HALO_ETCD_CERT", "/etc/halo/etcd/tls/tls.crt")
        .containsEntry("HALO_ETCD_KEY", "/etc/halo/etcd/tls/tls.key")
        .containsEntry("HALO_ETCD_SERVER_NAME", "etcd.internal")
        .containsEntry("HALO_ETCD_PASSWORD_FILE", "/etc/halo/etcd/credentials/password")
        .containsEntry("HALO_GROUP_ETCD_TLS_SECRET", "agents-client")
        .containsEntry("HALO_GROUP_ETCD_CA_SECRET", "agents-ca")
        .containsEntry("HALO_GROUP_ETCD_SERVER_NAME", "etcd.internal")
        .containsEntry("HALO_GROUP_ETCD_CREDENTIALS_SECRET", "agents-user");
    assertThat(operator.getEnv())
        .filteredOn(e -> e.getName().equals("HALO_ETCD_USER"))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("halo-etcd-user");
              assertThat(e.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("username");
            });
  }

  @Test
  void theOperatorGetsNoPermissionOnSecretsForEtcdSecrets() {
    // The kubelet mounts them; the operator never reads a Secret.
    assertThat(ChartRbac.grants(HelmChart.render(SECURED_ETCD), HelmChart.NAMESPACE, "halo"))
        .isNotEmpty()
        .noneMatch(g -> g.resource().equals("secrets") || g.resource().equals("*"));
  }

  @Test
  void theTlsSecretGivesTheCaWhenNoCaSecretIsSet() {
    Deployment deployment =
        deployment(
            """
            etcd:
              endpoints: ["https://etcd-0.etcd:2379"]
              tls: {existingSecret: halo-etcd-client}
            """);

    assertThat(deployment.getSpec().getTemplate().getSpec().getVolumes())
        .filteredOn(v -> v.getSecret() != null)
        .singleElement()
        .satisfies(
            v ->
                assertThat(v.getSecret().getItems())
                    .extracting(KeyToPath::getKey)
                    .containsExactly("tls.crt", "tls.key", "ca.crt"));
    assertThat(env(operatorContainer(deployment)))
        .containsEntry("HALO_ETCD_CACERT", "/etc/halo/etcd/tls/ca.crt")
        .doesNotContainKeys("HALO_ETCD_USER", "HALO_ETCD_PASSWORD_FILE", "HALO_ETCD_SERVER_NAME");
  }

  @Test
  void aDefaultInstallMountsNoSecret() {
    Deployment deployment = deployment("");
    assertThat(deployment.getSpec().getTemplate().getSpec().getVolumes())
        .allSatisfy(v -> assertThat(v.getSecret()).isNull());
    assertThat(env(operatorContainer(deployment)).keySet())
        .noneMatch(k -> k.startsWith("HALO_ETCD_") && !k.equals("HALO_ETCD_ENDPOINTS"))
        .noneMatch(k -> k.startsWith("HALO_GROUP_ETCD_"));
  }

  @Test
  void inconsistentEtcdSecretValuesFailWithTheFix() {
    assertThatThrownBy(() -> HelmChart.template("etcd: {tls: {serverName: etcd.internal}}\n"))
        .hasMessageContaining("etcd.tls.serverName needs etcd.tls.existingSecret or");
    assertThatThrownBy(
            () -> HelmChart.template("groups: {etcd: {credentialsSecretName: agents}}\n"))
        .hasMessageContaining("groups.etcd applies only to groups that use the default");
    assertThatThrownBy(() -> HelmChart.template("etcd: {tls: {existingSecret: Etcd_Client}}\n"))
        .hasMessageContaining("existingSecret");
    assertThatThrownBy(
            () -> HelmChart.template("groups: {etcd: {tls: {secretName: \"-agents\"}}}\n"))
        .hasMessageContaining("secretName");
  }

  @Test
  void etcdEndpointSchemesThatDoNotFitTheTlsValuesFailAtInstall() {
    assertThatThrownBy(
            () ->
                HelmChart.template(
                    "etcd: {endpoints: [\"https://etcd-0:2379\", \"http://etcd-1:2379\"],"
                        + " tls: {caSecret: etcd-ca}}\n"))
        .hasMessageContaining("etcd.endpoints mixes http:// and https://");
    assertThatThrownBy(() -> HelmChart.template("etcd: {endpoints: [\"https://etcd-0:2379\"]}\n"))
        .hasMessageContaining("neither etcd.tls.existingSecret nor etcd.tls.caSecret");
    assertThatThrownBy(
            () ->
                HelmChart.template(
                    "etcd: {endpoints: [\"http://etcd-0:2379\"], tls: {caSecret: etcd-ca}}\n"))
        .hasMessageContaining("etcd.tls is set but etcd.endpoints are http://");
    assertThat(
            HelmChart.template(
                "etcd: {endpoints: [\"https://etcd-0:2379\"], tls: {caSecret: etcd-ca}}\n"))
        .contains("https://etcd-0:2379");
  }

  @Test
  void valuesReachTheOperatorsEnvironment() {
    String values =
        """
        image: {repository: registry.example/halo, tag: "1.2.3"}
        etcd:
          endpoints: ["http://etcd-0.etcd:2379", "http://etcd-1.etcd:2379"]
        agent:
          jvmOptions: ["-XX:+UseSerialGC", "-Xmx48m"]
        logLevel: DEBUG
        metrics: {port: 9090}
        """;
    Container operator = operatorContainer(deployment(values));
    assertThat(operator.getImage()).isEqualTo("registry.example/halo:1.2.3");
    assertThat(env(operator))
        .containsEntry("HALO_AGENT_IMAGE", "registry.example/halo-agent:1.2.3")
        .containsEntry("HALO_ETCD_ENDPOINTS", "http://etcd-0.etcd:2379,http://etcd-1.etcd:2379")
        .containsEntry("HALO_AGENT_JVM_OPTIONS", "-XX:+UseSerialGC -Xmx48m")
        .containsEntry("HALO_LOG_LEVEL", "DEBUG")
        .containsEntry("HALO_OPERATOR_PORT", "9090");
    assertThat(operator.getPorts().get(0).getContainerPort()).isEqualTo(9090);
  }

  @Test
  void agentImageIsDerivedFromTheOperatorsUnlessGiven() {
    String repository = "image: {repository: registry.example/halo, tag: \"1.2.3\"}\n";
    assertThat(env(operatorContainer(deployment(repository))))
        .containsEntry("HALO_AGENT_IMAGE", "registry.example/halo-agent:1.2.3");
    assertThat(
            env(
                operatorContainer(
                    deployment(repository + "agent: {image: mirror.example/agent:9}\n"))))
        .containsEntry("HALO_AGENT_IMAGE", "mirror.example/agent:9");
  }

  @Test
  void watchedNamespacesGetARoleEachAndNothingClusterWide() {
    List<HasMetadata> objects = HelmChart.render("watchNamespaces: [shop, billing]\n");
    assertThat(objects).noneMatch(o -> o instanceof ClusterRole || o instanceof ClusterRoleBinding);
    assertThat(objects)
        .filteredOn(o -> o instanceof Role && o.getMetadata().getName().equals("halo"))
        .extracting(o -> o.getMetadata().getNamespace())
        .containsExactlyInAnyOrder("shop", "billing");
    assertThat(objects)
        .filteredOn(o -> o instanceof RoleBinding && o.getMetadata().getName().equals("halo"))
        .allSatisfy(
            b ->
                assertThat(((RoleBinding) b).getSubjects())
                    .singleElement()
                    .satisfies(s -> assertThat(s.getNamespace()).isEqualTo("halo-system")));
    assertThat(env(operatorContainer(deployment("watchNamespaces: [shop, billing]\n"))))
        .containsEntry("HALO_WATCH_NAMESPACES", "shop,billing");
  }

  @Test
  void watchedNamespacesGetTheSameRulesAsTheClusterRole() {
    ClusterRole clusterRole =
        HelmChart.render("").stream()
            .filter(ClusterRole.class::isInstance)
            .map(ClusterRole.class::cast)
            .findFirst()
            .orElseThrow();
    assertThat(HelmChart.render("watchNamespaces: [shop]\n"))
        .filteredOn(o -> o instanceof Role && o.getMetadata().getName().equals("halo"))
        .singleElement()
        .satisfies(r -> assertThat(((Role) r).getRules()).isEqualTo(clusterRole.getRules()));
  }

  @Test
  void onlyTheOperatorsServiceAccountIsBound() {
    for (String values : List.of("", "watchNamespaces: [shop, billing]\n")) {
      List<HasMetadata> objects = HelmChart.render(values);
      assertThat(objects)
          .filteredOn(o -> o instanceof RoleBinding || o instanceof ClusterRoleBinding)
          .isNotEmpty()
          .allSatisfy(
              b ->
                  assertThat(
                          b instanceof RoleBinding r
                              ? r.getSubjects()
                              : ((ClusterRoleBinding) b).getSubjects())
                      .singleElement()
                      .satisfies(
                          s -> {
                            assertThat(s.getKind()).isEqualTo("ServiceAccount");
                            assertThat(s.getName()).isEqualTo("halo");
                            assertThat(s.getNamespace()).isEqualTo("halo-system");
                          }));
    }
  }

  @Test
  void serviceMonitorIsOptional() {
    assertThat(HelmChart.render("")).noneMatch(o -> o.getKind().equals("ServiceMonitor"));
    List<HasMetadata> objects =
        HelmChart.render("metrics: {serviceMonitor: {enabled: true, labels: {release: prom}}}\n");
    assertThat(objects)
        .filteredOn(o -> o.getKind().equals("ServiceMonitor"))
        .singleElement()
        .isInstanceOf(GenericKubernetesResource.class)
        .satisfies(
            m -> {
              assertThat(m.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
              assertThat(m.getMetadata().getLabels()).containsEntry("release", "prom");
            });
  }

  @Test
  void oneReplicaWithoutLeaderElectionIsAllowed() {
    Deployment deployment = deployment("replicaCount: 1\nleaderElection: {enabled: false}\n");
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(1);
    assertThat(env(operatorContainer(deployment))).containsEntry("HALO_LEADER_ELECTION", "false");
    assertThat(HelmChart.render("replicaCount: 1\nleaderElection: {enabled: false}\n"))
        .noneMatch(o -> o.getMetadata().getName().endsWith("-leader-election"));
  }

  @Test
  void twoReplicasWithoutLeaderElectionFailWithTheReason() {
    assertThatThrownBy(() -> HelmChart.template("leaderElection: {enabled: false}\n"))
        .hasMessageContaining("replicaCount > 1 needs leaderElection.enabled=true");
  }

  @Test
  void schemaRejectsUnknownTopLevelKeys() {
    assertThatThrownBy(() -> HelmChart.template("replicas: 3\n"))
        .hasMessageContaining("values don't meet the specifications of the schema")
        .hasMessageContaining("replicas");
  }

  @Test
  void schemaRejectsWrongTypesAndValues() {
    assertThatThrownBy(() -> HelmChart.template("replicaCount: two\n"))
        .hasMessageContaining("replicaCount");
    assertThatThrownBy(() -> HelmChart.template("logLevel: TRACE\n"))
        .hasMessageContaining("logLevel");
    assertThatThrownBy(() -> HelmChart.template("watchNamespaces: shop\n"))
        .hasMessageContaining("watchNamespaces");
    assertThatThrownBy(() -> HelmChart.template("etcd: {endpoints: [\"etcd-0:2379\"]}\n"))
        .hasMessageContaining("endpoints");
    assertThatThrownBy(() -> HelmChart.template("image: {repo: x}\n")).hasMessageContaining("repo");
  }

  @Test
  void schemaChecksEtcdEndpointsLikeTheCrd() throws IOException {
    JsonNode schema =
        Serialization.jsonMapper().readTree(HelmChart.DIR.resolve("values.schema.json").toFile());
    assertThat(schema.at("/definitions/etcdUrl/pattern").asText()).isEqualTo(CelRules.ETCD_URL);
    // Like the CRD's, but empty for "none".
    assertThat(schema.at("/definitions/secretName/pattern").asText())
        .isEqualTo(
            "^("
                + CelRules.DNS_SUBDOMAIN.substring(1, CelRules.DNS_SUBDOMAIN.length() - 1)
                + ")?$");
    assertThat(schema.at("/definitions/serverName/pattern").asText())
        .isEqualTo(
            "^(" + CelRules.SERVER_NAME.substring(1, CelRules.SERVER_NAME.length() - 1) + ")?$");
  }

  private static Deployment deployment(String values) {
    return HelmChart.render(values).stream()
        .filter(Deployment.class::isInstance)
        .map(Deployment.class::cast)
        .findFirst()
        .orElseThrow();
  }

  private static Container operatorContainer(Deployment deployment) {
    return deployment.getSpec().getTemplate().getSpec().getContainers().stream()
        .filter(c -> c.getName().equals("operator"))
        .findFirst()
        .orElseThrow();
  }

  private static Map<String, String> env(Container container) {
    return container.getEnv().stream()
        .filter(e -> e.getValue() != null)
        .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
  }
}
