package dev.halo.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.util.ArrayList;
import java.util.List;

/** The master Service (and the optional standby Service) of a group. */
public class ServiceSpec {
  @Size(max = 63)
  @Pattern(CelRules.OPTIONAL_DNS_1035)
  @JsonPropertyDescription("Name of the master Service; default: the group's name.")
  private String name;

  @JsonPropertyDescription("Ports of the Service; default: the ports of the workload's containers.")
  private List<ServicePort> ports = new ArrayList<>();

  @Pattern("^(ClusterIP|NodePort|LoadBalancer)$")
  @JsonPropertyDescription("ClusterIP (default), NodePort or LoadBalancer.")
  private String type = "ClusterIP";

  @JsonPropertyDescription("Also create <group>-standby selecting the standbys.")
  private Boolean standby = false;

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public List<ServicePort> getPorts() {
    return ports;
  }

  public void setPorts(List<ServicePort> ports) {
    this.ports = ports;
  }

  public String getType() {
    return type;
  }

  public void setType(String type) {
    this.type = type;
  }

  public Boolean getStandby() {
    return standby;
  }

  public void setStandby(Boolean standby) {
    this.standby = standby;
  }
}
