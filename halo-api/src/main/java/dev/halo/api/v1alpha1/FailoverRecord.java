package dev.halo.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A change of master. */
public class FailoverRecord {
  /** How many records status.failoverHistory keeps. */
  public static final int HISTORY_SIZE = 10;

  @JsonPropertyDescription(
      "The old master: a pod of this group, or <site>/<pod> when it was on another site of a"
          + " group spread over sites (spec.site).")
  private String from;

  @JsonPropertyDescription(
      "The new master: a pod of this group, or <site>/<pod> when the master went to another"
          + " site.")
  private String to;

  @JsonPropertyDescription(
      "What happened to the old master: leaseExpired (its lease ran out), podDeleted, podFailed"
          + " (pod failed or its agent container terminated), unhealthy (its agent left for a"
          + " failed health check), switchover (a hand-over the operator asked for), resigned (its"
          + " agent left on its own, e.g. SIGTERM), revoked (the operator revoked its lease),"
          + " fenced (the operator removed its key under a fence while its agent might still"
          + " run, e.g. a forced deletion: the new master waited for the old one's deadline), or"
          + " unknown (the operator did not see it go, e.g. it started later).")
  private String reason;

  @JsonPropertyDescription("When the new master was labelled (RFC 3339).")
  private String time;

  @JsonPropertyDescription(
      "From the first sign of losing the old master (its key leaving etcd, the operator's own"
          + " step-down request or revocation, the pod watch showing the pod going) to the new"
          + " master's key leading the election, in milliseconds; absent when not known.")
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
