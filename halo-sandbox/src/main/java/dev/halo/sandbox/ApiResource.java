package dev.halo.sandbox;

import java.util.List;
import java.util.Optional;

/** One resource type as discovery announces it, with a custom resource's printer columns. */
record ApiResource(
    String group,
    String version,
    String plural,
    String singular,
    String kind,
    boolean namespaced,
    List<String> shortNames,
    boolean statusSubresource,
    List<PrinterColumn> printerColumns,
    Optional<ScalePaths> scale) {

  /** A built-in kind (no printer columns of its own: the table falls back to defaults). */
  static ApiResource builtin(
      String group,
      String version,
      String plural,
      String kind,
      boolean namespaced,
      boolean status,
      String... shortNames) {
    return new ApiResource(
        group,
        version,
        plural,
        kind.toLowerCase(java.util.Locale.ROOT),
        kind,
        namespaced,
        List.of(shortNames),
        status,
        List.of(),
        Optional.empty());
  }

  String groupVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }

  /** A CRD's {@code additionalPrinterColumns} entry. */
  record PrinterColumn(
      String name, String type, String format, String description, int priority, String jsonPath) {}

  /**
   * A CRD's {@code subresources.scale}: where the desired and observed replica counts and the label
   * selector live in the object (JSON paths such as {@code .spec.replicas}).
   */
  record ScalePaths(String specReplicas, String statusReplicas, String labelSelector) {}
}
