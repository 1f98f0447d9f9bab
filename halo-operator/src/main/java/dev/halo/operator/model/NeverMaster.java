package dev.halo.operator.model;

import dev.halo.api.v1alpha1.ElectionSpec;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.NeverMasterSpec;
import dev.halo.common.Names;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Members the spec never wants as master ({@code spec.election.neverMaster}): which pods, and why,
 * and what to do about a master that became one of them. Such a member's agent is held out of the
 * election by its hold key ({@link dev.halo.common.ElectionKeys#memberHoldKey}); a master among
 * them keeps its place until another member can take over, so excluding one never leaves the group
 * without a master by itself.
 */
public final class NeverMaster {
  static final String ORDINALS = "spec.election.neverMaster.ordinals";
  static final String ZONES = "spec.election.neverMaster.zones";

  private NeverMaster() {}

  /**
   * The excluded members among replicas {@code 0..spec.replicas-1}, pod name → why (the first field
   * that names it, e.g. {@code spec.election.neverMaster.zones: c}), in ordinal order.
   */
  public static Map<String, String> excluded(HighAvailabilityGroup hag) {
    Map<String, String> out = new LinkedHashMap<>();
    Optional<NeverMasterSpec> spec = spec(hag);
    Integer replicas = hag.getSpec() == null ? null : hag.getSpec().getReplicas();
    if (spec.isEmpty() || replicas == null) {
      return out;
    }
    List<Integer> ordinals = orEmpty(spec.get().getOrdinals());
    List<String> zones = orEmpty(spec.get().getZones());
    String group = hag.getMetadata().getName();
    for (int i = 0; i < replicas; i++) {
      Optional<String> zone = PodFactory.zoneOf(hag, i);
      if (ordinals.contains(i)) {
        out.put(Names.pod(group, i), ORDINALS + ": " + i);
      } else if (zone.isPresent() && zones.contains(zone.get())) {
        out.put(Names.pod(group, i), ZONES + ": " + zone.get());
      }
    }
    return out;
  }

  /** What to do about the master. */
  public sealed interface MasterStep {
    /** The master may be master: nothing to do. */
    record Keep() implements MasterStep {}

    /** The master is excluded and {@code to} can take over: ask it to step down. */
    record HandOver(String master, String why, String to) implements MasterStep {}

    /** The master is excluded but no other member can take over: it stays, and the status says. */
    record Stays(String master, String why) implements MasterStep {}
  }

  /**
   * An excluded master hands over only while another member that is not excluded is Ready, not
   * terminating and campaigning (a planned hand-over, never a master-less group by this alone).
   */
  public static MasterStep master(
      Map<String, String> excluded, List<Pod> pods, Membership members, Optional<String> master) {
    if (master.isEmpty() || !excluded.containsKey(master.get())) {
      return new MasterStep.Keep();
    }
    String why = excluded.get(master.get());
    return pods.stream()
        .map(PodState::name)
        .filter(name -> !name.equals(master.get()) && !excluded.containsKey(name))
        .filter(name -> eligible(name, pods, members))
        .findFirst()
        .<MasterStep>map(to -> new MasterStep.HandOver(master.get(), why, to))
        .orElseGet(() -> new MasterStep.Stays(master.get(), why));
  }

  /**
   * Whether the group has no master because every member that could take over is excluded: no
   * member that is not excluded campaigns, and some excluded member is Ready.
   */
  public static boolean onlyExcludedLeft(
      Map<String, String> excluded, List<Pod> pods, Membership members) {
    if (excluded.isEmpty()) {
      return false;
    }
    boolean anyEligible =
        pods.stream()
            .map(PodState::name)
            .anyMatch(n -> !excluded.containsKey(n) && members.isCampaigning(n));
    boolean excludedReady =
        pods.stream()
            .anyMatch(
                p ->
                    excluded.containsKey(PodState.name(p))
                        && PodState.ready(p)
                        && !PodState.terminating(p));
    return !anyEligible && excludedReady;
  }

  /** What MasterElected and the Warning say while only excluded members are left. */
  public static String describeOnlyExcluded(Map<String, String> excluded, List<Pod> pods) {
    String listed =
        pods.stream()
            .map(PodState::name)
            .filter(excluded::containsKey)
            .map(n -> n + " (" + excluded.get(n) + ")")
            .collect(java.util.stream.Collectors.joining(", "));
    return "no master: the only members left that could take over are excluded from becoming"
        + " master: "
        + listed
        + ". Bring back a member that may be master (its pod Ready), or remove one from"
        + " spec.election.neverMaster";
  }

  /** What MasterElected says while an excluded master stays for want of another. */
  public static String describeStays(MasterStep.Stays stays) {
    return stays.master()
        + " is master although "
        + stays.why()
        + " excludes it: no other member is Ready and campaigning to take over, so it stays and"
        + " hands over once one is";
  }

  private static boolean eligible(String name, List<Pod> pods, Membership members) {
    return members.isCampaigning(name)
        && pods.stream()
            .anyMatch(
                p ->
                    PodState.name(p).equals(name) && PodState.ready(p) && !PodState.terminating(p));
  }

  private static Optional<NeverMasterSpec> spec(HighAvailabilityGroup hag) {
    return Optional.ofNullable(hag.getSpec())
        .map(s -> s.getElection())
        .map(ElectionSpec::getNeverMaster);
  }

  private static <T> List<T> orEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }
}
