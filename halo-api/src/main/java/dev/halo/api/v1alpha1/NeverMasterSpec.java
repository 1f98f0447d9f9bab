package dev.halo.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/**
 * Members that run their agent (Ready, answering, labelled standby) but never campaign: those of
 * the listed ordinals and of the listed zones. Changing it takes effect without restarting pods.
 */
public class NeverMasterSpec {
  @Size(max = CelRules.MAX_ZONES)
  @JsonPropertyDescription(
      "Pod ordinals (the i of <group>-<i>, 0..replicas-1) that never become master.")
  private List<@Min(0) Integer> ordinals = new ArrayList<>();

  @Size(max = CelRules.MAX_ZONES)
  @JsonPropertyDescription("Zones of spec.zones whose pods never become master.")
  private List<@Size(max = 63) @Pattern(CelRules.LABEL_VALUE) String> zones = new ArrayList<>();

  public List<Integer> getOrdinals() {
    return ordinals;
  }

  public void setOrdinals(List<Integer> ordinals) {
    this.ordinals = ordinals;
  }

  public List<String> getZones() {
    return zones;
  }

  public void setZones(List<String> zones) {
    this.zones = zones;
  }
}
