package dev.halo.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.halo.sandbox.ApiResource.PrinterColumn;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The discovery, version and OpenAPI documents kubectl reads before anything else, built from a
 * fixed list of core kinds plus every CRD currently in the store ({@link OpenApiV3} for the CRDs'
 * schemas).
 */
final class ApiDiscovery {
  /** A response to send as is. */
  record Reply(int code, String contentType, byte[] body) {
    static Reply json(JsonNode node) {
      return new Reply(
          200, "application/json", Serialization.asJson(node).getBytes(StandardCharsets.UTF_8));
    }
  }

  static final String CRD_COLLECTION = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
  private static final String OPENAPI_V2_TYPE =
      "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";
  private static final List<String> VERBS =
      List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");
  private static final List<ApiResource> BUILTIN =
      List.of(
          ApiResource.builtin("", "v1", "pods", "Pod", true, true, "po"),
          ApiResource.builtin("", "v1", "services", "Service", true, true, "svc"),
          ApiResource.builtin("", "v1", "endpoints", "Endpoints", true, false, "ep"),
          ApiResource.builtin("", "v1", "events", "Event", true, false, "ev"),
          ApiResource.builtin("", "v1", "configmaps", "ConfigMap", true, false, "cm"),
          ApiResource.builtin("", "v1", "secrets", "Secret", true, false),
          ApiResource.builtin("", "v1", "namespaces", "Namespace", false, true, "ns"),
          ApiResource.builtin("", "v1", "nodes", "Node", false, true, "no"),
          ApiResource.builtin("", "v1", "serviceaccounts", "ServiceAccount", true, false, "sa"),
          ApiResource.builtin(
              "", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, true, "pvc"),
          ApiResource.builtin("apps", "v1", "deployments", "Deployment", true, true, "deploy"),
          ApiResource.builtin("apps", "v1", "statefulsets", "StatefulSet", true, true, "sts"),
          ApiResource.builtin(
              "policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, true, "pdb"),
          ApiResource.builtin("coordination.k8s.io", "v1", "leases", "Lease", true, false),
          ApiResource.builtin("events.k8s.io", "v1", "events", "Event", true, false, "ev"),
          ApiResource.builtin(
              "apiextensions.k8s.io",
              "v1",
              "customresourcedefinitions",
              "CustomResourceDefinition",
              false,
              true,
              "crd",
              "crds"));

  /** The Kubernetes minor version {@code /version} reports unless told otherwise (1.32). */
  static final int DEFAULT_MINOR = 32;

  private final Supplier<String> crdList;
  private final OpenApiV3 openApiV3;
  private volatile int minor = DEFAULT_MINOR;

  /** {@code crdList} reads the store's CRD collection (a JSON list) on every call. */
  ApiDiscovery(Supplier<String> crdList) {
    this.crdList = crdList;
    this.openApiV3 = new OpenApiV3(crdList);
  }

  /** Reports Kubernetes 1.{@code minor} on {@code /version} from now on. */
  void reportMinor(int minor) {
    this.minor = minor;
  }

  /** The Kubernetes minor version {@code /version} reports. */
  int minor() {
    return minor;
  }

  /** The answer to a GET of a discovery, version or OpenAPI path; empty for any other path. */
  Optional<Reply> answer(String uri) {
    int query = uri.indexOf('?');
    String path = query < 0 ? uri : uri.substring(0, query);
    if (path.length() > 1 && path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    if (path.equals("/openapi/v2")) {
      return Optional.of(new Reply(200, OPENAPI_V2_TYPE, new byte[0]));
    }
    if (path.equals("/openapi/v3") || path.startsWith("/openapi/v3/")) {
      return Optional.of(openApiV3.answer(path));
    }
    return switch (path) {
      case "/" -> Optional.of(Reply.json(rootPaths()));
      case "/version" -> Optional.of(Reply.json(version()));
      case "/api" -> Optional.of(Reply.json(coreVersions()));
      case "/apis" -> Optional.of(Reply.json(groupList()));
      default -> groupOrResourceList(path).map(Reply::json);
    };
  }

  /** Every resource type served now: the core kinds, then the CRDs in the store. */
  List<ApiResource> resources() {
    List<ApiResource> all = new ArrayList<>(BUILTIN);
    all.addAll(customResources());
    return all;
  }

  /** The resource type behind a path's group, version and plural, if it is served. */
  Optional<ApiResource> find(ResourcePath path) {
    return resources().stream()
        .filter(
            r ->
                r.group().equals(path.group())
                    && r.version().equals(path.version())
                    && r.plural().equals(path.plural()))
        .findFirst();
  }

  private List<ApiResource> customResources() {
    JsonNode list;
    try {
      list = Serialization.jsonMapper().readTree(crdList.get());
    } catch (IOException e) {
      return List.of();
    }
    List<ApiResource> found = new ArrayList<>();
    for (JsonNode crd : list.path("items")) {
      JsonNode spec = crd.path("spec");
      JsonNode names = spec.path("names");
      List<String> shortNames = new ArrayList<>();
      names.path("shortNames").forEach(n -> shortNames.add(n.asText()));
      String plural = names.path("plural").asText();
      String kind = names.path("kind").asText();
      for (JsonNode version : spec.path("versions")) {
        if (!version.path("served").asBoolean(true)) {
          continue;
        }
        List<PrinterColumn> columns = new ArrayList<>();
        for (JsonNode c : version.path("additionalPrinterColumns")) {
          columns.add(
              new PrinterColumn(
                  c.path("name").asText(),
                  c.path("type").asText("string"),
                  c.path("format").asText(""),
                  c.path("description").asText(""),
                  c.path("priority").asInt(0),
                  c.path("jsonPath").asText()));
        }
        found.add(
            new ApiResource(
                spec.path("group").asText(),
                version.path("name").asText(),
                plural,
                names.path("singular").asText(kind.toLowerCase(java.util.Locale.ROOT)),
                kind,
                !"Cluster".equals(spec.path("scope").asText()),
                List.copyOf(shortNames),
                version.path("subresources").has("status"),
                List.copyOf(columns),
                scalePaths(version.path("subresources").path("scale"))));
      }
    }
    return found;
  }

  private static Optional<ApiResource.ScalePaths> scalePaths(JsonNode scale) {
    if (!scale.isObject()) {
      return Optional.empty();
    }
    return Optional.of(
        new ApiResource.ScalePaths(
            scale.path("specReplicasPath").asText(),
            scale.path("statusReplicasPath").asText(),
            scale.path("labelSelectorPath").asText("")));
  }

  private static ObjectNode rootPaths() {
    ObjectNode root = Serialization.jsonMapper().createObjectNode();
    root.putArray("paths").add("/api").add("/apis").add("/openapi/v2").add("/version");
    return root;
  }

  private ObjectNode version() {
    int reported = minor;
    ObjectNode v = Serialization.jsonMapper().createObjectNode();
    v.put("major", "1").put("minor", Integer.toString(reported));
    v.put("gitVersion", "v1." + reported + ".0-halo-sandbox");
    v.put("gitCommit", "").put("gitTreeState", "clean").put("buildDate", "2025-01-01T00:00:00Z");
    v.put("goVersion", "n/a").put("compiler", "n/a").put("platform", "java/any");
    return v;
  }

  private static ObjectNode coreVersions() {
    ObjectNode versions = Serialization.jsonMapper().createObjectNode();
    versions.put("kind", "APIVersions");
    versions.putArray("versions").add("v1");
    versions.putArray("serverAddressByClientCIDRs");
    return versions;
  }

  /** group name to its served versions, in the order they were found. */
  private Map<String, List<String>> groups() {
    Map<String, List<String>> groups = new LinkedHashMap<>();
    for (ApiResource r : resources()) {
      if (!r.group().isEmpty()) {
        List<String> versions = groups.computeIfAbsent(r.group(), g -> new ArrayList<>());
        if (!versions.contains(r.version())) {
          versions.add(r.version());
        }
      }
    }
    return groups;
  }

  private ObjectNode groupList() {
    ObjectNode list = Serialization.jsonMapper().createObjectNode();
    list.put("kind", "APIGroupList").put("apiVersion", "v1");
    ArrayNode items = list.putArray("groups");
    groups().forEach((name, versions) -> items.add(group(name, versions)));
    return list;
  }

  private static ObjectNode group(String name, List<String> versions) {
    ObjectNode group = Serialization.jsonMapper().createObjectNode();
    group.put("name", name);
    ArrayNode array = group.putArray("versions");
    for (String v : versions) {
      array.addObject().put("groupVersion", name + "/" + v).put("version", v);
    }
    group.set("preferredVersion", array.get(0).deepCopy());
    return group;
  }

  private Optional<JsonNode> groupOrResourceList(String path) {
    String[] parts = path.split("/");
    if (parts.length == 3 && parts[1].equals("api")) {
      return resourceList("", parts[2]);
    }
    if (parts.length == 3 && parts[1].equals("apis")) {
      List<String> versions = groups().get(parts[2]);
      return versions == null ? Optional.empty() : Optional.of(group(parts[2], versions));
    }
    if (parts.length == 4 && parts[1].equals("apis")) {
      return resourceList(parts[2], parts[3]);
    }
    return Optional.empty();
  }

  private Optional<JsonNode> resourceList(String group, String version) {
    List<ApiResource> served =
        resources().stream()
            .filter(r -> r.group().equals(group) && r.version().equals(version))
            .toList();
    if (served.isEmpty()) {
      return Optional.empty();
    }
    ObjectNode list = Serialization.jsonMapper().createObjectNode();
    list.put("kind", "APIResourceList").put("apiVersion", "v1");
    list.put("groupVersion", served.get(0).groupVersion());
    ArrayNode resources = list.putArray("resources");
    for (ApiResource r : served) {
      ObjectNode entry = resources.addObject();
      entry.put("name", r.plural()).put("singularName", r.singular());
      entry.put("namespaced", r.namespaced()).put("kind", r.kind());
      VERBS.forEach(entry.putArray("verbs")::add);
      if (!r.shortNames().isEmpty()) {
        r.shortNames().forEach(entry.putArray("shortNames")::add);
      }
      if (r.statusSubresource()) {
        ObjectNode status = resources.addObject();
        status.put("name", r.plural() + "/status").put("singularName", "");
        status.put("namespaced", r.namespaced()).put("kind", r.kind());
        status.putArray("verbs").add("get").add("patch").add("update");
      }
      if (r.scale().isPresent()) {
        ObjectNode scale = resources.addObject();
        scale.put("name", r.plural() + "/scale").put("singularName", "");
        scale.put("namespaced", r.namespaced()).put("group", "autoscaling");
        scale.put("version", "v1").put("kind", "Scale");
        scale.putArray("verbs").add("get").add("patch").add("update");
      }
    }
    return Optional.of(list);
  }
}
