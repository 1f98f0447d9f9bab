package dev.halo.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
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
@ValidationRule(
    value = CelRules.SERVICE_PORTS,
    message = CelRules.SERVICE_PORTS_MESSAGE,
    fieldPath = CelRules.SERVICE_PORTS_FIELD,
    reason = CelRules.REQUIRED)
@ValidationRule(
    value = CelRules.NEVER_MASTER_ORDINALS,
    message = CelRules.NEVER_MASTER_ORDINALS_MESSAGE,
    fieldPath = CelRules.NEVER_MASTER_ORDINALS_FIELD,
    reason = CelRules.INVALID)
@ValidationRule(
    value = CelRules.NEVER_MASTER_ZONES,
    message = CelRules.NEVER_MASTER_ZONES_MESSAGE,
    fieldPath = CelRules.NEVER_MASTER_ZONES_FIELD,
    reason = CelRules.INVALID)
@ValidationRule(
    value = CelRules.PREFERRED_ZONES,
    message = CelRules.PREFERRED_ZONES_MESSAGE,
    fieldPath = CelRules.PREFERRED_ZONES_FIELD,
    reason = CelRules.INVALID)
public class HighAvailabilityGroupSpec {
  // Defaulted in the CRD so that every stored group has it: the scale subresource reads a missing
  // spec.replicas as 0, and the disruption controller would then expect no pods at all.
  @SpecReplicas
  @Default("3")
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
  @ValidationRule(
      value = CelRules.TEMPLATE_SPEC,
      message = CelRules.TEMPLATE_SPEC_MESSAGE,
      fieldPath = CelRules.POD_SPEC_FIELD,
      reason = CelRules.REQUIRED)
  @ValidationRule(
      value = CelRules.CONTAINERS_NOT_EMPTY,
      message = CelRules.CONTAINERS_NOT_EMPTY_MESSAGE,
      fieldPath = CelRules.CONTAINERS_FIELD,
      reason = CelRules.REQUIRED)
  @ValidationRule(
      value = CelRules.CONTAINER_NAMES,
      message = CelRules.CONTAINER_NAMES_MESSAGE,
      fieldPath = CelRules.CONTAINERS_FIELD,
      reason = CelRules.REQUIRED)
  @ValidationRule(
      value = CelRules.AGENT_NAME_RESERVED,
      message = CelRules.AGENT_NAME_RESERVED_MESSAGE,
      fieldPath = CelRules.CONTAINERS_FIELD,
      reason = CelRules.INVALID)
  @ValidationRule(
      value = CelRules.CONTAINER_IMAGES,
      message = CelRules.CONTAINER_IMAGES_MESSAGE,
      fieldPath = CelRules.CONTAINERS_FIELD,
      reason = CelRules.REQUIRED)
  @ValidationRule(
      value = CelRules.ROLE_VOLUME_RESERVED,
      message = CelRules.ROLE_VOLUME_RESERVED_MESSAGE,
      fieldPath = CelRules.VOLUMES_FIELD,
      reason = CelRules.INVALID)
  @JsonPropertyDescription("Pod template of the workload; Halo adds the elector agent container.")
  private PodTemplateSpec template;

  @JsonPropertyDescription("The Service that sends traffic to the master.")
  private ServiceSpec service = new ServiceSpec();

  @JsonPropertyDescription(
      "How the agents reach etcd and campaign; may be omitted when the operator has default etcd"
          + " endpoints (HALO_ETCD_ENDPOINTS).")
  private ElectionSpec election;

  @JsonPropertyDescription(
      "For a group spread over several clusters (sites) sharing one etcd: this cluster's site and"
          + " the shared group; absent: a group of this cluster alone.")
  private SiteSpec site;

  @JsonPropertyDescription("How the agent probes the workload; unhealthy pods leave the election.")
  private HealthSpec health;

  @JsonPropertyDescription("Overrides for the injected elector agent.")
  private AgentSpec agent = new AgentSpec();

  @JsonPropertyDescription(
      "true: the operator creates, deletes and replaces no pod (no rollout, scaling, replacement"
          + " of failed pods, lease revocation or planned switchover) for maintenance by hand;"
          + " agents keep electing and role labels and the Service still follow the election."
          + " false or absent: managed as usual, resuming from where the group is.")
  private Boolean paused;

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

  public SiteSpec getSite() {
    return site;
  }

  public void setSite(SiteSpec site) {
    this.site = site;
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

  public Boolean getPaused() {
    return paused;
  }

  public void setPaused(Boolean paused) {
    this.paused = paused;
  }
}
