package dev.halo.operator.model;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.HighAvailabilityGroupSpec;
import dev.halo.api.v1alpha1.SiteSpec;
import dev.halo.common.ElectionKeys;
import java.util.Optional;

/**
 * The election a group campaigns in: {@code /halo/<namespace>/<group>/election} for a group of one
 * cluster, {@code /halo/_sites/<spec.site.group>/election} for one site of a group spread over
 * several, which every site derives from its spec alone. Every reader of a group's election name
 * goes through here, so the pods, the watch and the removals agree.
 */
public final class GroupElection {
  private GroupElection() {}

  /** The election name of {@code hag}. */
  public static String name(HighAvailabilityGroup hag) {
    return site(hag.getSpec())
        .map(s -> ElectionKeys.siteElectionName(s.getGroup()))
        .orElseGet(
            () ->
                ElectionKeys.electionName(
                    hag.getMetadata().getNamespace(), hag.getMetadata().getName()));
  }

  /** The group's site, when it names one and its shared group (else a one-cluster group). */
  public static Optional<SiteSpec> site(HighAvailabilityGroupSpec spec) {
    return Optional.ofNullable(spec)
        .map(HighAvailabilityGroupSpec::getSite)
        .filter(s -> present(s.getName()) && present(s.getGroup()));
  }

  /** The name of the group's site, empty for a group of one cluster. */
  public static String siteName(HighAvailabilityGroup hag) {
    return site(hag.getSpec()).map(SiteSpec::getName).orElse("");
  }

  private static boolean present(String s) {
    return s != null && !s.isBlank();
  }
}
