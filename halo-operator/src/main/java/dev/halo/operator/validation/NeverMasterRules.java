package dev.halo.operator.validation;

import static dev.halo.operator.validation.Problems.quote;

import dev.halo.api.v1alpha1.HighAvailabilityGroupSpec;
import dev.halo.api.v1alpha1.NeverMasterSpec;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Checks {@code spec.election.neverMaster}: ordinals of pods the group has, zones of {@code
 * spec.zones}, and at least one member left that may become master.
 */
final class NeverMasterRules {
  private static final String ORDINALS = "spec.election.neverMaster.ordinals";
  private static final String ZONES = "spec.election.neverMaster.zones";

  private NeverMasterRules() {}

  static void check(HighAvailabilityGroupSpec spec, Problems problems) {
    NeverMasterSpec never = spec.getElection() == null ? null : spec.getElection().getNeverMaster();
    Integer replicas = spec.getReplicas();
    if (never == null || replicas == null || replicas < 1) {
      return;
    }
    List<Integer> ordinals = never.getOrdinals() == null ? List.of() : never.getOrdinals();
    List<String> zones = spec.getZones() == null ? List.of() : spec.getZones();
    List<String> excludedZones = never.getZones() == null ? List.of() : never.getZones();
    boolean wellFormed = true;
    for (int i = 0; i < ordinals.size(); i++) {
      Integer o = ordinals.get(i);
      if (o == null || o < 0 || o >= replicas) {
        wellFormed = false;
        problems.add(
            Rule.NEVER_MASTER_ORDINAL,
            ORDINALS + "[" + i + "]",
            "is "
                + o
                + ", which is no pod of the group; list ordinals 0.."
                + (replicas - 1)
                + " (spec.replicas is "
                + replicas
                + ")");
      }
    }
    for (int i = 0; i < excludedZones.size(); i++) {
      String z = excludedZones.get(i);
      if (z == null || !zones.contains(z)) {
        wellFormed = false;
        problems.add(
            Rule.NEVER_MASTER_ZONE,
            ZONES + "[" + i + "]",
            "is "
                + quote(z)
                + ", which is not in spec.zones "
                + zones
                + "; list zones of spec.zones, or add the zone there");
      }
    }
    if (wellFormed && everyMember(replicas, zones, ordinals, excludedZones)) {
      problems.add(
          Rule.NEVER_MASTER_EVERY_MEMBER,
          "spec.election.neverMaster",
          "excludes every one of the "
              + replicas
              + " pods, so the group could never have a master; leave at least one pod that may"
              + " become master, or add replicas");
    }
  }

  private static boolean everyMember(
      int replicas, List<String> zones, List<Integer> ordinals, List<String> excludedZones) {
    return IntStream.range(0, replicas)
        .allMatch(
            i ->
                ordinals.contains(i)
                    || (!zones.isEmpty() && excludedZones.contains(zones.get(i % zones.size()))));
  }
}
