package dev.halo.agent;

import java.util.Locale;

/** What the agent tells its workload: act as the master, or stand by. */
public enum Role {
  MASTER,
  STANDBY;

  /** The wire form used on {@code /role}, in the role file and in webhooks. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}
