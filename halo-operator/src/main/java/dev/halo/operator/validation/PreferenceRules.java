package dev.halo.operator.validation;

import static dev.halo.operator.validation.Problems.quote;

import dev.halo.api.v1alpha1.ElectionSpec;
import dev.halo.api.v1alpha1.HighAvailabilityGroupSpec;
import java.util.List;

/**
 * Checks which zones should hold the master ({@code spec.election.preferred}, zones of {@code
 * spec.zones}) and how soon the master fails back to them ({@code
 * spec.election.failbackAfterSeconds}).
 */
final class PreferenceRules {
  static final int MAX_FAILBACK_SECONDS = 86_400;

  private PreferenceRules() {}

  static void check(HighAvailabilityGroupSpec spec, Problems problems) {
    ElectionSpec election = spec.getElection();
    if (election == null) {
      return;
    }
    List<String> zones = spec.getZones() == null ? List.of() : spec.getZones();
    List<String> preferred = election.getPreferred();
    if (preferred != null) {
      for (String zone : preferred) {
        if (!zones.contains(zone)) {
          problems.add(
              Rule.PREFERRED_ZONES,
              "spec.election.preferred",
              "names "
                  + quote(zone)
                  + ", which is not in spec.zones ("
                  + (zones.isEmpty() ? "none listed" : String.join(", ", zones))
                  + "); list zones of spec.zones, most preferred first");
        }
      }
    }
    Integer failback = election.getFailbackAfterSeconds();
    if (failback != null && (failback < 0 || failback > MAX_FAILBACK_SECONDS)) {
      problems.add(
          Rule.ELECTION_FAILBACK,
          "spec.election.failbackAfterSeconds",
          "is " + failback + "; give seconds from 0 (never fail back) to " + MAX_FAILBACK_SECONDS);
    }
  }
}
