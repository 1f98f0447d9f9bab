package dev.halo.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** Probe the workload with an HTTP GET on localhost (healthy on 200..399). */
public class HttpGetCheck {
  @Pattern(CelRules.ABSOLUTE_PATH)
  @JsonPropertyDescription("Path, starting with '/', e.g. /healthz.")
  private String path = "/";

  @Required
  @Min(1)
  @Max(65535)
  @JsonPropertyDescription("Port of the workload.")
  private Integer port;

  public String getPath() {
    return path;
  }

  public void setPath(String path) {
    this.path = path;
  }

  public Integer getPort() {
    return port;
  }

  public void setPort(Integer port) {
    this.port = port;
  }
}
