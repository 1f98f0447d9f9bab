package dev.halo.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
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

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @Pattern("^(None|EndpointSlice)$")
  @JsonPropertyDescription(
      "What this site's master Service does while the master runs on another site: None"
          + " (default; no endpoints) or EndpointSlice (the Service loses its selector and the"
          + " operator keeps an EndpointSlice with the remote master's address).")
  private String remoteMasterService;

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @Min(1)
  @Max(60000)
  @JsonPropertyDescription(
      "The etcd cluster's --election-timeout in milliseconds (default 1000, etcd's default):"
          + " only to warn when spec.election.leaseTTLSeconds is too short for it.")
  private Integer etcdElectionTimeoutMillis;

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @Min(0)
  @Max(60000)
  @JsonPropertyDescription(
      "The round-trip time between the sites' etcd members in milliseconds (default 0): only to"
          + " warn when spec.election.leaseTTLSeconds is too short for it.")
  private Integer rttMillis;

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @Size(max = 63)
  @Pattern(CelRules.DNS_1123_LABEL)
  @JsonPropertyDescription(
      "The site that should hold the master (a DNS label), the same on every site: when the"
          + " master fails, standbys of its own site queue first, then this site's, then the"
          + " others'. Absent: only the master's own site queues first.")
  private String preferred;

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @Min(5)
  @Max(86400)
  @JsonPropertyDescription(
      "Fail back to spec.site.preferred: once the master has run this many seconds on this site"
          + " (not the preferred one) and the preferred site has a campaigning standby, the"
          + " master hands over to it, at most once per this many seconds. Absent: no failback.")
  private Integer failbackAfterSeconds;

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @Pattern("^(Automatic|Manual)$")
  @JsonPropertyDescription(
      "Whether this site takes over the master on its own: Automatic (default; its pods campaign"
          + " always) or Manual (while the master is on another site its pods stand by without"
          + " campaigning, until a person lets them in with the annotation"
          + " halo.dev/activate-site=true on this group).")
  private String failover;

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

  public String getRemoteMasterService() {
    return remoteMasterService;
  }

  public void setRemoteMasterService(String remoteMasterService) {
    this.remoteMasterService = remoteMasterService;
  }

  public String getPreferred() {
    return preferred;
  }

  public void setPreferred(String preferred) {
    this.preferred = preferred;
  }

  public Integer getFailbackAfterSeconds() {
    return failbackAfterSeconds;
  }

  public void setFailbackAfterSeconds(Integer failbackAfterSeconds) {
    this.failbackAfterSeconds = failbackAfterSeconds;
  }

  public String getFailover() {
    return failover;
  }

  public void setFailover(String failover) {
    this.failover = failover;
  }

  public Integer getEtcdElectionTimeoutMillis() {
    return etcdElectionTimeoutMillis;
  }

  public void setEtcdElectionTimeoutMillis(Integer etcdElectionTimeoutMillis) {
    this.etcdElectionTimeoutMillis = etcdElectionTimeoutMillis;
  }

  public Integer getRttMillis() {
    return rttMillis;
  }

  public void setRttMillis(Integer rttMillis) {
    this.rttMillis = rttMillis;
  }
}
