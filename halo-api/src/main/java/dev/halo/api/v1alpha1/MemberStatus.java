package dev.halo.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One pod of the group as the operator sees it. */
public class MemberStatus {
  private String pod;

  private String zone;

  @JsonPropertyDescription("master or standby, as labelled.")
  private String role;

  private Boolean ready;

  @JsonPropertyDescription("Whether the pod's agent holds a key in the election.")
  private Boolean campaigning;

  @JsonPropertyDescription(
      "Place of the pod's key in the etcd election queue (lowest create revision first): 1 leads,"
          + " 2 is next; absent when its agent holds no key.")
  private Integer queue;

  @JsonPropertyDescription(
      "Why the pod never becomes master, e.g. spec.election.neverMaster.zones: c (its agent is held"
          + " out of the election); absent when it may.")
  private String excluded;

  public String getPod() {
    return pod;
  }

  public void setPod(String pod) {
    this.pod = pod;
  }

  public String getZone() {
    return zone;
  }

  public void setZone(String zone) {
    this.zone = zone;
  }

  public String getRole() {
    return role;
  }

  public void setRole(String role) {
    this.role = role;
  }

  public Boolean getReady() {
    return ready;
  }

  public void setReady(Boolean ready) {
    this.ready = ready;
  }

  public Boolean getCampaigning() {
    return campaigning;
  }

  public void setCampaigning(Boolean campaigning) {
    this.campaigning = campaigning;
  }

  public Integer getQueue() {
    return queue;
  }

  public void setQueue(Integer queue) {
    this.queue = queue;
  }

  public String getExcluded() {
    return excluded;
  }

  public void setExcluded(String excluded) {
    this.excluded = excluded;
  }
}
