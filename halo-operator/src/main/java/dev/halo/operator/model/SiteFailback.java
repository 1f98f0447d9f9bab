package dev.halo.operator.model;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.SiteSpec;
import dev.halo.common.MemberIdentity;
import dev.halo.operator.election.Candidate;
import java.util.Optional;

/**
 * Failback of a group spread over sites to {@code spec.site.preferred}, asked for with {@code
 * spec.site.failbackAfterSeconds} on the site that holds the master: once the master has run that
 * long on this site, and no failback happened for that long, the first campaigning standby of the
 * preferred site is the target of a planned cross-site switchover ({@link SiteSwitchover}).
 */
public final class SiteFailback {
  private SiteFailback() {}

  /**
   * The member to fail back to, as {@code <site>/<pod>}; empty while there is nothing to do.
   *
   * @param masterForMillis how long the current master has led, as this operator saw it
   * @param sinceLastFailbackMillis how long ago this group's last failback started
   */
  public static Optional<String> target(
      HighAvailabilityGroup hag,
      Membership members,
      long masterForMillis,
      long sinceLastFailbackMillis) {
    Optional<SiteSpec> site = GroupElection.site(hag.getSpec());
    if (site.isEmpty()
        || site.get().getFailbackAfterSeconds() == null
        || site.get().getPreferred() == null
        || members.leaderPod().isEmpty()) {
      return Optional.empty();
    }
    String preferred = site.get().getPreferred().strip();
    long window = site.get().getFailbackAfterSeconds() * 1000L;
    if (preferred.equals(site.get().getName())
        || masterForMillis < window
        || sinceLastFailbackMillis < window) {
      return Optional.empty();
    }
    return members.remote().stream()
        .filter(c -> c.identity().map(MemberIdentity::site).filter(preferred::equals).isPresent())
        .filter(c -> c.identity().flatMap(MemberIdentity::leftBecause).isEmpty())
        .findFirst()
        .map(Candidate::member)
        .map(pod -> preferred + "/" + pod);
  }
}
