package dev.halo.operator.validation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.halo.api.v1alpha1.Crd;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.AgentDefaults;
import dev.halo.common.Names;
import dev.halo.operator.model.OperatorDefaults;
import dev.halo.operator.model.TestGroups;
import dev.halo.sandbox.SchemaValidator;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every rule of the operator's validator, each with groups that break it: the validator refuses
 * each with that rule, and so does the API server, at the same field — by its own metadata check,
 * the generated CRD's OpenAPI schema (the sandbox's admission, {@link SchemaValidator}) or its CEL
 * rules ({@link CelEvaluation}) — unless the rule is in {@link #NOT_IN_CRD} with the reason the CRD
 * cannot hold it (docs/crd-reference.md lists the same). A new {@link Rule} without an example
 * fails {@link #everyRuleHasAnExample()}; one with an example the API server accepts fails unless
 * it is explained here. The etcd examples list the group's own endpoints: the operator also applies
 * the scheme rules to a group that leaves them out, with its HALO_ETCD_ENDPOINTS and
 * HALO_GROUP_ETCD_* defaults, which the API server cannot know (docs/crd-reference.md says so).
 */
class ValidatorRulesInCrdTest {
  private static final ObjectMapper JSON = Serialization.jsonMapper();
  private static final JSONSchemaProps ROOT =
      Crd.load().getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema();
  private static final JsonNode SCHEMA = JSON.valueToTree(ROOT);
  private static final OperatorDefaults NO_DEFAULT_ETCD = OperatorDefaults.of("halo:test");
  private static final Path DOCS = Path.of("docs", "crd-reference.md");
  private static final String HTTPS = "https://etcd-0.etcd:2379";

  private static final String COST =
      ": a CEL rule would have to walk a list inside each item of spec.template.spec.containers;"
          + " neither list has maxItems (fabric8's Container schema), so the API server estimates"
          + " about a million squared steps and refuses the CRD";
  private static final String BLANK =
      ": telling a whitespace-only string from a real one takes a scan of it (trim or a regex),"
          + " and on strings without maxLength in a list without maxItems the API server's cost"
          + " estimate refuses the rule; a missing or empty one is refused by the CRD";

  /** The rules the CRD cannot hold, and why. */
  static final Map<Rule, String> NOT_IN_CRD =
      Map.of(
          Rule.REPLICAS_MISSING,
          "the API server drops a null spec.replicas (not nullable) and stores the CRD's default"
              + " 3, so no group it admits lacks replicas",
          Rule.ELECTION_MISSING,
          "whether a group may omit etcd depends on the operator's HALO_ETCD_ENDPOINTS, which the"
              + " API server does not know",
          Rule.ENDPOINTS_EMPTY,
          "as election-missing: it depends on the operator's HALO_ETCD_ENDPOINTS",
          Rule.CONTAINER_NAME_BLANK,
          "container names" + BLANK,
          Rule.CONTAINER_IMAGE_BLANK,
          "container images" + BLANK,
          Rule.ROLE_MOUNT_PATH,
          "volumeMounts" + COST,
          Rule.AGENT_PORT_IN_USE,
          "ports" + COST,
          Rule.NEVER_MASTER_EVERY_MEMBER,
          "pod i's zone is spec.zones[i mod len]: telling whether every ordinal 0..replicas-1 is"
              + " excluded by ordinal or zone takes a loop over the replicas, which CEL has no range"
              + " for within the API server's cost budget",
          Rule.SITE_ENDPOINTS,
          "as election-missing: a group may leave its endpoints to the operator's"
              + " HALO_ETCD_ENDPOINTS, which the API server does not know",
          Rule.ETCD_VOLUME_NAME,
          "role-volume-reserved already compares each volume's name with one literal, and with"
              + " volumes lacking maxItems the API server's estimate (about a million volumes)"
              + " leaves no room for three more comparisons per volume within its budget per"
              + " rule");

  /**
   * Where the API server reports a rule whose field differs from the validator's: a CEL rule's
   * fieldPath cannot name metadata.name, so the rules about the name point at the spec field that
   * is the other way out (CelRules), and name-is-dns-label at the root ({@code ""});
   * tls-names-a-secret points at the first of the two Secret names it asks for.
   */
  static final Map<Rule, String> CRD_FIELD =
      Map.of(
          Rule.NAME_NOT_DNS_LABEL, "",
          Rule.POD_NAMES_FIT, "spec.replicas",
          Rule.MASTER_SERVICE_NAME, "spec.service.name",
          Rule.STANDBY_SERVICE_NAME, "spec.service.standby",
          Rule.TLS_NAMES_A_SECRET, "spec.election.tls.secretName");

  /** A group that breaks {@code rule}: {@code change} applied to a valid group's JSON. */
  record Example(Rule rule, String what, Consumer<ObjectNode> change) {
    ObjectNode group() {
      ObjectNode group = valid();
      change.accept(group);
      return group;
    }

    @Override
    public String toString() {
      return rule.id() + ": " + what;
    }
  }

  static Stream<Example> examples() {
    return Stream.of(
        ex(Rule.SPEC_READABLE, "replicas: three", g -> spec(g).put("replicas", "three")),
        ex(Rule.NAME_MISSING, "no metadata.name", g -> meta(g).remove("name")),
        ex(Rule.NAME_NOT_DNS_LABEL, "web.shop", g -> meta(g).put("name", "web.shop")),
        ex(Rule.POD_NAMES_FIT, "62 characters", g -> meta(g).put("name", "w".repeat(62))),
        ex(Rule.MASTER_SERVICE_NAME, "1web", g -> meta(g).put("name", "1web")),
        ex(
            Rule.STANDBY_SERVICE_NAME,
            "56 characters with a standby Service",
            g -> {
              meta(g).put("name", "w".repeat(56));
              obj(g, "spec.service").put("standby", true);
            }),
        ex(Rule.SPEC_MISSING, "no spec", g -> g.remove("spec")),
        ex(Rule.REPLICAS_MISSING, "replicas: null", g -> spec(g).putNull("replicas")),
        ex(Rule.REPLICAS_RANGE, "0", g -> spec(g).put("replicas", 0)),
        ex(Rule.REPLICAS_RANGE, "100", g -> spec(g).put("replicas", 100)),
        ex(
            Rule.ZONES_TOO_MANY,
            "100 zones",
            g -> zones(g, IntStream.range(0, 100).mapToObj(i -> "z" + i).toArray(String[]::new))),
        ex(Rule.ZONE_BLANK, "empty", g -> zones(g, "a", "")),
        ex(Rule.ZONE_BLANK, "spaces", g -> zones(g, "  ")),
        ex(Rule.ZONE_BLANK, "null", g -> spec(g).putArray("zones").addNull()),
        ex(Rule.ZONE_NOT_LABEL_VALUE, "eu west", g -> zones(g, "eu west")),
        ex(Rule.ZONE_NOT_LABEL_VALUE, "64 characters", g -> zones(g, "z".repeat(64))),
        ex(Rule.ZONE_DUPLICATE, "a, b, a", g -> zones(g, "a", "b", "a")),
        ex(Rule.TEMPLATE_MISSING, "no template", g -> spec(g).remove("template")),
        ex(Rule.TEMPLATE_SPEC_MISSING, "no pod spec", g -> obj(g, "spec.template").remove("spec")),
        ex(Rule.CONTAINERS_EMPTY, "[]", g -> podSpec(g).putArray("containers")),
        ex(Rule.CONTAINERS_EMPTY, "absent", g -> podSpec(g).remove("containers")),
        ex(Rule.CONTAINER_NULL, "[null]", g -> podSpec(g).putArray("containers").addNull()),
        ex(Rule.CONTAINER_NAME_MISSING, "absent", g -> container(g).remove("name")),
        ex(Rule.CONTAINER_NAME_MISSING, "empty", g -> container(g).put("name", "")),
        ex(Rule.CONTAINER_NAME_BLANK, "a space", g -> container(g).put("name", " ")),
        ex(
            Rule.CONTAINER_NAME_RESERVED,
            Names.AGENT_CONTAINER,
            g -> container(g).put("name", Names.AGENT_CONTAINER)),
        ex(Rule.CONTAINER_IMAGE_MISSING, "absent", g -> container(g).remove("image")),
        ex(Rule.CONTAINER_IMAGE_MISSING, "empty", g -> container(g).put("image", "")),
        ex(Rule.CONTAINER_IMAGE_BLANK, "a space", g -> container(g).put("image", " ")),
        ex(
            Rule.ROLE_MOUNT_PATH,
            Names.ROLE_MOUNT_PATH,
            g ->
                container(g)
                    .putArray("volumeMounts")
                    .addObject()
                    .put("name", "data")
                    .put("mountPath", Names.ROLE_MOUNT_PATH)),
        ex(
            Rule.ROLE_VOLUME_NAME,
            Names.ROLE_VOLUME,
            g ->
                podSpec(g)
                    .putArray("volumes")
                    .addObject()
                    .put("name", Names.ROLE_VOLUME)
                    .putObject("emptyDir")),
        ex(
            Rule.ETCD_VOLUME_NAME,
            Names.ETCD_TLS_VOLUME,
            g ->
                podSpec(g)
                    .putArray("volumes")
                    .addObject()
                    .put("name", Names.ETCD_TLS_VOLUME)
                    .putObject("emptyDir")),
        ex(Rule.ELECTION_MISSING, "no election", g -> spec(g).remove("election")),
        ex(Rule.ENDPOINTS_EMPTY, "[]", g -> obj(g, "spec.election").putArray("endpoints")),
        ex(Rule.ENDPOINT_BLANK, "empty", g -> endpoints(g, "")),
        ex(Rule.ENDPOINT_NOT_URL, "no scheme", g -> endpoints(g, "etcd-0.etcd:2379")),
        ex(Rule.ENDPOINT_NOT_URL, "no port", g -> endpoints(g, "http://etcd")),
        ex(
            Rule.ENDPOINTS_TOO_MANY,
            "33 URLs",
            g ->
                endpoints(
                    g,
                    IntStream.range(0, 33)
                        .mapToObj(i -> "http://etcd-" + i + ".etcd:2379")
                        .toArray(String[]::new))),
        ex(
            Rule.ENDPOINT_TOO_LONG,
            "513 characters",
            g -> endpoints(g, "http://" + "e".repeat(501) + ":2379")),
        ex(
            Rule.ONE_SCHEME,
            "http:// and https://",
            g -> endpoints(g, "http://etcd-0.etcd:2379", "https://etcd-1.etcd:2379")),
        ex(
            Rule.TLS_NEEDS_HTTPS,
            "caSecretName with http://",
            g -> tls(g).put("caSecretName", "etcd-ca")),
        ex(Rule.HTTPS_NEEDS_TLS, "https:// without tls", g -> endpoints(g, HTTPS)),
        ex(
            Rule.TLS_NAMES_A_SECRET,
            "only serverName",
            g -> {
              endpoints(g, HTTPS);
              tls(g).put("serverName", "etcd.example.com");
            }),
        ex(
            Rule.SECRET_NAME,
            "secretName etcd_tls",
            g -> {
              endpoints(g, HTTPS);
              tls(g).put("secretName", "etcd_tls");
            }),
        ex(
            Rule.SECRET_NAME,
            "caSecretName Etcd-CA",
            g -> {
              endpoints(g, HTTPS);
              tls(g).put("caSecretName", "Etcd-CA");
            }),
        ex(
            Rule.SECRET_NAME,
            "credentialsSecretName 'etcd user'",
            g -> obj(g, "spec.election").put("credentialsSecretName", "etcd user")),
        ex(
            Rule.SECRET_NAME,
            "254 characters",
            g -> obj(g, "spec.election").put("credentialsSecretName", "e".repeat(254))),
        ex(
            Rule.SERVER_NAME,
            "etcd_0.local",
            g -> {
              endpoints(g, HTTPS);
              tls(g).put("caSecretName", "etcd-ca").put("serverName", "etcd_0.local");
            }),
        ex(
            Rule.SERVER_NAME,
            "-etcd",
            g -> {
              endpoints(g, HTTPS);
              tls(g).put("caSecretName", "etcd-ca").put("serverName", "-etcd");
            }),
        ex(Rule.LEASE_TTL_TOO_SHORT, "1", g -> obj(g, "spec.election").put("leaseTTLSeconds", 1)),
        ex(Rule.LEASE_TTL_TOO_LONG, "61", g -> obj(g, "spec.election").put("leaseTTLSeconds", 61)),
        ex(
            Rule.HEALTH_BOTH_CHECKS,
            "httpGet and tcpSocket",
            g -> {
              obj(g, "spec.health.httpGet").put("port", 8080);
              obj(g, "spec.health.tcpSocket").put("port", 8080);
            }),
        ex(Rule.HEALTH_NO_CHECK, "neither", g -> obj(g, "spec.health").put("periodMillis", 500)),
        ex(Rule.PORT_MISSING, "httpGet", g -> obj(g, "spec.health.httpGet").put("path", "/")),
        ex(Rule.PORT_MISSING, "tcpSocket", g -> obj(g, "spec.health.tcpSocket")),
        ex(Rule.PORT_RANGE, "httpGet 0", g -> obj(g, "spec.health.httpGet").put("port", 0)),
        ex(
            Rule.PORT_RANGE,
            "tcpSocket 65536",
            g -> obj(g, "spec.health.tcpSocket").put("port", 65536)),
        ex(Rule.PORT_RANGE, "agent 0", g -> obj(g, "spec.agent").put("port", 0)),
        ex(
            Rule.HEALTH_PATH_RELATIVE,
            "healthz",
            g -> obj(g, "spec.health.httpGet").put("port", 8080).put("path", "healthz")),
        ex(
            Rule.HEALTH_PERIOD_TOO_SHORT,
            "99 ms",
            g -> {
              obj(g, "spec.health.httpGet").put("port", 8080);
              obj(g, "spec.health").put("periodMillis", 99);
            }),
        ex(
            Rule.HEALTH_FAILURE_THRESHOLD,
            "0",
            g -> {
              obj(g, "spec.health.httpGet").put("port", 8080);
              obj(g, "spec.health").put("failureThreshold", 0);
            }),
        ex(
            Rule.SERVICE_TYPE,
            "ExternalName",
            g -> obj(g, "spec.service").put("type", "ExternalName")),
        ex(Rule.SERVICE_NAME, "Web", g -> obj(g, "spec.service").put("name", "Web")),
        ex(
            Rule.SERVICE_NAME,
            "64 characters",
            g -> obj(g, "spec.service").put("name", "w" + "-w".repeat(31) + "w")),
        ex(Rule.SERVICE_PORTS, "no ports anywhere", g -> container(g).remove("ports")),
        ex(
            Rule.AGENT_PORT_IN_USE,
            "the default port",
            g ->
                ((ArrayNode) container(g).get("ports"))
                    .addObject()
                    .put("name", "admin")
                    .put("containerPort", AgentDefaults.PORT)),
        ex(Rule.SITE_NAME, "absent", g -> site(g, null, "orders")),
        ex(Rule.SITE_NAME, "Paris", g -> site(g, "Paris", "orders")),
        ex(Rule.SITE_GROUP, "absent", g -> site(g, "paris", null)),
        ex(Rule.SITE_GROUP, "orders.eu", g -> site(g, "paris", "orders.eu")),
        ex(
            Rule.SITE_ENDPOINTS,
            "2 endpoints",
            g -> {
              site(g, "paris", "orders");
              endpoints(g, "http://etcd-0.etcd:2379", "http://etcd-1.etcd:2379");
            }),
        ex(
            Rule.SITE_REMOTE_MASTER_SERVICE,
            "ExternalName",
            g -> {
              site(g, "paris", "orders");
              obj(g, "spec.site").put("remoteMasterService", "ExternalName");
            }),
        ex(
            Rule.SITE_TIMING_RANGE,
            "election timeout 0",
            g -> {
              site(g, "paris", "orders");
              obj(g, "spec.site").put("etcdElectionTimeoutMillis", 0);
            }),
        ex(
            Rule.SITE_TIMING_RANGE,
            "RTT 60001",
            g -> {
              site(g, "paris", "orders");
              obj(g, "spec.site").put("rttMillis", 60_001);
            }),
        ex(
            Rule.SITE_PREFERRED,
            "Lyon",
            g -> {
              site(g, "paris", "orders");
              obj(g, "spec.site").put("preferred", "Lyon");
            }),
        ex(
            Rule.SITE_FAILOVER,
            "manual",
            g -> {
              site(g, "paris", "orders");
              obj(g, "spec.site").put("failover", "manual");
            }),
        ex(
            Rule.SITE_FAILBACK,
            "4 seconds",
            g -> {
              site(g, "paris", "orders");
              obj(g, "spec.site").put("failbackAfterSeconds", 4);
            }),
        ex(
            Rule.NEVER_MASTER_ORDINAL,
            "3 of 3 replicas",
            g -> obj(g, "spec.election.neverMaster").putArray("ordinals").add(3)),
        ex(
            Rule.NEVER_MASTER_ORDINAL,
            "-1",
            g -> obj(g, "spec.election.neverMaster").putArray("ordinals").add(-1)),
        ex(
            Rule.NEVER_MASTER_ZONE,
            "d, not in spec.zones",
            g -> obj(g, "spec.election.neverMaster").putArray("zones").add("d")),
        ex(
            Rule.NEVER_MASTER_EVERY_MEMBER,
            "ordinal 0 and zones b, c",
            g -> {
              obj(g, "spec.election.neverMaster").putArray("ordinals").add(0);
              obj(g, "spec.election.neverMaster").putArray("zones").add("b").add("c");
            }),
        ex(
            Rule.PREFERRED_ZONES,
            "a zone not in spec.zones",
            g -> obj(g, "spec.election").putArray("preferred").add("b").add("x")),
        ex(
            Rule.ELECTION_FAILBACK,
            "-1 seconds",
            g -> obj(g, "spec.election").put("failbackAfterSeconds", -1)));
  }

  /** Makes the group one site's of a shared group, on three etcd members. */
  private static void site(ObjectNode group, String name, String shared) {
    ObjectNode site = obj(group, "spec.site");
    if (name != null) {
      site.put("name", name);
    }
    if (shared != null) {
      site.put("group", shared);
    }
    endpoints(
        group, "http://etcd-0.etcd:2379", "http://etcd-1.etcd:2379", "http://etcd-2.etcd:2379");
  }

  @Test
  void everyRuleHasAnExample() {
    Set<Rule> covered = examples().map(Example::rule).collect(Collectors.toSet());
    assertThat(EnumSet.complementOf(EnumSet.copyOf(covered)))
        .as("rules without an example here")
        .isEmpty();
  }

  @Test
  void theValidGroupPassesTheValidatorAndTheApiServer() {
    ObjectNode group = valid();
    assertThat(HighAvailabilityGroupValidator.violations(read(group), NO_DEFAULT_ETCD)).isEmpty();
    assertThat(apiServerRefusals(group)).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void validatorRefusesTheExampleWithItsRule(Example example) {
    assertThat(violations(example)).extracting(Violation::rule).contains(example.rule());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void apiServerRefusesTheExampleAtTheValidatorsFieldUnlessExplained(Example example) {
    List<String> refused = apiServerRefusals(example.group());
    if (NOT_IN_CRD.containsKey(example.rule())) {
      assertThat(refused)
          .as("%s is explained as not in the CRD, but the API server refuses it", example)
          .isEmpty();
      return;
    }
    List<String> fields =
        violations(example).stream()
            .filter(v -> v.rule() == example.rule())
            .map(v -> CRD_FIELD.getOrDefault(v.rule(), v.field()))
            .toList();
    assertThat(refused)
        .as(
            "%s: refused by the validator at %s; the API server must refuse it there too, or the"
                + " rule be explained in NOT_IN_CRD",
            example, fields)
        .anySatisfy(field -> assertThat(fields).anyMatch(f -> within(f, field)));
  }

  @Test
  void docsListEveryRuleAndWhyTheCrdCannotHoldSome() throws Exception {
    String docs = Files.readString(DOCS);
    for (Rule rule : Rule.values()) {
      assertThat(docs).as(DOCS + " lists " + rule.id()).contains("| `" + rule.id() + "` |");
    }
    for (Rule rule : NOT_IN_CRD.keySet()) {
      String row =
          docs.lines().filter(l -> l.startsWith("| `" + rule.id() + "` |")).findFirst().orElse("");
      assertThat(row)
          .as(DOCS + " says why the CRD cannot hold " + rule.id())
          .contains("operator only");
    }
  }

  /** Whether the validator's field is the API server's or lies inside it. */
  private static boolean within(String validatorField, String apiServerField) {
    return validatorField.equals(apiServerField)
        || (!apiServerField.isEmpty()
            && (validatorField.startsWith(apiServerField + ".")
                || validatorField.startsWith(apiServerField + "[")));
  }

  private static List<Violation> violations(Example example) {
    return HighAvailabilityGroupValidator.violations(read(example.group()), NO_DEFAULT_ETCD);
  }

  /**
   * The fields the API server refuses {@code group} at: a missing name (its own check), then the
   * schema, then, unless a value has the wrong type (which stops the API server before CEL), the
   * CEL rules on what the schema left of the object.
   */
  private static List<String> apiServerRefusals(ObjectNode group) {
    List<String> fields = new ArrayList<>();
    if (!group.path("metadata").hasNonNull("name")) {
      fields.add("metadata.name");
    }
    ObjectNode admitted = group.deepCopy();
    List<SchemaValidator.Cause> causes = SchemaValidator.check(admitted, SCHEMA).causes();
    causes.forEach(c -> fields.add(c.field()));
    if (causes.stream().noneMatch(c -> c.reason().equals("FieldValueTypeInvalid"))) {
      CelEvaluation.failures(ROOT, JSON.convertValue(admitted, Object.class))
          .forEach(f -> fields.add(f.field()));
    }
    return fields;
  }

  private static HighAvailabilityGroup read(ObjectNode group) {
    return JSON.convertValue(group, HighAvailabilityGroup.class);
  }

  private static ObjectNode valid() {
    ObjectNode group = JSON.valueToTree(TestGroups.valid("shop", "web"));
    group.remove("status");
    return group;
  }

  private static Example ex(Rule rule, String what, Consumer<ObjectNode> change) {
    return new Example(rule, what, change);
  }

  private static ObjectNode meta(ObjectNode group) {
    return obj(group, "metadata");
  }

  private static ObjectNode spec(ObjectNode group) {
    return obj(group, "spec");
  }

  private static ObjectNode podSpec(ObjectNode group) {
    return obj(group, "spec.template.spec");
  }

  private static ObjectNode container(ObjectNode group) {
    return (ObjectNode) podSpec(group).get("containers").get(0);
  }

  private static void zones(ObjectNode group, String... zones) {
    ArrayNode list = spec(group).putArray("zones");
    for (String zone : zones) {
      list.add(zone);
    }
  }

  private static void endpoints(ObjectNode group, String... endpoints) {
    ArrayNode list = obj(group, "spec.election").putArray("endpoints");
    for (String endpoint : endpoints) {
      list.add(endpoint);
    }
  }

  private static ObjectNode tls(ObjectNode group) {
    return obj(group, "spec.election.tls");
  }

  /** The object at a dotted path, created where missing. */
  private static ObjectNode obj(ObjectNode group, String path) {
    ObjectNode at = group;
    for (String name : path.split("\\.")) {
      at = at.has(name) ? (ObjectNode) at.get(name) : at.putObject(name);
    }
    return at;
  }
}
