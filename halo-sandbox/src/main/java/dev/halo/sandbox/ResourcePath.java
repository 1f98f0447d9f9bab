package dev.halo.sandbox;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The parts of a Kubernetes resource URL ({@code /api/v1/namespaces/ns/pods/name/status}); {@code
 * group} is empty for the core API, {@code namespace}, {@code name} and {@code subresource} are
 * null when absent.
 */
record ResourcePath(
    String group,
    String version,
    String namespace,
    String plural,
    String name,
    String subresource) {

  /** Parses a request path (a query string is ignored); empty when it names no resource. */
  static Optional<ResourcePath> parse(String uri) {
    int query = uri.indexOf('?');
    String path = query < 0 ? uri : uri.substring(0, query);
    List<String> parts = Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();
    String group;
    List<String> rest;
    if (parts.size() >= 3 && parts.get(0).equals("api")) {
      group = "";
      rest = parts.subList(2, parts.size());
    } else if (parts.size() >= 4 && parts.get(0).equals("apis")) {
      group = parts.get(1);
      rest = parts.subList(3, parts.size());
    } else {
      return Optional.empty();
    }
    String version = parts.get(group.isEmpty() ? 1 : 2);
    String namespace = null;
    if (rest.size() >= 3 && rest.get(0).equals("namespaces")) {
      namespace = rest.get(1);
      rest = rest.subList(2, rest.size());
    }
    if (rest.size() > 3) {
      return Optional.empty();
    }
    return Optional.of(
        new ResourcePath(
            group,
            version,
            namespace,
            rest.get(0),
            rest.size() > 1 ? rest.get(1) : null,
            rest.size() > 2 ? rest.get(2) : null));
  }

  /** The path of the collection this object belongs to (the same path for a collection). */
  String collectionPath() {
    String prefix = group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version;
    return prefix + (namespace == null ? "" : "/namespaces/" + namespace) + "/" + plural;
  }
}
