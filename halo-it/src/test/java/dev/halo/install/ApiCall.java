package dev.halo.install;

import java.util.Arrays;
import java.util.Optional;

/**
 * One Kubernetes API request in RBAC terms: the namespace it is in ({@code ""} for cluster-scoped
 * and all-namespace requests), API group ({@code ""} for core), resource (with {@code
 * /subresource}) and verb, as the API server's authorizer sees it. Non-resource requests
 * (discovery, {@code /version}) have the path as resource and an empty group.
 */
public record ApiCall(String namespace, String group, String resource, String verb) {

  /** The calls without namespace, one line each: {@code group resource verb}. */
  public String triple() {
    return (group.isEmpty() ? "core" : group) + " " + resource + " " + verb;
  }

  public boolean isNonResource() {
    return resource.startsWith("/");
  }

  /** Maps a request's method and URI (path and query) to what RBAC checks. */
  public static Optional<ApiCall> of(String method, String uri) {
    int q = uri.indexOf('?');
    String path = q < 0 ? uri : uri.substring(0, q);
    String query = q < 0 ? "" : uri.substring(q + 1);
    String[] parts =
        Arrays.stream(path.split("/")).filter(p -> !p.isEmpty()).toArray(String[]::new);
    int base;
    String group;
    if (parts.length >= 2 && parts[0].equals("api")) {
      group = "";
      base = 2;
    } else if (parts.length >= 3 && parts[0].equals("apis")) {
      group = parts[1];
      base = 3;
    } else {
      return Optional.of(new ApiCall("", "", path.isEmpty() ? "/" : path, method.toLowerCase()));
    }
    if (parts.length == base) {
      return Optional.of(new ApiCall("", "", path, method.toLowerCase()));
    }
    String namespace = "";
    int at = base;
    // namespaces/<ns>/<resource>... is a namespaced request; namespaces[/<name>] is the Namespace.
    if (parts[at].equals("namespaces") && parts.length > at + 2) {
      namespace = parts[at + 1];
      at += 2;
    }
    String resource = parts[at];
    boolean named = parts.length > at + 1;
    if (parts.length > at + 2) {
      resource = resource + "/" + parts[at + 2];
    }
    return Optional.of(new ApiCall(namespace, group, resource, verb(method, named, query)));
  }

  private static String verb(String method, boolean named, String query) {
    return switch (method.toUpperCase()) {
      case "GET", "HEAD" -> {
        if (isWatch(query)) {
          yield "watch";
        }
        yield named ? "get" : "list";
      }
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> named ? "delete" : "deletecollection";
      default -> method.toLowerCase();
    };
  }

  private static boolean isWatch(String query) {
    return Arrays.stream(query.split("&"))
        .anyMatch(p -> p.equals("watch=true") || p.equals("watch=1"));
  }
}
