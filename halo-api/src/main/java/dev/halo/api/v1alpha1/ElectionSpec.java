package dev.halo.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import java.util.ArrayList;
import java.util.List;

/** Where the group's election lives. */
public class ElectionSpec {
  @JsonPropertyDescription(
      "etcd client URLs (list every member), e.g. http://etcd-0.etcd:2379; empty: the operator's"
          + " default (HALO_ETCD_ENDPOINTS).")
  private List<@Pattern(CelRules.ETCD_URL) String> endpoints = new ArrayList<>();

  @Min(2)
  @Max(60)
  @JsonPropertyDescription(
      "Lease TTL in seconds (2..60, default 5): the failover time after a hard crash.")
  private Integer leaseTTLSeconds = 5;

  public List<String> getEndpoints() {
    return endpoints;
  }

  public void setEndpoints(List<String> endpoints) {
    this.endpoints = endpoints;
  }

  public Integer getLeaseTTLSeconds() {
    return leaseTTLSeconds;
  }

  public void setLeaseTTLSeconds(Integer leaseTTLSeconds) {
    this.leaseTTLSeconds = leaseTTLSeconds;
  }
}
