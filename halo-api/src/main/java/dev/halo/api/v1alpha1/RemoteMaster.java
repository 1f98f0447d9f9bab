package dev.halo.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The master of a group spread over sites when it runs on another site (cluster). */
public class RemoteMaster {
  @JsonPropertyDescription("The master's pod, in its own cluster.")
  private String pod;

  @JsonPropertyDescription("The site (spec.site.name of its cluster's group) it runs on.")
  private String site;

  @JsonPropertyDescription(
      "Where the other sites would reach it, as its agent publishes it (its pod IP); routing"
          + " between the sites is the network's job.")
  private String address;

  public RemoteMaster() {}

  public RemoteMaster(String pod, String site, String address) {
    this.pod = pod;
    this.site = site;
    this.address = address;
  }

  public String getPod() {
    return pod;
  }

  public void setPod(String pod) {
    this.pod = pod;
  }

  public String getSite() {
    return site;
  }

  public void setSite(String site) {
    this.site = site;
  }

  public String getAddress() {
    return address;
  }

  public void setAddress(String address) {
    this.address = address;
  }
}
