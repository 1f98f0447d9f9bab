package dev.halo.operator.validation;

import static dev.halo.operator.validation.Problems.quote;

import dev.halo.api.v1alpha1.CelRules;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.HighAvailabilityGroupSpec;
import dev.halo.api.v1alpha1.UnreadableSpec;
import dev.halo.operator.model.OperatorDefaults;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks a HighAvailabilityGroup before anything is built from it, returning every problem as a
 * message that names the object, the field and the fix (an empty list means valid).
 */
public final class HighAvailabilityGroupValidator {
  static final int MIN_REPLICAS = 1;
  static final int MAX_REPLICAS = 99;

  private HighAvailabilityGroupValidator() {}

  /**
   * The problems of {@code hag} for an operator with {@code defaults}; never throws, whatever is
   * missing.
   */
  public static List<String> validate(HighAvailabilityGroup hag, OperatorDefaults defaults) {
    if (hag == null) {
      return List.of("HighAvailabilityGroup is missing; pass the group to validate");
    }
    return violations(hag, defaults).stream().map(Violation::message).toList();
  }

  /** The problems of {@code hag}, each with the rule it breaks and its field. */
  public static List<Violation> violations(HighAvailabilityGroup hag, OperatorDefaults defaults) {
    Problems problems = new Problems(hag);
    HighAvailabilityGroupSpec spec = hag.getSpec();
    if (spec instanceof UnreadableSpec unreadable) {
      // Nothing else can be checked on a spec that could not be read.
      problems.add(
          Rule.SPEC_READABLE,
          unreadable.field(),
          "cannot be read ("
              + unreadable.problem()
              + "); correct it with `kubectl edit hag/"
              + hag.getMetadata().getName()
              + " -n "
              + hag.getMetadata().getNamespace()
              + "`");
      return problems.violations();
    }
    NameRules.check(hag, problems);
    if (spec == null) {
      boolean needsElection = defaults.etcdEndpoints().isEmpty();
      problems.add(
          Rule.SPEC_MISSING,
          "spec",
          "is missing; give at least spec.template" + (needsElection ? " and spec.election" : ""));
      return problems.violations();
    }
    replicas(spec.getReplicas(), problems);
    zones(spec.getZones(), problems);
    TemplateRules.check(spec.getTemplate(), problems);
    ElectionRules.check(spec.getElection(), defaults, problems);
    EtcdSecretRules.check(spec, defaults, problems);
    HealthRules.check(spec.getHealth(), problems);
    ServiceRules.check(spec, problems);
    SiteRules.check(spec, defaults, problems);
    NeverMasterRules.check(spec, problems);
    PreferenceRules.check(spec, problems);
    return problems.violations();
  }

  /** The replica count that names are checked against: the spec's when it is in range. */
  static int replicasForNames(HighAvailabilityGroupSpec spec) {
    Integer replicas = spec == null ? null : spec.getReplicas();
    boolean valid = replicas != null && replicas >= MIN_REPLICAS && replicas <= MAX_REPLICAS;
    return valid ? replicas : MIN_REPLICAS;
  }

  private static void replicas(Integer replicas, Problems problems) {
    String range = "set it from " + MIN_REPLICAS + " to " + MAX_REPLICAS;
    if (replicas == null) {
      problems.add(Rule.REPLICAS_MISSING, "spec.replicas", "is missing; " + range);
    } else if (replicas < MIN_REPLICAS || replicas > MAX_REPLICAS) {
      problems.add(Rule.REPLICAS_RANGE, "spec.replicas", "is " + replicas + "; " + range);
    }
  }

  private static void zones(List<String> zones, Problems problems) {
    if (zones == null) {
      return;
    }
    if (zones.size() > CelRules.MAX_ZONES) {
      problems.add(
          Rule.ZONES_TOO_MANY,
          "spec.zones",
          "lists " + zones.size() + " zones; list at most " + CelRules.MAX_ZONES);
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < zones.size(); i++) {
      String zone = zones.get(i);
      String field = "spec.zones[" + i + "]";
      if (zone == null || zone.isBlank()) {
        problems.add(Rule.ZONE_BLANK, field, "is blank; remove it or name a zone");
      } else if (!Dns.isLabelValue(zone)) {
        problems.add(
            Rule.ZONE_NOT_LABEL_VALUE,
            field,
            quote(zone) + " is not a valid label value; use " + Dns.LABEL_RULE);
      } else if (!seen.add(zone)) {
        problems.add(
            Rule.ZONE_DUPLICATE,
            "spec.zones",
            "has a duplicate " + quote(zone) + "; list each zone once");
      }
    }
  }
}
