package dev.halo.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.model.annotation.SpecReplicas;
import java.util.ArrayList;
import java.util.List;

/** What the user asks for: replicas over zones, the workload, its Service and etcd. */
public class HighAvailabilityGroupSpec {
  @SpecReplicas
  @Min(1)
  @Max(99)
  @JsonPropertyDescription("Number of pods; one is master, the others stand by. Default 3.")
  private Integer replicas = 3;

  @Size(max = CelRules.MAX_ZONES)
  @ValidationRule(
      value = CelRules.UNIQUE_ZONES,
      message = CelRules.UNIQUE_ZONES_MESSAGE,
      reason = CelRules.DUPLICATE)
  @JsonPropertyDescription(
      "Zones to spread the pods over (pod i goes to zones[i mod len]), each once; empty: no zone"
          + " pinning.")
  private List<@Size(max = 63) @Pattern(CelRules.LABEL_VALUE) String> zones = new ArrayList<>();

  @Required
  @JsonPropertyDescription("Pod template of the workload; Halo adds the elector agent container.")
  private PodTemplateSpec template;

  @JsonPropertyDescription("The Service that sends traffic to the master.")
  private ServiceSpec service = new ServiceSpec();

  @JsonPropertyDescription(
      "How the agents reach etcd and campaign; may be omitted when the operator has default etcd"
          + " endpoints (HALO_ETCD_ENDPOINTS).")
  private ElectionSpec election;

  @JsonPropertyDescription("How the agent probes the workload; unhealthy pods leave the election.")
  private HealthSpec health;

  @JsonPropertyDescription("Overrides for the injected elector agent.")
  private AgentSpec agent = new AgentSpec();

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public List<String> getZones() {
    return zones;
  }

  public void setZones(List<String> zones) {
    this.zones = zones;
  }

  public PodTemplateSpec getTemplate() {
    return template;
  }

  public void setTemplate(PodTemplateSpec template) {
    this.template = template;
  }

  public ServiceSpec getService() {
    return service;
  }

  public void setService(ServiceSpec service) {
    this.service = service;
  }

  public ElectionSpec getElection() {
    return election;
  }

  public void setElection(ElectionSpec election) {
    this.election = election;
  }

  public HealthSpec getHealth() {
    return health;
  }

  public void setHealth(HealthSpec health) {
    this.health = health;
  }

  public AgentSpec getAgent() {
    return agent;
  }

  public void setAgent(AgentSpec agent) {
    this.agent = agent;
  }
}
