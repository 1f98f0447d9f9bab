package dev.halo.operator.validation;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Collects validation messages of the form {@code <object>: <field> <problem>; <fix>}. */
final class Problems {
  private final String object;
  private final List<Violation> violations = new ArrayList<>();

  Problems(HighAvailabilityGroup hag) {
    this.object = "HighAvailabilityGroup " + describe(hag);
  }

  /** Adds {@code <object>: <field> <problemAndFix>}, a breach of {@code rule}. */
  void add(Rule rule, String field, String problemAndFix) {
    violations.add(new Violation(rule, field, object + ": " + field + " " + problemAndFix));
  }

  static String quote(Object value) {
    return "\"" + value + "\"";
  }

  List<Violation> violations() {
    return List.copyOf(violations);
  }

  private static String describe(HighAvailabilityGroup hag) {
    Optional<ObjectMeta> meta = Optional.ofNullable(hag.getMetadata());
    String name = meta.map(ObjectMeta::getName).filter(n -> !n.isBlank()).orElse("<unnamed>");
    return meta.map(ObjectMeta::getNamespace)
        .filter(ns -> !ns.isBlank())
        .map(ns -> ns + "/" + name)
        .orElse(name);
  }
}
