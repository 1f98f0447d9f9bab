package dev.halo.operator.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.api.v1alpha1.CelRules;
import dev.halo.api.v1alpha1.Crd;
import dev.halo.api.v1alpha1.EtcdTlsSpec;
import dev.halo.api.v1alpha1.HealthSpec;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.HttpGetCheck;
import dev.halo.api.v1alpha1.TcpSocketCheck;
import dev.halo.common.Names;
import dev.halo.operator.model.OperatorDefaults;
import dev.halo.operator.model.TestGroups;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The rules a real API server enforces from the CRD (CEL rules, patterns, bounds), and that the
 * operator's validator rejects everything they reject: the mock API server of the tests enforces no
 * schema, and a cluster without CEL would not either.
 */
class CrdValidationTest {
  private static final JSONSchemaProps ROOT =
      Crd.load().getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema();

  /** Every CEL rule of the CRD, by the schema path it sits on. */
  private static final Map<String, List<String>> RULES =
      Map.of(
          "",
          List.of(
              CelRules.NAME_IS_DNS_LABEL,
              CelRules.POD_NAMES_FIT,
              CelRules.MASTER_SERVICE_NAME,
              CelRules.STANDBY_SERVICE_NAME),
          ".spec",
          List.of(
              CelRules.SERVICE_PORTS,
              CelRules.NEVER_MASTER_ORDINALS,
              CelRules.NEVER_MASTER_ZONES,
              CelRules.PREFERRED_ZONES),
          ".spec.template",
          List.of(
              CelRules.TEMPLATE_SPEC,
              CelRules.CONTAINERS_NOT_EMPTY,
              CelRules.CONTAINER_NAMES,
              CelRules.AGENT_NAME_RESERVED,
              CelRules.CONTAINER_IMAGES,
              CelRules.ROLE_VOLUME_RESERVED),
          ".spec.zones",
          List.of(CelRules.UNIQUE_ZONES),
          ".spec.health",
          List.of(CelRules.ONE_HEALTH_CHECK),
          ".spec.election",
          List.of(CelRules.ONE_SCHEME, CelRules.TLS_NEEDS_HTTPS, CelRules.HTTPS_NEEDS_TLS),
          ".spec.election.tls",
          List.of(CelRules.TLS_NAMES_A_SECRET));

  /** The reasons an x-kubernetes-validations rule may give. */
  private static final List<String> REASONS =
      List.of(
          "FieldValueInvalid", "FieldValueForbidden", "FieldValueRequired", "FieldValueDuplicate");

  @Test
  void crdCarriesExactlyTheListedCelRules() {
    Map<String, List<String>> found = new TreeMap<>();
    collect("", ROOT, found);
    assertThat(found).isEqualTo(new TreeMap<>(RULES));
  }

  @Test
  void everyCelRuleMessageNamesTheRule() {
    List<ValidationRule> rules = new ArrayList<>();
    walk(ROOT, rules);
    assertThat(rules)
        .isNotEmpty()
        .allSatisfy(r -> assertThat(r.getMessage()).matches("^[a-z]+(-[a-z]+)*: .+"));
  }

  @Test
  void everyCelRuleNamesAFieldOfTheSchemaAndAReason() {
    List<String> problems = new ArrayList<>();
    checkFieldPaths("", ROOT, problems);
    assertThat(problems).isEmpty();
  }

  @Test
  void schemaBoundsWhatTheCelRulesRead() {
    JSONSchemaProps zones = ROOT.getProperties().get("spec").getProperties().get("zones");
    assertThat(zones.getMaxItems()).isEqualTo((long) CelRules.MAX_ZONES);
    assertThat(zones.getItems().getSchema().getMaxLength()).isEqualTo(63L);
    assertThat(zones.getItems().getSchema().getPattern()).isEqualTo(CelRules.LABEL_VALUE);
  }

  @Test
  void schemaCarriesThePatterns() {
    JSONSchemaProps spec = ROOT.getProperties().get("spec");
    assertThat(
            spec.getProperties()
                .get("election")
                .getProperties()
                .get("endpoints")
                .getItems()
                .getSchema()
                .getPattern())
        .isEqualTo(CelRules.ETCD_URL);
    assertThat(spec.getProperties().get("service").getProperties().get("name").getPattern())
        .isEqualTo(CelRules.OPTIONAL_DNS_1035);
    assertThat(
            spec.getProperties()
                .get("health")
                .getProperties()
                .get("httpGet")
                .getProperties()
                .get("path")
                .getPattern())
        .isEqualTo(CelRules.ABSOLUTE_PATH);
  }

