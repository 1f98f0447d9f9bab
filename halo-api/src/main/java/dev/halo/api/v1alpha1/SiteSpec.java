package dev.halo.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/**
 * The site (Kubernetes cluster) of a group that spans several: each site runs its own group with
 * the same {@code group}, and all of them campaign in one election (docs/multi-site.md).
 */
public class SiteSpec {
  @Required
  @Size(max = 63)
  @Pattern(CelRules.DNS_1123_LABEL)
  @JsonPropertyDescription(
      "This cluster's site, e.g. paris; unique among the sites of the shared group (a DNS label).")
  private String name;

  @Required
  @Size(max = 63)
  @Pattern(CelRules.DNS_1123_LABEL)
  @JsonPropertyDescription(
      "The shared group that this site's group belongs to, the same on every site (a DNS label):"
          + " the election is /halo/_sites/<group>/election.")
  private String group;

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getGroup() {
    return group;
  }

  public void setGroup(String group) {
    this.group = group;
  }
}
