package dev.halo.operator;

import dev.halo.common.AgentDefaults;
import dev.halo.etcd.EtcdSecurity;
import dev.halo.operator.model.EtcdSecrets;
import dev.halo.operator.validation.ElectionRules;
import dev.halo.operator.validation.EtcdSecretRules;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The operator's configuration, from environment variables.
 *
 * @param namespaces namespaces to watch; empty means all ({@code HALO_WATCH_NAMESPACES})
 * @param agentImage image of the injected agent ({@code HALO_AGENT_IMAGE})
 * @param etcdEndpoints etcd client URLs for groups that list none in {@code
 *     spec.election.endpoints}; empty means no default ({@code HALO_ETCD_ENDPOINTS})
 * @param leaderElection whether to take a Lease before reconciling ({@code HALO_LEADER_ELECTION})
 * @param leaseNamespace namespace of that Lease ({@code HALO_LEADER_ELECTION_NAMESPACE}, else
 *     {@code POD_NAMESPACE})
 * @param address address of the /healthz and /metrics server ({@code HALO_OPERATOR_ADDRESS})
 * @param port its port ({@code HALO_OPERATOR_PORT}; 0 picks a free one)
 * @param agentJvmOptions JVM options of every agent container ({@code HALO_AGENT_JVM_OPTIONS},
 *     separated by spaces; unset or blank: {@link AgentDefaults#JVM_OPTIONS})
 * @param etcdSecurity how the operator's own etcd connections prove who etcd is and who the
 *     operator is ({@code HALO_ETCD_CACERT}, {@code _CERT}, {@code _KEY}, {@code _USER}, {@code
 *     _PASSWORD_FILE}, {@code _SERVER_NAME})
 * @param groupEtcdSecrets Secrets for groups that list no etcd endpoints and give no settings of
 *     their own ({@code HALO_GROUP_ETCD_TLS_SECRET}, {@code _CA_SECRET}, {@code _SERVER_NAME},
 *     {@code _CREDENTIALS_SECRET}); see {@link EtcdSecrets#of}
 * @param watchStaleAfter how long an object the operator wrote (a pod, a group's status) may stay
 *     unseen on its watch before {@code /healthz} reports the watch stalled ({@code
 *     HALO_WATCH_STALE_SECONDS})
 */
public record OperatorConfig(
    Set<String> namespaces,
    String agentImage,
    List<String> etcdEndpoints,
    boolean leaderElection,
    String leaseNamespace,
    String address,
    int port,
    List<String> agentJvmOptions,
    EtcdSecurity etcdSecurity,
    EtcdSecrets groupEtcdSecrets,
    Duration watchStaleAfter) {
  public static final String DEFAULT_AGENT_IMAGE = "halo:0.1.0";

  public static final Duration DEFAULT_WATCH_STALE_AFTER = Duration.ofSeconds(30);
  public static final String WATCH_STALE_SECONDS = "HALO_WATCH_STALE_SECONDS";
  public static final String GROUP_ETCD_TLS_SECRET = "HALO_GROUP_ETCD_TLS_SECRET";
  public static final String GROUP_ETCD_CA_SECRET = "HALO_GROUP_ETCD_CA_SECRET";
  public static final String GROUP_ETCD_SERVER_NAME = "HALO_GROUP_ETCD_SERVER_NAME";
  public static final String GROUP_ETCD_CREDENTIALS_SECRET = "HALO_GROUP_ETCD_CREDENTIALS_SECRET";

  public OperatorConfig {
    etcdEndpoints = List.copyOf(etcdEndpoints);
    agentJvmOptions = List.copyOf(agentJvmOptions);
    Objects.requireNonNull(etcdSecurity, "etcdSecurity");
    Objects.requireNonNull(groupEtcdSecrets, "groupEtcdSecrets");
    if (watchStaleAfter.isNegative() || watchStaleAfter.isZero()) {
      throw new IllegalArgumentException("watchStaleAfter must be positive");
    }
  }

  /** A configuration that talks to etcd in plaintext without auth, without Secrets for groups. */
  public OperatorConfig(
      Set<String> namespaces,
      String agentImage,
      List<String> etcdEndpoints,
      boolean leaderElection,
      String leaseNamespace,
      String address,
      int port,
      List<String> agentJvmOptions) {
    this(
        namespaces,
        agentImage,
        etcdEndpoints,
        leaderElection,
        leaseNamespace,
        address,
        port,
        agentJvmOptions,
        EtcdSecurity.none(),
        EtcdSecrets.NONE,
        DEFAULT_WATCH_STALE_AFTER);
  }

  /** This configuration with another bound for a write unseen on its watch. */
  public OperatorConfig withWatchStaleAfter(Duration staleAfter) {
    return new OperatorConfig(
        namespaces,
        agentImage,
        etcdEndpoints,
        leaderElection,
        leaseNamespace,
        address,
        port,
        agentJvmOptions,
        etcdSecurity,
        groupEtcdSecrets,
        staleAfter);
  }

  /** The outcome of parsing: a configuration, or the problems found. */
  public record Result(Optional<OperatorConfig> config, List<String> errors) {}

  public static Result fromEnvironment(Map<String, String> env) {
    List<String> errors = new ArrayList<>();
    Set<String> namespaces =
        Arrays.stream(env.getOrDefault("HALO_WATCH_NAMESPACES", "").split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .collect(Collectors.toUnmodifiableSet());
    List<String> etcdEndpoints = etcdEndpoints(env, errors);
    EtcdSecurity etcdSecurity = EtcdSecurity.fromEnvironment(env);
    if (errors.isEmpty()) {
      errors.addAll(
          etcdSecurity.problems(etcdEndpoints.stream().map(java.net.URI::create).toList()));
    }
    EtcdSecrets groupEtcdSecrets = groupEtcdSecrets(env, etcdEndpoints, errors);
    String leaderElection = env.getOrDefault("HALO_LEADER_ELECTION", "true").trim();
    if (!leaderElection.equals("true") && !leaderElection.equals("false")) {
      errors.add("HALO_LEADER_ELECTION=\"" + leaderElection + "\" must be true or false");
    }
    String leaseNamespace =
        env.getOrDefault("HALO_LEADER_ELECTION_NAMESPACE", env.getOrDefault("POD_NAMESPACE", ""));
    if (leaderElection.equals("true") && leaseNamespace.isBlank()) {
      errors.add(
          "HALO_LEADER_ELECTION_NAMESPACE (or POD_NAMESPACE) is not set: leader election needs"
              + " the namespace of its Lease; set it, or HALO_LEADER_ELECTION=false for one replica");
    }
    int port = 8080;
    String rawPort = env.getOrDefault("HALO_OPERATOR_PORT", "8080").trim();
    try {
      port = Integer.parseInt(rawPort);
      if (port < 0 || port > 65535) {
        errors.add("HALO_OPERATOR_PORT=\"" + rawPort + "\" must be a port number from 0 to 65535");
      }
    } catch (NumberFormatException e) {
      errors.add("HALO_OPERATOR_PORT=\"" + rawPort + "\" must be a port number from 0 to 65535");
    }
    List<String> jvmOptions = agentJvmOptions(env.getOrDefault("HALO_AGENT_JVM_OPTIONS", ""));
    jvmOptions.stream()
        .filter(o -> !o.startsWith("-"))
        .forEach(
            o ->
                errors.add(
                    "HALO_AGENT_JVM_OPTIONS has \""
                        + o
                        + "\", which is not a JVM option; give options such as -Xmx24m,"
                        + " separated by spaces"));
    Duration watchStaleAfter = watchStaleAfter(env, errors);
    if (!errors.isEmpty()) {
      return new Result(Optional.empty(), List.copyOf(errors));
    }
    return new Result(
        Optional.of(
            new OperatorConfig(
                namespaces,
                env.getOrDefault("HALO_AGENT_IMAGE", DEFAULT_AGENT_IMAGE),
                etcdEndpoints,
                leaderElection.equals("true"),
                leaseNamespace,
                env.getOrDefault("HALO_OPERATOR_ADDRESS", "0.0.0.0"),
                port,
                jvmOptions,
                etcdSecurity,
                groupEtcdSecrets,
                watchStaleAfter)),
        List.of());
  }

  private static Duration watchStaleAfter(Map<String, String> env, List<String> errors) {
    String raw = env.getOrDefault(WATCH_STALE_SECONDS, "").trim();
    if (raw.isEmpty()) {
      return DEFAULT_WATCH_STALE_AFTER;
    }
    try {
      int seconds = Integer.parseInt(raw);
      if (seconds >= 1) {
        return Duration.ofSeconds(seconds);
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    errors.add(
        WATCH_STALE_SECONDS
            + "=\""
            + raw
            + "\" must be a whole number of seconds, 1 or more (default "
            + DEFAULT_WATCH_STALE_AFTER.toSeconds()
            + ")");
    return DEFAULT_WATCH_STALE_AFTER;
  }

  /**
   * The warning for default etcd endpoints on a loopback address (127.0.0.0/8, localhost, ::1),
   * which are copied into pods that cannot reach the operator's loopback. Only in a cluster ({@code
   * KUBERNETES_SERVICE_HOST} set): the sandbox runs etcd, agents and operator on one host, where
   * loopback is right.
   */
  public static Optional<String> loopbackWarning(OperatorConfig config, Map<String, String> env) {
    if (env.getOrDefault("KUBERNETES_SERVICE_HOST", "").isBlank()) {
      return Optional.empty();
    }
    List<String> loopback =
        config.etcdEndpoints().stream().filter(OperatorConfig::isLoopback).toList();
    if (loopback.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        "HALO_ETCD_ENDPOINTS has "
            + String.join(",", loopback)
            + ", a loopback address: it is copied into the pods of groups that list no"
            + " spec.election.endpoints, and no pod reaches the operator's loopback; set"
            + " HALO_ETCD_ENDPOINTS (chart value etcd.endpoints) to an address pods can reach,"
            + " e.g. http://etcd.halo-system.svc:2379");
  }

  static boolean isLoopback(String url) {
    String host;
    try {
      host = java.net.URI.create(url).getHost();
    } catch (IllegalArgumentException e) {
      return false;
    }
    if (host == null) {
      return false;
    }
    host = host.toLowerCase(java.util.Locale.ROOT).replace("[", "").replace("]", "");
    return host.equals("localhost")
        || host.endsWith(".localhost")
        || host.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}")
        || host.equals("::1")
        || host.equals("0:0:0:0:0:0:0:1");
  }

  private static List<String> etcdEndpoints(Map<String, String> env, List<String> errors) {
    List<String> endpoints =
        Arrays.stream(env.getOrDefault("HALO_ETCD_ENDPOINTS", "").split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .toList();
    endpoints.forEach(
        e -> ElectionRules.urlProblem(e).ifPresent(p -> errors.add("HALO_ETCD_ENDPOINTS=" + p)));
    return endpoints;
  }

  /**
   * The Secrets for groups that leave their endpoints to the operator: only with default endpoints,
   * valid names, and TLS settings exactly when those endpoints are https://.
   */
  private static EtcdSecrets groupEtcdSecrets(
      Map<String, String> env, List<String> endpoints, List<String> errors) {
    EtcdSecrets secrets =
        new EtcdSecrets(
            value(env, GROUP_ETCD_TLS_SECRET),
            value(env, GROUP_ETCD_CA_SECRET),
            value(env, GROUP_ETCD_SERVER_NAME),
            value(env, GROUP_ETCD_CREDENTIALS_SECRET));
    Map.of(
            GROUP_ETCD_TLS_SECRET, secrets.tlsSecret(),
            GROUP_ETCD_CA_SECRET, secrets.caSecret(),
            GROUP_ETCD_CREDENTIALS_SECRET, secrets.credentialsSecret())
        .forEach(
            (variable, name) ->
                name.flatMap(EtcdSecretRules::secretNameProblem)
                    .ifPresent(p -> errors.add(variable + "=" + p)));
    secrets
        .serverName()
        .flatMap(EtcdSecretRules::serverNameProblem)
        .ifPresent(p -> errors.add(GROUP_ETCD_SERVER_NAME + "=" + p));
    if (secrets.isEmpty()) {
      return secrets;
    }
    boolean https = endpoints.stream().anyMatch(e -> e.startsWith("https://"));
    if (endpoints.isEmpty()) {
      errors.add(
          "HALO_GROUP_ETCD_* Secrets are set but HALO_ETCD_ENDPOINTS is not: they apply only to"
              + " groups that use the default endpoints; set HALO_ETCD_ENDPOINTS (chart value"
              + " etcd.endpoints) or remove them");
    } else if (secrets.tls() && !https) {
      errors.add(
          "HALO_GROUP_ETCD_TLS_SECRET, _CA_SECRET or _SERVER_NAME is set but HALO_ETCD_ENDPOINTS"
              + " are http:// URLs; use https:// endpoints for a TLS etcd, or remove the TLS"
              + " settings for groups");
    } else if (secrets.serverName().isPresent() && secrets.caSource().isEmpty()) {
      errors.add(
          GROUP_ETCD_SERVER_NAME
              + " is set without "
              + GROUP_ETCD_TLS_SECRET
              + " or "
              + GROUP_ETCD_CA_SECRET
              + ": name the Secret whose ca.crt the agents trust");
    }
    return secrets;
  }

  private static Optional<String> value(Map<String, String> env, String variable) {
    return Optional.ofNullable(env.get(variable)).map(String::strip).filter(v -> !v.isEmpty());
  }

  private static List<String> agentJvmOptions(String raw) {
    if (raw.isBlank()) {
      return AgentDefaults.JVM_OPTIONS;
    }
    return List.of(raw.trim().split("\\s+"));
  }
}
