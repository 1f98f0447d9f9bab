package dev.halo.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/** How the agent probes the workload; set exactly one of httpGet and tcpSocket. */
@ValidationRule(
    value = CelRules.ONE_HEALTH_CHECK,
    message = CelRules.ONE_HEALTH_CHECK_MESSAGE,
    reason = CelRules.INVALID)
public class HealthSpec {
  @JsonPropertyDescription("HTTP GET probe.")
  private HttpGetCheck httpGet;

  @JsonPropertyDescription("TCP connect probe.")
  private TcpSocketCheck tcpSocket;

  @Min(100)
  @JsonPropertyDescription("Probe period in milliseconds (default 1000).")
  private Integer periodMillis = 1000;

  @Min(1)
  @JsonPropertyDescription("Consecutive failures before the pod leaves the election (default 3).")
  private Integer failureThreshold = 3;

  public HttpGetCheck getHttpGet() {
    return httpGet;
  }

  public void setHttpGet(HttpGetCheck httpGet) {
    this.httpGet = httpGet;
  }

  public TcpSocketCheck getTcpSocket() {
    return tcpSocket;
  }

  public void setTcpSocket(TcpSocketCheck tcpSocket) {
    this.tcpSocket = tcpSocket;
  }

  public Integer getPeriodMillis() {
    return periodMillis;
  }

  public void setPeriodMillis(Integer periodMillis) {
    this.periodMillis = periodMillis;
  }

  public Integer getFailureThreshold() {
    return failureThreshold;
  }

  public void setFailureThreshold(Integer failureThreshold) {
    this.failureThreshold = failureThreshold;
  }
}
