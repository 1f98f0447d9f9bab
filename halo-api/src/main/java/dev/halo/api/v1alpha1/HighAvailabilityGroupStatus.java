package dev.halo.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.model.annotation.LabelSelector;
import io.fabric8.kubernetes.model.annotation.StatusReplicas;
import java.util.ArrayList;
import java.util.List;

/** What the operator observed and did, patched only when it changes. */
public class HighAvailabilityGroupStatus {
  @JsonPropertyDescription("Pod that is master (labelled halo.dev/role=master).")
  private String master;

  private String masterZone;

  @JsonPropertyDescription(
      "For a group spread over sites: the master when it runs on another site; this site's pods"
          + " are then all standby.")
  private RemoteMaster remoteMaster;

  @JsonPropertyDescription("Pending, Electing, Running, Degraded, Invalid or Paused (spec.paused).")
  private String phase;

  @StatusReplicas
  @JsonPropertyDescription(
      "Pods of the group that exist and are not terminating (the scale subresource's current"
          + " count); the desired count is spec.replicas.")
  private Integer replicas;

  // The scale subresource reports it; the disruption controller needs that subresource to let a
  // PodDisruptionBudget with maxUnavailable evict any pod the group controls.
  @LabelSelector
  @JsonPropertyDescription("Label selector of the group's pods, e.g. halo.dev/group=web.")
  private String selector;

  @JsonPropertyDescription("Pods of the group that are Ready and not terminating.")
  private Integer readyReplicas;

  @JsonPropertyDescription("Ready pods over desired replicas (spec.replicas), e.g. 2/3.")
  private String ready;

  private List<MemberStatus> members = new ArrayList<>();

  @JsonPropertyDescription("Number of master changes after the first election.")
  private Integer failovers = 0;

  private FailoverRecord lastFailover;

  @JsonPropertyDescription(
      "The last "
          + FailoverRecord.HISTORY_SIZE
          + " failovers, newest first (the first is lastFailover).")
  private List<FailoverRecord> failoverHistory = new ArrayList<>();

  @JsonPropertyDescription(
      "The master's fencing term: the create revision of its key in the etcd election, which only"
          + " grows from one master to the next (docs/fencing.md); absent while no master is"
          + " labelled or the label and the election disagree.")
  private Long term;

  private Long observedGeneration;

  @JsonPropertyDescription(
      "Valid (SpecValid | InvalidSpec), EtcdReachable (Reachable, OutdatedVersion | Unreachable,"
          + " TLSFailed, CertificateExpired, AuthFailed, PermissionDenied; Unknown: NotWatched),"
          + " MasterElected (Elected, RemoteMaster, ExcludedMaster | NoMaster, ForeignLeader, Fenced,"
          + " OnlyExcludedMembers),"
          + " ForeignCandidates"
          + " (ForeignKeysFound | None), PodsCreated (Created | CreateRefused), ObjectsApplied"
          + " (Applied | RoleLabelRefused, ServiceRefused, EndpointSliceRefused,"
          + " DisruptionBudgetRefused, DeleteRefused,"
          + " AnnotationRefused), LeaseTTLSafe (with spec.site: TTLSafe | TTLTooShort), SiteActive (with spec.site.failover"
          + " Manual: HoldsMaster, Activated | HeldOut; Unknown: EtcdUnreachable), Ready (Running | the phase: Pending, Electing, Degraded,"
          + " Invalid), Paused (with spec.paused: SpecPaused); in parentheses the reasons when"
          + " True | when False.")
  private List<Condition> conditions = new ArrayList<>();

  public String getMaster() {
    return master;
  }

  public void setMaster(String master) {
    this.master = master;
  }

  public String getMasterZone() {
    return masterZone;
  }

  public void setMasterZone(String masterZone) {
    this.masterZone = masterZone;
  }

  public RemoteMaster getRemoteMaster() {
    return remoteMaster;
  }

  public void setRemoteMaster(RemoteMaster remoteMaster) {
    this.remoteMaster = remoteMaster;
  }

  public String getPhase() {
    return phase;
  }

  public void setPhase(String phase) {
    this.phase = phase;
  }

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public String getSelector() {
    return selector;
  }

  public void setSelector(String selector) {
    this.selector = selector;
  }

  public Integer getReadyReplicas() {
    return readyReplicas;
  }

  public void setReadyReplicas(Integer readyReplicas) {
    this.readyReplicas = readyReplicas;
  }

  public String getReady() {
    return ready;
  }

  public void setReady(String ready) {
    this.ready = ready;
  }

  public List<MemberStatus> getMembers() {
    return members;
  }

  public void setMembers(List<MemberStatus> members) {
    this.members = members;
  }

  public Integer getFailovers() {
    return failovers;
  }

  public void setFailovers(Integer failovers) {
    this.failovers = failovers;
  }

  public FailoverRecord getLastFailover() {
    return lastFailover;
  }

  public void setLastFailover(FailoverRecord lastFailover) {
    this.lastFailover = lastFailover;
  }

  public List<FailoverRecord> getFailoverHistory() {
    return failoverHistory;
  }

  public void setFailoverHistory(List<FailoverRecord> failoverHistory) {
    this.failoverHistory = failoverHistory;
  }

  public Long getTerm() {
    return term;
  }

  public void setTerm(Long term) {
    this.term = term;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }
}
