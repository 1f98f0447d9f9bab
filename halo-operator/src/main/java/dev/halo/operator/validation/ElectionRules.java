package dev.halo.operator.validation;

import static dev.halo.operator.validation.Problems.quote;

import dev.halo.api.v1alpha1.CelRules;
import dev.halo.api.v1alpha1.ElectionSpec;
import dev.halo.common.AgentDefaults;
import dev.halo.operator.model.OperatorDefaults;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Optional;

/**
 * Checks how the agents reach etcd: endpoints (the group's own, or else the operator's default) and
 * lease TTL.
 */
public final class ElectionRules {
  private static final String ENDPOINTS = "spec.election.endpoints";
  private static final String TTL = "spec.election.leaseTTLSeconds";
  private static final String EXAMPLE = "http://etcd-0.etcd:2379";
  private static final String NO_DEFAULT = "the operator has no default (HALO_ETCD_ENDPOINTS)";
  private static final String SET_DEFAULT = "or set HALO_ETCD_ENDPOINTS on the operator";

  private ElectionRules() {}

  static void check(ElectionSpec election, OperatorDefaults defaults, Problems problems) {
    boolean hasDefault = !defaults.etcdEndpoints().isEmpty();
    if (election == null) {
      if (!hasDefault) {
        problems.add(
            Rule.ELECTION_MISSING,
            "spec.election",
            "is missing and "
                + NO_DEFAULT
                + "; give "
                + ENDPOINTS
                + ", the etcd client URLs, "
                + SET_DEFAULT);
      }
      return;
    }
    endpoints(election.getEndpoints(), hasDefault, problems);
    leaseTtl(election.getLeaseTTLSeconds(), problems);
  }

  private static void endpoints(List<String> endpoints, boolean hasDefault, Problems problems) {
    if (endpoints == null || endpoints.isEmpty()) {
      if (!hasDefault) {
        problems.add(
            Rule.ENDPOINTS_EMPTY,
            ENDPOINTS,
            "is empty and "
                + NO_DEFAULT
                + "; list the etcd client URLs, e.g. "
                + EXAMPLE
                + ", "
                + SET_DEFAULT);
      }
      return;
    }
    if (endpoints.size() > CelRules.MAX_ENDPOINTS) {
      problems.add(
          Rule.ENDPOINTS_TOO_MANY,
          ENDPOINTS,
          "lists "
              + endpoints.size()
              + " URLs; list at most "
              + CelRules.MAX_ENDPOINTS
              + " (every member of one etcd cluster, each once)");
    }
    for (int i = 0; i < endpoints.size(); i++) {
      String endpoint = endpoints.get(i);
      String field = ENDPOINTS + "[" + i + "]";
      if (endpoint == null || endpoint.isBlank()) {
        problems.add(
            Rule.ENDPOINT_BLANK, field, "is blank; give an etcd client URL, e.g. " + EXAMPLE);
      } else if (endpoint.length() > CelRules.MAX_URL_LENGTH) {
        problems.add(
            Rule.ENDPOINT_TOO_LONG,
            field,
            "has "
                + endpoint.length()
                + " characters; an etcd client URL has at most "
                + CelRules.MAX_URL_LENGTH);
      } else {
        urlProblem(endpoint)
            .ifPresent(problem -> problems.add(Rule.ENDPOINT_NOT_URL, field, problem));
      }
    }
  }

  /**
   * What is wrong with an etcd client URL and how to fix it, e.g. {@code "etcd:2379" is not an
   * http(s) URL with host and port; use http://etcd:2379}; empty when it is a valid one.
   */
  public static Optional<String> urlProblem(String endpoint) {
    if (isHttpUrlWithHostAndPort(endpoint)) {
      return Optional.empty();
    }
    return Optional.of(
        quote(endpoint) + " is not an http(s) URL with host and port; " + fix(endpoint));
  }

  private static String fix(String endpoint) {
    String withScheme = "http://" + endpoint;
    if (!endpoint.contains("://") && isHttpUrlWithHostAndPort(withScheme)) {
      return "use " + withScheme;
    }
    return "give one like " + EXAMPLE + ", one URL per entry";
  }

  private static boolean isHttpUrlWithHostAndPort(String raw) {
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
          Rule.LEASE_TTL_TOO_SHORT,
          TTL,
          "is "
              + ttl
              + range
              + ": etcd raises TTLs below its minimum, so the agents' deadlines would not hold");
    } else if (ttl != null && ttl > AgentDefaults.MAX_LEASE_TTL_SECONDS) {
      problems.add(
          Rule.LEASE_TTL_TOO_LONG,
          TTL,
          "is "
              + ttl
              + range
              + ": a crashed master keeps its lease for the whole TTL, so failover would take"
              + " more than a minute");
    }
  }
}
