package dev.halo.operator.model;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.SiteSpec;
import dev.halo.common.Annotations;
import dev.halo.common.MemberIdentity;
import java.util.Map;
import java.util.Optional;

/**
 * Whether a site of a group spread over sites may campaign ({@code spec.site.failover}). In {@code
 * Automatic} mode (the default) it always may. In {@code Manual} mode it may while one of its pods
 * is the master, so its standbys can take over within the site, or once a person let it in with the
 * {@value Annotations#ACTIVATE_SITE} annotation; otherwise it is held out: its agents run and stand
 * by without campaigning, so the master never moves to it on its own.
 */
public final class SiteFailover {
  /** The mode that holds a site out while the master is elsewhere. */
  public static final String MANUAL = "Manual";

  /** Where a site stands. */
  public enum State {
    /** Automatic failover: the site's pods campaign. */
    AUTOMATIC,
    /** Manual, and one of the site's pods is master: they campaign. */
    HOLDS_MASTER,
    /** Manual, and a person let the site in ({@value Annotations#ACTIVATE_SITE}). */
    ACTIVATED,
    /** Manual, the master is elsewhere (or nowhere): the site's pods do not campaign. */
    HELD_OUT;

    /** Whether the site's agents are held out of the election. */
    public boolean held() {
      return this == HELD_OUT;
    }
  }

  private SiteFailover() {}

  /** Where the site of {@code hag} stands; empty for a group of one cluster. */
  public static Optional<State> of(HighAvailabilityGroup hag, Membership members) {
    Optional<SiteSpec> site = GroupElection.site(hag.getSpec());
    if (site.isEmpty()) {
      return Optional.empty();
    }
    if (!MANUAL.equals(site.get().getFailover())) {
      return Optional.of(State.AUTOMATIC);
    }
    if (members.leaderPod().isPresent()) {
      return Optional.of(State.HOLDS_MASTER);
    }
    return Optional.of(activated(hag) ? State.ACTIVATED : State.HELD_OUT);
  }

  /** Whether the group carries the {@value Annotations#ACTIVATE_SITE} annotation (not "false"). */
  public static boolean activated(HighAvailabilityGroup hag) {
    Map<String, String> annotations = hag.getMetadata().getAnnotations();
    String value = annotations == null ? null : annotations.get(Annotations.ACTIVATE_SITE);
    return value != null && !value.strip().equalsIgnoreCase("false");
  }

  /** What {@code state} means for the site of {@code members}, for events and the condition. */
  public static String describe(State state, Membership members, String group) {
    String site = members.site().orElse("");
    return switch (state) {
      case AUTOMATIC -> "failover is Automatic: the pods of site " + site + " campaign";
      case HOLDS_MASTER -> "the master is on this site (" + site + "): its pods campaign";
      case ACTIVATED ->
          "site " + site + " was let in (" + Annotations.ACTIVATE_SITE + "): its pods campaign";
      case HELD_OUT ->
          "failover is Manual and "
              + members
                  .remoteLeader()
                  .map(
                      l ->
                          "the master is "
                              + l.member()
                              + " on site "
                              + l.identity().map(MemberIdentity::site).orElse("?"))
                  .orElse("no pod of this site is master")
              + ": the pods of site "
              + site
              + " stand by without campaigning; to let them in: kubectl annotate hag "
              + group
              + " "
              + Annotations.ACTIVATE_SITE
              + "=true";
    };
  }
}
