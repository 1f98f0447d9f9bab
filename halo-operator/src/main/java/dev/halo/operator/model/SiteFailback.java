package dev.halo.operator.model;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.SiteSpec;
import dev.halo.common.MemberIdentity;
import dev.halo.operator.election.Candidate;
import java.util.Optional;
import java.util.OptionalLong;

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
    Optional<SiteSpec> site = asked(hag, members);
    if (site.isEmpty() || waitMillis(site.get(), masterForMillis, sinceLastFailbackMillis) > 0) {
      return Optional.empty();
    }
    String preferred = site.get().getPreferred().strip();
    return members.remote().stream()
        .filter(c -> c.identity().map(MemberIdentity::site).filter(preferred::equals).isPresent())
        .filter(c -> c.identity().flatMap(MemberIdentity::leftBecause).isEmpty())
        .findFirst()
        .map(Candidate::member)
        .map(pod -> preferred + "/" + pod);
  }

  /**
   * How long until a failback of this group may be due, when this site holds the master and fails
   * back after a window that has not run yet; empty when there is no window to wait for. The
   * reconcile looks at the group again then, rather than at its next periodic reconcile.
   */
  public static OptionalLong dueInMillis(
      HighAvailabilityGroup hag,
      Membership members,
      long masterForMillis,
      long sinceLastFailbackMillis) {
    return asked(hag, members).stream()
        .mapToLong(site -> waitMillis(site, masterForMillis, sinceLastFailbackMillis))
        .filter(wait -> wait > 0)
        .findFirst();
  }

  /** The site spec when it asks for failback and this site, not the preferred one, leads. */
  private static Optional<SiteSpec> asked(HighAvailabilityGroup hag, Membership members) {
    return GroupElection.site(hag.getSpec())
        .filter(s -> s.getFailbackAfterSeconds() != null && s.getPreferred() != null)
        .filter(s -> !s.getPreferred().strip().equals(s.getName()))
        .filter(s -> members.leaderPod().isPresent());
  }

  /** What is left of the window since the master came and since the last failback. */
  private static long waitMillis(
      SiteSpec site, long masterForMillis, long sinceLastFailbackMillis) {
    long window = site.getFailbackAfterSeconds() * 1000L;
    return Math.max(window - masterForMillis, window - sinceLastFailbackMillis);
  }
}
