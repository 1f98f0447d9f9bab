package dev.halo.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;

/** Probe the workload by opening a TCP connection on localhost. */
public class TcpSocketCheck {
  @Required
  @Min(1)
  @Max(65535)
  @JsonPropertyDescription("Port of the workload.")
  private Integer port;

  public Integer getPort() {
    return port;
  }

  public void setPort(Integer port) {
    this.port = port;
  }
}
