package dev.halo.operator.model;

import dev.halo.api.v1alpha1.ElectionSpec;
import dev.halo.api.v1alpha1.EtcdTlsSpec;
import dev.halo.api.v1alpha1.HighAvailabilityGroupSpec;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The Secrets (in the group's namespace) and TLS server name a group's agents reach etcd with. A
 * group that lists its own endpoints uses only its own settings; a group that leaves them to the
 * operator uses its own {@code tls} and credentials where it gives them, else the operator's
 * defaults for groups ({@code HALO_GROUP_ETCD_*}). Like {@link EtcdEndpoints}, every reader goes
 * through {@link #of}, so the pods and the validator agree.
 *
 * @param tlsSecret a kubernetes.io/tls Secret: tls.crt, tls.key and (without caSecret) ca.crt
 * @param caSecret a Secret with ca.crt
 * @param serverName the name etcd's server certificate is checked against
 * @param credentialsSecret a kubernetes.io/basic-auth Secret: username and password
 */
public record EtcdSecrets(
    Optional<String> tlsSecret,
    Optional<String> caSecret,
    Optional<String> serverName,
    Optional<String> credentialsSecret) {
  public static final EtcdSecrets NONE =
      new EtcdSecrets(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

  public EtcdSecrets {
    tlsSecret = present(tlsSecret);
    caSecret = present(caSecret);
    serverName = present(serverName);
    credentialsSecret = present(credentialsSecret);
  }

  /** The settings a group's agents run with. */
  public static EtcdSecrets of(HighAvailabilityGroupSpec spec, OperatorDefaults defaults) {
    EtcdSecrets own = own(spec == null ? null : spec.getElection());
    if (!EtcdEndpoints.usesOperatorDefault(spec)) {
      return own;
    }
    EtcdSecrets fallback = defaults.groupEtcdSecrets();
    EtcdSecrets tls = own.tls() ? own : fallback;
    return new EtcdSecrets(
        tls.tlsSecret,
        tls.caSecret,
        tls.serverName,
        own.credentialsSecret.or(fallback::credentialsSecret));
  }

  /** The group's own settings alone, without the operator's defaults. */
  public static EtcdSecrets own(ElectionSpec election) {
    EtcdTlsSpec tls = election == null ? null : election.getTls();
    return new EtcdSecrets(
        Optional.ofNullable(tls).map(EtcdTlsSpec::getSecretName),
        Optional.ofNullable(tls).map(EtcdTlsSpec::getCaSecretName),
        Optional.ofNullable(tls).map(EtcdTlsSpec::getServerName),
        Optional.ofNullable(election).map(ElectionSpec::getCredentialsSecretName));
  }

  /** Whether the agents talk TLS to etcd (then every endpoint must be https://). */
  public boolean tls() {
    return tlsSecret.isPresent() || caSecret.isPresent() || serverName.isPresent();
  }

  /** The Secret whose {@code ca.crt} the agents trust: caSecret, else the TLS Secret. */
  public Optional<String> caSource() {
    return caSecret.or(this::tlsSecret);
  }

  public boolean isEmpty() {
    return !tls() && credentialsSecret.isEmpty();
  }

  /** The settings that are given, by name, for the template hash and logs. */
  public Map<String, String> asMap() {
    Map<String, String> map = new TreeMap<>();
    tlsSecret.ifPresent(v -> map.put("tlsSecret", v));
    caSecret.ifPresent(v -> map.put("caSecret", v));
    serverName.ifPresent(v -> map.put("serverName", v));
    credentialsSecret.ifPresent(v -> map.put("credentialsSecret", v));
    return map;
  }

  private static Optional<String> present(Optional<String> value) {
    return value == null ? Optional.empty() : value.map(String::strip).filter(v -> !v.isEmpty());
  }
}
