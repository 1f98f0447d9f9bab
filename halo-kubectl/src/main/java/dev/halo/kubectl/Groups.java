package dev.halo.kubectl;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The groups of one namespace on the API server: read them, patch them, read their Events. */
final class Groups {
  static final String PATH = "/apis/halo.dev/v1alpha1/namespaces/";
  static final String RESOURCE = "/highavailabilitygroups";

  private final Api api;

  Groups(Api api) {
    this.api = api;
  }

  String namespace() {
    return api.target().namespace();
  }

  /** Every group of the namespace, sorted by name as kubectl lists them. */
  List<?> list() {
    Object list =
        api.get(
            PATH + namespace() + RESOURCE,
            "list highavailabilitygroups in namespace " + namespace());
    if (list == null) {
      throw noCrd();
    }
    return Tree.list(list, "items");
  }

  /** The group {@code name}, or a not-found failure that says what to do. */
  Object get(String name) {
    Object hag =
        api.get(path(name), "get highavailabilitygroup " + name + " in namespace " + namespace());
    if (hag == null) {
      throw notFound(name);
    }
    return hag;
  }

  /** Applies a JSON merge patch to the group; a not-found failure when it is gone. */
  Object patch(String name, String patch, String what) {
    Object hag =
        api.mergePatch(path(name), patch, what + " (patch highavailabilitygroup " + name + ")");
    if (hag == null) {
      throw notFound(name);
    }
    return hag;
  }

  /** The group's Events, as the API server lists them. */
  List<?> events(String name) {
    String selector =
        URLEncoder.encode(
            "involvedObject.kind=HighAvailabilityGroup,involvedObject.name=" + name,
            StandardCharsets.UTF_8);
    Object list =
        api.get(
            "/api/v1/namespaces/" + namespace() + "/events?fieldSelector=" + selector,
            "list events in namespace " + namespace());
    return list == null ? List.of() : Tree.list(list, "items");
  }

  private String path(String name) {
    return PATH + namespace() + RESOURCE + "/" + URLEncoder.encode(name, StandardCharsets.UTF_8);
  }

  private Failure notFound(String name) {
    // A 404 for one group may also mean the CRD is missing; say which.
    if (api.get(
            PATH + namespace() + RESOURCE,
            "list highavailabilitygroups in namespace " + namespace())
        == null) {
      return noCrd();
    }
    return new Failure(
        Failure.NOT_FOUND,
        "no HighAvailabilityGroup \""
            + name
            + "\" in namespace \""
            + namespace()
            + "\" (context \""
            + api.target().context()
            + "\"); kubectl halo status lists the groups there, -n <namespace> looks in another");
  }

  private Failure noCrd() {
    return new Failure(
        Failure.NOT_FOUND,
        "the API server of context \""
            + api.target().context()
            + "\" does not know HighAvailabilityGroups (halo.dev/v1alpha1): install Halo first"
            + " (docs/install.md), or pick the cluster that runs it with --context");
  }
}
