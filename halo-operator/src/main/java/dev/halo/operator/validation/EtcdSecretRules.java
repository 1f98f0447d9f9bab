package dev.halo.operator.validation;

import static dev.halo.operator.validation.Problems.quote;

import dev.halo.api.v1alpha1.ElectionSpec;
import dev.halo.api.v1alpha1.EtcdTlsSpec;
import dev.halo.api.v1alpha1.HighAvailabilityGroupSpec;
import dev.halo.operator.model.EtcdEndpoints;
import dev.halo.operator.model.EtcdSecrets;
import dev.halo.operator.model.OperatorDefaults;
import java.util.List;
import java.util.Optional;

/**
 * Checks how the agents secure their etcd connection: the Secret names and server name, and that
 * TLS settings go with https:// endpoints and only with them, for the group's own endpoints or the
 * operator's defaults (the CRD's one-scheme, tls-needs-https and https-needs-tls rules, which see
 * only the group's own).
 */
public final class EtcdSecretRules {
  private static final String TLS = "spec.election.tls";
  private static final String ENDPOINTS = "spec.election.endpoints";
  private static final String GROUP_TLS_DEFAULTS =
      "HALO_GROUP_ETCD_TLS_SECRET or HALO_GROUP_ETCD_CA_SECRET on the operator (chart value"
          + " groups.etcd.tls)";

  private EtcdSecretRules() {}

  static void check(HighAvailabilityGroupSpec spec, OperatorDefaults defaults, Problems problems) {
    ElectionSpec election = spec.getElection();
    if (election != null) {
      names(election, problems);
    }
    List<String> endpoints = EtcdEndpoints.of(spec, defaults);
    if (endpoints.stream().anyMatch(e -> e == null || ElectionRules.urlProblem(e).isPresent())) {
      return; // ElectionRules reports the malformed URLs: fix those first
    }
    boolean https = endpoints.stream().anyMatch(e -> e != null && e.startsWith("https://"));
    boolean http = endpoints.stream().anyMatch(e -> e != null && e.startsWith("http://"));
    boolean own = !EtcdEndpoints.usesOperatorDefault(spec);
    boolean tls = EtcdSecrets.of(spec, defaults).tls();
    if (https && http) {
      problems.add(
          Rule.ONE_SCHEME,
          own ? ENDPOINTS : "spec.election.endpoints (empty)",
          (own ? "mixes" : "uses the operator's default HALO_ETCD_ENDPOINTS, which mixes")
              + " http:// and https:// URLs; an etcd cluster speaks one or the other, list every"
              + " member with the same scheme");
    } else if (tls && http) {
      problems.add(
          Rule.TLS_NEEDS_HTTPS,
          own ? ENDPOINTS : TLS,
          own
              ? "are http:// URLs but spec.election.tls is set; use https:// URLs for a TLS etcd,"
                  + " or remove spec.election.tls"
              : "gives TLS settings (the group's or the operator's for groups) but the operator's"
                  + " default HALO_ETCD_ENDPOINTS are http:// URLs; remove them, or give the"
                  + " group its own https:// spec.election.endpoints");
    } else if (!tls && https) {
      problems.add(
          Rule.HTTPS_NEEDS_TLS,
          TLS,
          own
              ? "is not set but spec.election.endpoints are https:// URLs; set tls.caSecretName (a"
                  + " Secret with ca.crt) or tls.secretName (a kubernetes.io/tls Secret with the"
                  + " client certificate and ca.crt)"
              : "is not set and the operator's default HALO_ETCD_ENDPOINTS are https:// URLs;"
                  + " set tls.caSecretName or tls.secretName, or "
                  + GROUP_TLS_DEFAULTS);
    }
  }

  private static void names(ElectionSpec election, Problems problems) {
    EtcdTlsSpec tls = election.getTls();
    if (tls != null) {
      secretName(TLS + ".secretName", tls.getSecretName(), problems);
      secretName(TLS + ".caSecretName", tls.getCaSecretName(), problems);
      serverNameProblem(tls.getServerName())
          .ifPresent(p -> problems.add(Rule.SERVER_NAME, TLS + ".serverName", p));
      if (tls.getSecretName() == null && tls.getCaSecretName() == null) {
        problems.add(
            Rule.TLS_NAMES_A_SECRET,
            TLS,
            "names no Secret; set secretName (a kubernetes.io/tls Secret with tls.crt, tls.key"
                + " and ca.crt) or caSecretName (a Secret with ca.crt), or both");
      }
    }
    secretName(
        "spec.election.credentialsSecretName", election.getCredentialsSecretName(), problems);
  }

  private static void secretName(String field, String name, Problems problems) {
    secretNameProblem(name).ifPresent(p -> problems.add(Rule.SECRET_NAME, field, p));
  }

  /** What is wrong with a Secret name, with the fix; empty for a valid one or none. */
  public static Optional<String> secretNameProblem(String name) {
    if (name == null || Dns.isDnsSubdomain(name)) {
      return Optional.empty();
    }
    return Optional.of(quote(name) + " is not a Secret name; use " + Dns.DNS_SUBDOMAIN_RULE);
  }

  /** What is wrong with a TLS server name, with the fix; empty for a valid one or none. */
  public static Optional<String> serverNameProblem(String name) {
    if (name == null || Dns.isServerName(name)) {
      return Optional.empty();
    }
    return Optional.of(quote(name) + " is not " + Dns.SERVER_NAME_RULE);
  }
}
