package dev.halo.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The last change of master. */
public class FailoverRecord {
  private String from;

  private String to;

  @JsonPropertyDescription(
      "Why the old master lost: leaseExpired, podDeleted, podFailed, unhealthy, switchover,"
          + " resigned or revoked.")
  private String reason;

  @JsonPropertyDescription("When the new master was labelled (RFC 3339).")
  private String time;

  @JsonPropertyDescription("From losing the old master to labelling the new one, in milliseconds.")
  private Long durationMillis;

  public String getFrom() {
    return from;
  }

  public void setFrom(String from) {
    this.from = from;
  }

  public String getTo() {
    return to;
  }

  public void setTo(String to) {
    this.to = to;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public String getTime() {
    return time;
  }

  public void setTime(String time) {
    this.time = time;
  }

  public Long getDurationMillis() {
    return durationMillis;
  }

  public void setDurationMillis(Long durationMillis) {
    this.durationMillis = durationMillis;
  }
}