  static Stream<Arguments> breaksOneRule() {
    return Stream.of(
        rule("name-is-dns-label", h -> h.getMetadata().setName("web.shop")),
        rule("pod-names-fit", h -> h.getMetadata().setName("w".repeat(62))),
        rule("master-service-name", h -> h.getMetadata().setName("1web")),
        rule(
            "standby-service-name",
            h -> {
              h.getMetadata().setName("w".repeat(56));
              h.getSpec().getService().setStandby(true);
            }),
        rule("unique-zones", h -> h.getSpec().setZones(List.of("a", "b", "a"))),
        rule("preferred-zones", h -> h.getSpec().getElection().setPreferred(List.of("b", "x"))),
        rule(
            "preferred-zones (no zones)",
            h -> {
              h.getSpec().setZones(List.of());
              h.getSpec().getElection().setPreferred(List.of("a"));
            }),
        rule(
            "failbackAfterSeconds minimum",
            h -> h.getSpec().getElection().setFailbackAfterSeconds(-1)),
        rule("one-health-check", h -> h.getSpec().setHealth(health(true, true))),
        rule("one-health-check (neither)", h -> h.getSpec().setHealth(health(false, false))),
        rule(
            "zones maxItems",
            h ->
                h.getSpec()
                    .setZones(
                        IntStream.rangeClosed(0, CelRules.MAX_ZONES)
                            .mapToObj(i -> "z" + i)
                            .toList())),
        rule("zones pattern", h -> h.getSpec().setZones(List.of("a", "eu west"))),
        rule("zones maxLength", h -> h.getSpec().setZones(List.of("z".repeat(64)))),
        rule(
            "endpoints pattern",
            h -> h.getSpec().getElection().setEndpoints(List.of("etcd-0.etcd:2379"))),
        rule("service name pattern", h -> h.getSpec().getService().setName("Web")),
        rule("httpGet path pattern", h -> h.getSpec().setHealth(health(true, false, "healthz"))),
        rule("template-spec", h -> h.getSpec().getTemplate().setSpec(null)),
        rule("containers-not-empty", h -> podSpec(h).setContainers(List.of())),
        rule("container-names", h -> podSpec(h).getContainers().get(0).setName("")),
        rule(
            "agent-name-reserved",
            h -> podSpec(h).getContainers().get(0).setName(Names.AGENT_CONTAINER)),
        rule("container-images", h -> podSpec(h).getContainers().get(0).setImage(null)),
        rule(
            "role-volume-reserved",
            h ->
                podSpec(h)
                    .setVolumes(
                        List.of(
                            new VolumeBuilder()
                                .withName(Names.ROLE_VOLUME)
                                .withNewEmptyDir()
                                .endEmptyDir()
                                .build()))),
        rule("service-ports", h -> podSpec(h).getContainers().get(0).setPorts(List.of())),
        rule(
            "endpoints maxItems",
            h ->
                h.getSpec()
                    .getElection()
                    .setEndpoints(
                        IntStream.rangeClosed(0, CelRules.MAX_ENDPOINTS)
                            .mapToObj(i -> "http://etcd-" + i + ":2379")
                            .toList())),
        rule(
            "endpoints maxLength",
            h ->
                h.getSpec()
                    .getElection()
                    .setEndpoints(List.of("http://" + "e".repeat(CelRules.MAX_URL_LENGTH) + ":1"))),
        rule(
            "one-scheme",
            h -> {
              h.getSpec()
                  .getElection()
                  .setEndpoints(List.of("https://etcd-0:2379", "http://etcd-1:2379"));
              h.getSpec().getElection().setTls(tls("etcd-client", null));
            }),
        rule("tls-needs-https", h -> h.getSpec().getElection().setTls(tls(null, "etcd-ca"))),
        rule(
            "https-needs-tls",
            h -> h.getSpec().getElection().setEndpoints(List.of("https://etcd-0:2379"))),
        rule(
            "tls-names-a-secret",
            h -> {
              h.getSpec().getElection().setEndpoints(List.of("https://etcd-0:2379"));
              h.getSpec().getElection().setTls(tls(null, null));
            }),
        rule(
            "tls secretName pattern",
            h -> {
              h.getSpec().getElection().setEndpoints(List.of("https://etcd-0:2379"));
              h.getSpec().getElection().setTls(tls("Etcd_Client", null));
            }),
        rule(
            "credentialsSecretName pattern",
            h -> h.getSpec().getElection().setCredentialsSecretName("-user")),
        rule("never-master-ordinals", h -> neverMaster(h, List.of(3), List.of())),
        rule("never-master-zones", h -> neverMaster(h, List.of(), List.of("d"))));
  }

  private static void neverMaster(
      HighAvailabilityGroup hag, List<Integer> ordinals, List<String> zones) {
    dev.halo.api.v1alpha1.NeverMasterSpec never = new dev.halo.api.v1alpha1.NeverMasterSpec();
    never.setOrdinals(ordinals);
    never.setZones(zones);
    hag.getSpec().getElection().setNeverMaster(never);
  }

