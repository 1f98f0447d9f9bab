package dev.halo.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@code fieldSelector} of a list or watch ({@code involvedObject.name=web,type!=Normal}),
 * checked against the fields the real API server lets each kind select on and matched against
 * stored objects.
 */
record FieldSelector(List<Requirement> requirements) {
  /** One term: {@code field=value} ({@code ==} too) or {@code field!=value}. */
  record Requirement(String field, boolean equal, String value) {}

  /** Thrown for a selector the real server answers 400 BadRequest. */
  static final class Unsupported extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    Unsupported(String message) {
      super(message);
    }
  }

  /** No selector: everything matches. */
  static final FieldSelector NONE = new FieldSelector(List.of());

  private static final Set<String> EVERY_KIND = Set.of("metadata.name", "metadata.namespace");

  // What kube-apiserver registers per kind (its field label conversion functions); every other
  // kind, custom resources included, selects on metadata.name and metadata.namespace only.
  private static final Map<String, Set<String>> BY_KIND =
      Map.of(
          "/events",
          Set.of(
              "involvedObject.kind",
              "involvedObject.namespace",
              "involvedObject.name",
              "involvedObject.uid",
              "involvedObject.apiVersion",
              "involvedObject.resourceVersion",
              "involvedObject.fieldPath",
              "reason",
              "reportingComponent",
              "source",
              "type"),
          "/pods",
          Set.of(
              "spec.nodeName",
              "spec.restartPolicy",
              "spec.schedulerName",
              "spec.serviceAccountName",
              "spec.hostNetwork",
              "status.phase",
              "status.podIP",
              "status.nominatedNodeName"),
          "/secrets",
          Set.of("type"),
          "/namespaces",
          Set.of("status.phase"),
          "/nodes",
          Set.of("spec.unschedulable"));

  /**
   * Parses a selector for the kind at {@code group}/{@code plural} (empty group: the core API).
   *
   * @throws Unsupported when a term is malformed or selects a field the kind does not offer, with
   *     the real server's message ({@code field label not supported: spec.zones})
   */
  static FieldSelector parse(String selector, String group, String plural) {
    Set<String> offered = BY_KIND.getOrDefault(group + "/" + plural, Set.of());
    List<Requirement> terms = new ArrayList<>();
    for (String term : selector.split(",")) {
      if (term.isBlank()) {
        continue;
      }
      Requirement r = requirement(term.trim());
      if (!EVERY_KIND.contains(r.field()) && !offered.contains(r.field())) {
        throw new Unsupported("field label not supported: " + r.field());
      }
      terms.add(r);
    }
    return new FieldSelector(List.copyOf(terms));
  }

  private static Requirement requirement(String term) {
    int not = term.indexOf("!=");
    if (not > 0) {
      return new Requirement(term.substring(0, not), false, term.substring(not + 2));
    }
    int eq = term.indexOf("==");
    if (eq > 0) {
      return new Requirement(term.substring(0, eq), true, term.substring(eq + 2));
    }
    eq = term.indexOf('=');
    if (eq > 0) {
      return new Requirement(term.substring(0, eq), true, term.substring(eq + 1));
    }
    throw new Unsupported("invalid selector: '" + term + "'; can't understand '" + term + "'");
  }

  /** Whether {@code object} (a stored object as JSON) satisfies every term. */
  boolean matches(JsonNode object) {
    for (Requirement r : requirements) {
      if (value(object, r.field()).equals(r.value()) != r.equal()) {
        return false;
      }
    }
    return true;
  }

  /**
   * A list's JSON with only the items that match (anything that is not a list, as it was): the
   * store cannot select on most fields.
   */
  byte[] filterList(byte[] json) {
    JsonNode list;
    try {
      list = Serialization.jsonMapper().readTree(json);
    } catch (IOException e) {
      return json;
    }
    if (!(list instanceof ObjectNode object) || !list.path("items").isArray()) {
      return json;
    }
    JsonNode items = object.get("items");
    ArrayNode kept = object.putArray("items");
    for (JsonNode item : items) {
      if (matches(item)) {
        kept.add(item);
      }
    }
    return Serialization.asJson(object).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Whether a watch event (JSON) is for an object that matches; events without an object (errors,
   * bookmarks) always pass.
   */
  boolean passes(JsonNode event) {
    String type = event.path("type").asText();
    boolean aboutObject = type.equals("ADDED") || type.equals("MODIFIED") || type.equals("DELETED");
    return !aboutObject || matches(event.path("object"));
  }

  /** The terms on {@code metadata.name}, which the store itself can narrow a watch by. */
  String nameTerms() {
    return String.join(
        ",",
        requirements.stream()
            .filter(r -> r.field().equals("metadata.name"))
            .map(r -> r.field() + (r.equal() ? "=" : "!=") + r.value())
            .toList());
  }

  private static String value(JsonNode object, String field) {
    // An Event's "source" is its reporting component; a missing boolean reads as false, as the
    // real server's field sets hold it.
    String path = field.equals("source") ? "source.component" : field;
    JsonNode node = object;
    for (String part : path.split("\\.")) {
      node = node.path(part);
    }
    if (node.isMissingNode() || node.isNull()) {
      return field.equals("spec.hostNetwork") || field.equals("spec.unschedulable") ? "false" : "";
    }
    return node.asText();
  }
}
