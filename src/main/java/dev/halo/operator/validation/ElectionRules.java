package dev.halo.operator.validation;

import static dev.halo.operator.validation.Problems.quote;

import dev.halo.api.v1alpha1.ElectionSpec;
import dev.halo.common.AgentDefaults;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;

/** Checks how the agents reach etcd: endpoints and lease TTL. */
final class ElectionRules {
  private static final String ENDPOINTS = "spec.election.endpoints";
  private static final String TTL = "spec.election.leaseTTLSeconds";
  private static final String EXAMPLE = "http://etcd-0.etcd:2379";

  private ElectionRules() {}

  static void check(ElectionSpec election, Problems problems) {
    if (election == null) {
      problems.add("spec.election", "is missing; give " + ENDPOINTS + ", the etcd client URLs");
      return;
    }
    endpoints(election.getEndpoints(), problems);
    leaseTtl(election.getLeaseTTLSeconds(), problems);
  }

  private static void endpoints(List<String> endpoints, Problems problems) {
    if (endpoints == null || endpoints.isEmpty()) {
      problems.add(ENDPOINTS, "is empty; list the etcd client URLs, e.g. " + EXAMPLE);
      return;
    }
    for (int i = 0; i < endpoints.size(); i++) {
      String endpoint = endpoints.get(i);
      String field = ENDPOINTS + "[" + i + "]";
      if (endpoint == null || endpoint.isBlank()) {
        problems.add(field, "is blank; give an etcd client URL, e.g. " + EXAMPLE);
      } else if (!isHttpUrlWithHostAndPort(endpoint)) {
        problems.add(
            field, quote(endpoint) + " is not an http(s) URL with host and port; " + fix(endpoint));
      }
    }
  }

  private static String fix(String endpoint) {
    String withScheme = "http://" + endpoint;
    if (!endpoint.contains("://") && isHttpUrlWithHostAndPort(withScheme)) {
      return "use " + withScheme;
    }
    return "give one like " + EXAMPLE + ", one URL per entry";
  }

  static boolean isHttpUrlWithHostAndPort(String raw) {
    try {
      URI uri = new URI(raw);
      boolean http = "http".equals(uri.getScheme()) || "https".equals(uri.getScheme());
      return http && uri.getHost() != null && uri.getPort() > 0;
    } catch (URISyntaxException e) {
      return false;
    }
  }

  private static void leaseTtl(Integer ttl, Problems problems) {
    String range =
        "; use "
            + AgentDefaults.MIN_LEASE_TTL_SECONDS
            + " to "
            + AgentDefaults.MAX_LEASE_TTL_SECONDS
            + " (default "
            + AgentDefaults.LEASE_TTL_SECONDS
            + ", which survives an etcd leader change)";
    if (ttl != null && ttl < AgentDefaults.MIN_LEASE_TTL_SECONDS) {
      problems.add(
          TTL,
          "is "
              + ttl
              + range
              + ": etcd raises TTLs below its minimum, so the agents' deadlines would not hold");
    } else if (ttl != null && ttl > AgentDefaults.MAX_LEASE_TTL_SECONDS) {
      problems.add(
          TTL,
          "is "
              + ttl
              + range
              + ": a crashed master keeps its lease for the whole TTL, so failover would take"
              + " more than a minute");
    }
  }
}