  private static PodSpec podSpec(HighAvailabilityGroup hag) {
    return hag.getSpec().getTemplate().getSpec();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("breaksOneRule")
  void validatorRejectsWhatTheCrdRejects(String rule, Consumer<HighAvailabilityGroup> change) {
    HighAvailabilityGroup hag = TestGroups.valid("shop", "web");
    assertThat(HighAvailabilityGroupValidator.validate(hag, OperatorDefaults.of("halo:test")))
        .isEmpty();
    change.accept(hag);
    assertThat(HighAvailabilityGroupValidator.validate(hag, OperatorDefaults.of("halo:test")))
        .as(rule)
        .isNotEmpty();
  }

  /** The CEL rules themselves, evaluated by CEL: a group that breaks one fails exactly it. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("breaksOneRule")
  void celRuleRejectsWhatItNames(String rule, Consumer<HighAvailabilityGroup> change) {
    String name = rule.split(" ")[0];
    HighAvailabilityGroup hag = TestGroups.valid("shop", "web");
    assertThat(CelEvaluation.failedRules(ROOT, hag)).isEmpty();
    change.accept(hag);
    boolean isCelRule = CelEvaluation.ruleNames(ROOT).contains(name);
    assertThat(CelEvaluation.failedRules(ROOT, hag))
        .as(rule)
        .isEqualTo(isCelRule ? List.of(name) : List.of());
  }

  @Test
  void examplesPassEveryCelRule() throws Exception {
    for (String example : List.of("minimal.yaml", "three-zones.yaml")) {
      HighAvailabilityGroup hag =
          Serialization.unmarshal(
              Files.readString(Path.of("deploy", "examples", example)),
              HighAvailabilityGroup.class);
      assertThat(CelEvaluation.failedRules(ROOT, hag)).as(example).isEmpty();
    }
  }

  /** Samples on both sides of each pattern: the pattern and the validator agree on every one. */
  @Test
  void patternsAgreeWithTheValidator() {
    Map<String, Boolean> zones =
        Map.of(
            "eu-west-1a", true, "A_1.b", true, "-a", false, "a-", false, "", false, "a b", false);
    zones.forEach(
        (zone, valid) -> {
          HighAvailabilityGroup hag = TestGroups.valid("shop", "web");
          hag.getSpec().setZones(List.of(zone));
          assertAgree(CelRules.LABEL_VALUE, zone, valid, hag);
        });
    Map<String, Boolean> endpoints =
        Map.of(
            "http://etcd-0.etcd:2379", true,
            "https://10.0.0.1:2379/", true,
            "http://etcd:2379/v3", true,
            "etcd:2379", false,
            "http://etcd", false,
            "ftp://etcd:2379", false,
            "http://etcd:port", false);
    endpoints.forEach(
        (endpoint, valid) -> {
          HighAvailabilityGroup hag = TestGroups.valid("shop", "web");
          hag.getSpec().getElection().setEndpoints(List.of(endpoint));
          if (endpoint.startsWith("https://")) {
            hag.getSpec().getElection().setTls(tls(null, "etcd-ca"));
          }
          assertAgree(CelRules.ETCD_URL, endpoint, valid, hag);
        });
    Map<String, Boolean> secrets =
        Map.of(
            "etcd-client", true,
            "etcd.client-1", true,
            "1", true,
            "Etcd", false,
            "etcd_client", false,
            "etcd..client", false,
            "-etcd", false);
    secrets.forEach(
        (secret, valid) -> {
          HighAvailabilityGroup hag = TestGroups.valid("shop", "web");
          hag.getSpec().getElection().setCredentialsSecretName(secret);
          assertAgree(CelRules.DNS_SUBDOMAIN, secret, valid, hag);
        });
    Map<String, Boolean> serverNames =
        Map.of(
            "etcd.internal", true,
            "10.0.0.1", true,
            "Etcd-0.Example", true,
            "etcd internal", false,
            "etcd.", false,
            "*.etcd", false);
    serverNames.forEach(
        (serverName, valid) -> {
          HighAvailabilityGroup hag = TestGroups.valid("shop", "web");
          hag.getSpec().getElection().setEndpoints(List.of("https://10.0.0.1:2379"));
          EtcdTlsSpec tls = tls(null, "etcd-ca");
          tls.setServerName(serverName);
          hag.getSpec().getElection().setTls(tls);
          assertAgree(CelRules.SERVER_NAME, serverName, valid, hag);
        });
    Map<String, Boolean> names =
        Map.of("web", true, "", true, "a-1", true, "1a", false, "Web", false, "a-", false);
    names.forEach(
        (name, valid) -> {
          HighAvailabilityGroup hag = TestGroups.valid("shop", "web");
          hag.getSpec().getService().setName(name);
          assertAgree(CelRules.OPTIONAL_DNS_1035, name, valid, hag);
        });
  }

  private static void assertAgree(
      String pattern, String value, boolean valid, HighAvailabilityGroup hag) {
    assertThat(Pattern.compile(pattern).matcher(value).find())
        .as("pattern %s on \"%s\"", pattern, value)
        .isEqualTo(valid);
    assertThat(
            HighAvailabilityGroupValidator.validate(hag, OperatorDefaults.of("halo:test"))
                .isEmpty())
        .as("validator on \"%s\"", value)
        .isEqualTo(valid);
  }

  private static Arguments rule(String name, Consumer<HighAvailabilityGroup> change) {
    return Arguments.of(name, change);
  }

  private static EtcdTlsSpec tls(String secret, String ca) {
    EtcdTlsSpec tls = new EtcdTlsSpec();
    tls.setSecretName(secret);
    tls.setCaSecretName(ca);
    return tls;
  }

  private static HealthSpec health(boolean http, boolean tcp) {
    return health(http, tcp, "/healthz");
  }

  private static HealthSpec health(boolean http, boolean tcp, String path) {
    HealthSpec health = new HealthSpec();
    if (http) {
      HttpGetCheck check = new HttpGetCheck();
      check.setPort(8080);
      check.setPath(path);
      health.setHttpGet(check);
    }
    if (tcp) {
      TcpSocketCheck check = new TcpSocketCheck();
      check.setPort(8080);
      health.setTcpSocket(check);
    }
    return health;
  }

  private static void collect(String path, JSONSchemaProps schema, Map<String, List<String>> out) {
    if (schema == null) {
      return;
    }
    List<ValidationRule> rules =
        schema.getXKubernetesValidations() == null
            ? Collections.emptyList()
            : schema.getXKubernetesValidations();
    if (!rules.isEmpty()) {
      out.put(path, rules.stream().map(ValidationRule::getRule).toList());
    }
    if (schema.getProperties() != null) {
      schema.getProperties().forEach((k, v) -> collect(path + "." + k, v, out));
    }
    if (schema.getItems() != null) {
      collect(path + "[]", schema.getItems().getSchema(), out);
    }
  }

  /**
   * A rule on the root object needs a fieldPath, or the API server reports the field as {@code
   * <nil>}; a rule below the root is reported at its own path, and any fieldPath it has must lead
   * to a property of the schema, as the API server demands when it stores the CRD. The one
   * exception is name-is-dns-label: it concerns metadata.name alone, and a CRD schema cannot
   * declare metadata properties a fieldPath could name (see CelRules).
   */
  private static void checkFieldPaths(String path, JSONSchemaProps schema, List<String> problems) {
    if (schema == null) {
      return;
    }
    if (schema.getXKubernetesValidations() != null) {
      for (ValidationRule rule : schema.getXKubernetesValidations()) {
        String where = (path.isEmpty() ? "<root>" : path) + " " + rule.getMessage();
        String fieldPath = rule.getFieldPath();
        if (fieldPath == null || fieldPath.isEmpty()) {
          if (path.isEmpty() && !rule.getRule().equals(CelRules.NAME_IS_DNS_LABEL)) {
            problems.add(where + ": no fieldPath on a rule of the whole object");
          }
        } else if (!fieldPath.matches("(\\.[A-Za-z0-9_]+)+")
            || resolve(schema, fieldPath.substring(1).split("\\.")) == null) {
          problems.add(where + ": fieldPath " + fieldPath + " names no field of the schema");
        }
        if (rule.getReason() == null || !REASONS.contains(rule.getReason())) {
          problems.add(where + ": reason " + rule.getReason() + " is not one the API server knows");
        }
      }
    }
    if (schema.getProperties() != null) {
      schema.getProperties().forEach((k, v) -> checkFieldPaths(path + "." + k, v, problems));
    }
    if (schema.getItems() != null) {
      checkFieldPaths(path + "[]", schema.getItems().getSchema(), problems);
    }
  }

  private static JSONSchemaProps resolve(JSONSchemaProps schema, String[] names) {
    JSONSchemaProps at = schema;
    for (String name : names) {
      if (at == null || at.getProperties() == null) {
        return null;
      }
      at = at.getProperties().get(name);
    }
    return at;
  }

  private static void walk(JSONSchemaProps schema, List<ValidationRule> out) {
    if (schema == null) {
      return;
    }
    if (schema.getXKubernetesValidations() != null) {
      out.addAll(schema.getXKubernetesValidations());
    }
    if (schema.getProperties() != null) {
      schema.getProperties().values().forEach(v -> walk(v, out));
    }
    if (schema.getItems() != null) {
      walk(schema.getItems().getSchema(), out);
    }
  }
}
