package dev.halo.operator.validation;

import static dev.halo.operator.validation.Problems.quote;

import dev.halo.api.v1alpha1.HighAvailabilityGroupSpec;
import dev.halo.api.v1alpha1.SiteSpec;
import dev.halo.operator.model.EtcdEndpoints;
import dev.halo.operator.model.OperatorDefaults;
import java.util.List;

/**
 * Checks {@code spec.site}: the site's and the shared group's names, and that the etcd a group
 * spread over several sites campaigns in has a member in at least three places.
 */
final class SiteRules {
  /** The fewest etcd endpoints of a multi-site group: one etcd member per site, three sites. */
  static final int MIN_SITE_ENDPOINTS = 3;

  /** What a site's master Service may do while the master is on another site. */
  static final List<String> REMOTE_MASTER_SERVICES = List.of("None", "EndpointSlice");

  /** Whether a site takes over the master on its own. */
  static final List<String> FAILOVER_MODES = List.of("Automatic", "Manual");

  static final int MIN_FAILBACK_SECONDS = 5;
  static final int MAX_FAILBACK_SECONDS = 86_400;

  static final int MAX_TIMING_MILLIS = 60_000;

  private SiteRules() {}

  static void check(HighAvailabilityGroupSpec spec, OperatorDefaults defaults, Problems problems) {
    SiteSpec site = spec.getSite();
    if (site == null) {
      return;
    }
    name(Rule.SITE_NAME, "spec.site.name", site.getName(), "this cluster's site", problems);
    name(Rule.SITE_GROUP, "spec.site.group", site.getGroup(), "the shared group", problems);
    String mode = site.getRemoteMasterService();
    if (mode != null && !REMOTE_MASTER_SERVICES.contains(mode)) {
      problems.add(
          Rule.SITE_REMOTE_MASTER_SERVICE,
          "spec.site.remoteMasterService",
          quote(mode) + " is not a mode; use one of " + String.join(", ", REMOTE_MASTER_SERVICES));
    }
    String preferred = site.getPreferred();
    if (preferred != null && !Dns.isDns1123Label(preferred)) {
      problems.add(
          Rule.SITE_PREFERRED,
          "spec.site.preferred",
          quote(preferred) + " is not a site name; use " + Dns.DNS_1123_RULE);
    }
    String failover = site.getFailover();
    if (failover != null && !FAILOVER_MODES.contains(failover)) {
      problems.add(
          Rule.SITE_FAILOVER,
          "spec.site.failover",
          quote(failover) + " is not a mode; use one of " + String.join(", ", FAILOVER_MODES));
    }
    Integer failback = site.getFailbackAfterSeconds();
    if (failback != null && (failback < MIN_FAILBACK_SECONDS || failback > MAX_FAILBACK_SECONDS)) {
      problems.add(
          Rule.SITE_FAILBACK,
          "spec.site.failbackAfterSeconds",
          "is "
              + failback
              + "; give seconds from "
              + MIN_FAILBACK_SECONDS
              + " to "
              + MAX_FAILBACK_SECONDS);
    }
    millis("spec.site.etcdElectionTimeoutMillis", site.getEtcdElectionTimeoutMillis(), 1, problems);
    millis("spec.site.rttMillis", site.getRttMillis(), 0, problems);
    int endpoints = EtcdEndpoints.of(spec, defaults).size();
    if (endpoints > 0 && endpoints < MIN_SITE_ENDPOINTS) {
      problems.add(
          Rule.SITE_ENDPOINTS,
          "spec.election.endpoints",
          "lists "
              + endpoints
              + " etcd endpoint(s) for a group spread over sites; list at least "
              + MIN_SITE_ENDPOINTS
              + ", one etcd member per site on three sites, so that etcd keeps its quorum (and the"
              + " election) when one site is cut off");
    }
  }

  private static void millis(String field, Integer value, int min, Problems problems) {
    if (value != null && (value < min || value > MAX_TIMING_MILLIS)) {
      problems.add(
          Rule.SITE_TIMING_RANGE,
          field,
          "is " + value + "; give milliseconds from " + min + " to " + MAX_TIMING_MILLIS);
    }
  }

  private static void name(Rule rule, String field, String value, String what, Problems problems) {
    if (value == null || value.isBlank()) {
      problems.add(rule, field, "is missing; name " + what + " (" + Dns.DNS_1123_RULE + ")");
    } else if (!Dns.isDns1123Label(value)) {
      problems.add(rule, field, quote(value) + " is not a valid name; use " + Dns.DNS_1123_RULE);
    }
  }
}
