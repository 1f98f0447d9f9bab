package dev.halo.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/** Where the group's election lives and how the agents reach it. */
@ValidationRule(
    value = CelRules.ONE_SCHEME,
    message = CelRules.ONE_SCHEME_MESSAGE,
    fieldPath = CelRules.ENDPOINTS_FIELD,
    reason = CelRules.INVALID)
@ValidationRule(
    value = CelRules.TLS_NEEDS_HTTPS,
    message = CelRules.TLS_NEEDS_HTTPS_MESSAGE,
    fieldPath = CelRules.ENDPOINTS_FIELD,
    reason = CelRules.INVALID)
@ValidationRule(
    value = CelRules.HTTPS_NEEDS_TLS,
    message = CelRules.HTTPS_NEEDS_TLS_MESSAGE,
    fieldPath = CelRules.TLS_FIELD,
    reason = CelRules.REQUIRED)
public class ElectionSpec {
  @Size(max = CelRules.MAX_ENDPOINTS)
  @JsonPropertyDescription(
      "etcd client URLs (list every member), e.g. http://etcd-0.etcd:2379, all http:// or all"
          + " https:// (then set tls); empty: the operator's default (HALO_ETCD_ENDPOINTS).")
  private List<@Size(max = CelRules.MAX_URL_LENGTH) @Pattern(CelRules.ETCD_URL) String> endpoints =
      new ArrayList<>();

  @Min(2)
  @Max(60)
  @JsonPropertyDescription(
      "Lease TTL in seconds (2..60, default 5): the failover time after a hard crash.")
  private Integer leaseTTLSeconds = 5;

  // Left out of the JSON when unset: the template hash of groups without them stays as it was.
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyDescription(
      "TLS to etcd (https:// endpoints): Secrets with the CA and the agents' client certificate;"
          + " empty with default endpoints: the operator's defaults for groups.")
  private EtcdTlsSpec tls;

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @Size(max = CelRules.MAX_DNS_SUBDOMAIN)
  @Pattern(CelRules.DNS_SUBDOMAIN)
  @JsonPropertyDescription(
      "A kubernetes.io/basic-auth Secret with username and password of the etcd user the agents"
          + " authenticate as; empty with default endpoints: the operator's default for groups.")
  private String credentialsSecretName;

  // Left out of the JSON when unset; the template hash leaves it out always (no pod restarts).
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyDescription(
      "Members that never become master (Patroni's nofailover): their agents run and stand by"
          + " without campaigning; changeable on a running group without restarting pods.")
  private NeverMasterSpec neverMaster;

  // Left out of the JSON when unset, and out of the template hash: they move no pod.
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @Size(max = CelRules.MAX_ZONES)
  @JsonPropertyDescription(
      "Zones of spec.zones whose pods should be master, most preferred first (a group without"
          + " spec.site): standbys there queue first, and the master fails back to them after"
          + " failbackAfterSeconds. Absent: no preference.")
  private List<@Size(max = 63) @Pattern(CelRules.LABEL_VALUE) String> preferred;

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @Min(0)
  @Max(86400)
  @JsonPropertyDescription(
      "With preferred: once a standby of a more preferred zone than the master's has been Ready"
          + " and campaigning this many seconds, the master hands over to it, at most once per"
          + " this many seconds (default 60; 0: never fail back).")
  private Integer failbackAfterSeconds;

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

  public EtcdTlsSpec getTls() {
    return tls;
  }

  public void setTls(EtcdTlsSpec tls) {
    this.tls = tls;
  }

  public List<String> getPreferred() {
    return preferred;
  }

  public void setPreferred(List<String> preferred) {
    this.preferred = preferred;
  }

  public Integer getFailbackAfterSeconds() {
    return failbackAfterSeconds;
  }

  public void setFailbackAfterSeconds(Integer failbackAfterSeconds) {
    this.failbackAfterSeconds = failbackAfterSeconds;
  }

  public String getCredentialsSecretName() {
    return credentialsSecretName;
  }

  public void setCredentialsSecretName(String credentialsSecretName) {
    this.credentialsSecretName = credentialsSecretName;
  }

  public NeverMasterSpec getNeverMaster() {
    return neverMaster;
  }

  public void setNeverMaster(NeverMasterSpec neverMaster) {
    this.neverMaster = neverMaster;
  }
}
