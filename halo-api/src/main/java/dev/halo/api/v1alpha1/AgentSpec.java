package dev.halo.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.ArrayList;
import java.util.List;

/** Overrides for the elector agent container that Halo injects. */
public class AgentSpec {
  @JsonPropertyDescription("Agent image; default: the operator's configured agent image.")
  private String image;

  @Min(1)
  @Max(65535)
  @JsonPropertyDescription("Port of the agent's HTTP API (default 8778).")
  private Integer port = 8778;

  @JsonPropertyDescription(
      "Resources of the agent container; default: requests 50m CPU / 96Mi, limit 128Mi.")
  private ResourceRequirements resources;

  @JsonPropertyDescription("Extra JVM options, appended to the defaults.")
  private List<String> jvmOptions = new ArrayList<>();

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public Integer getPort() {
    return port;
  }

  public void setPort(Integer port) {
    this.port = port;
  }

  public ResourceRequirements getResources() {
    return resources;
  }

  public void setResources(ResourceRequirements resources) {
    this.resources = resources;
  }

  public List<String> getJvmOptions() {
    return jvmOptions;
  }

  public void setJvmOptions(List<String> jvmOptions) {
    this.jvmOptions = jvmOptions;
  }
}
