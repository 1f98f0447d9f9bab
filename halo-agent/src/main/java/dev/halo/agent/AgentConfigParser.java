package dev.halo.agent;

import static dev.halo.common.AgentVariables.AGENT_ADDRESS;
import static dev.halo.common.AgentVariables.AGENT_PORT;
import static dev.halo.common.AgentVariables.ELECTION;
import static dev.halo.common.AgentVariables.ETCD_ENDPOINTS;
import static dev.halo.common.AgentVariables.GROUP_UID;
import static dev.halo.common.AgentVariables.HEALTH_FAILURES;
import static dev.halo.common.AgentVariables.HEALTH_HTTP;
import static dev.halo.common.AgentVariables.HEALTH_PERIOD_MS;
import static dev.halo.common.AgentVariables.HEALTH_TCP;
import static dev.halo.common.AgentVariables.LEASE_TTL_SECONDS;
import static dev.halo.common.AgentVariables.MEMBER;
import static dev.halo.common.AgentVariables.POD_NAME;
import static dev.halo.common.AgentVariables.POD_UID;
import static dev.halo.common.AgentVariables.ROLE_FILE;
import static dev.halo.common.AgentVariables.ROLE_HISTORY;
import static dev.halo.common.AgentVariables.ROLE_WEBHOOK;
import static dev.halo.common.AgentVariables.SITE;
import static dev.halo.common.AgentVariables.SITE_ADDRESS;

import dev.halo.agent.AgentConfig.HealthCheck;
import dev.halo.common.AgentDefaults;
import dev.halo.etcd.EtcdSecurity;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the agent's configuration from environment variables and validates it, returning every
 * problem as a message that names the variable and the fix instead of throwing.
 */
public final class AgentConfigParser {
  /** The outcome of parsing: a configuration, or the list of problems found. */
  public record Result(Optional<AgentConfig> config, List<String> errors) {}

  private final Map<String, String> env;
  private final List<String> errors = new ArrayList<>();

  private AgentConfigParser(Map<String, String> env) {
    this.env = env;
  }

  /** Parses and validates the variables in {@code env}. */
  public static Result parse(Map<String, String> env) {
    return new AgentConfigParser(env).parse();
  }

  private Result parse() {
    List<URI> endpoints = endpoints();
    EtcdSecurity security = EtcdSecurity.fromEnvironment(env);
    errors.addAll(security.problems(endpoints));
    String election = election();
    String member = member();
    int ttl =
        integer(
            LEASE_TTL_SECONDS,
            AgentDefaults.LEASE_TTL_SECONDS,
            AgentDefaults.MIN_LEASE_TTL_SECONDS,
            AgentDefaults.MAX_LEASE_TTL_SECONDS);
    String address = value(AGENT_ADDRESS).orElse("0.0.0.0");
    int port = integer(AGENT_PORT, AgentDefaults.PORT, 0, 65535);
    Optional<HealthCheck> health = health();
    int periodMs = integer(HEALTH_PERIOD_MS, 1000, 100, 3_600_000);
    int failures = integer(HEALTH_FAILURES, 3, 1, 1000);
    Optional<Path> roleFile = fileInExistingDirectory(ROLE_FILE);
    Optional<Path> roleHistory = fileInExistingDirectory(ROLE_HISTORY);
    Optional<URI> webhook = value(ROLE_WEBHOOK).map(v -> httpUrl(ROLE_WEBHOOK, v));
    if (!errors.isEmpty()) {
      return new Result(Optional.empty(), List.copyOf(errors));
    }
    AgentConfig config =
        new AgentConfig(
            endpoints,
            security,
            election,
            member,
            ttl,
            address,
            port,
            health,
            Duration.ofMillis(periodMs),
            failures,
            roleFile,
            webhook,
            value(POD_UID).orElse(""),
            value(GROUP_UID).orElse(""),
            roleHistory,
            value(SITE).orElse(""),
            value(SITE_ADDRESS).orElse(""));
    return new Result(Optional.of(config), List.of());
  }

  private List<URI> endpoints() {
    Optional<String> raw = value(ETCD_ENDPOINTS);
    if (raw.isEmpty()) {
      errors.add(
          ETCD_ENDPOINTS
              + " is not set: give the etcd client URLs, comma-separated,"
              + " e.g. http://etcd-0:2379,http://etcd-1:2379");
      return List.of();
    }
    List<URI> uris = new ArrayList<>();
    for (String part : raw.get().split(",")) {
      if (!part.isBlank()) {
        uris.add(httpUrl(ETCD_ENDPOINTS, part.trim()));
      }
    }
    if (uris.isEmpty()) {
      errors.add(ETCD_ENDPOINTS + " lists no URL: give at least one etcd client URL");
    }
    return uris;
  }

  private String election() {
    Optional<String> raw = value(ELECTION);
    if (raw.isEmpty()) {
      errors.add(
          ELECTION + " is not set: give the election name, e.g. /halo/<ns>/<group>/election");
      return "";
    }
    String name = raw.get();
    if (!name.startsWith("/") || name.endsWith("/") || name.contains("//")) {
      errors.add(
          ELECTION
              + "=\""
              + name
              + "\" is not a valid election name: it must start with '/', not end with '/'"
              + " and have no empty segment, e.g. /halo/<ns>/<group>/election");
    }
    return name;
  }

  private String member() {
    Optional<String> member = value(MEMBER).or(() -> value(POD_NAME));
    if (member.isEmpty()) {
      errors.add(
          MEMBER + " is not set (nor " + POD_NAME + "): give this candidate's name, the pod name");
      return "";
    }
    return member.get();
  }

  private Optional<HealthCheck> health() {
    Optional<String> http = value(HEALTH_HTTP);
    Optional<String> tcp = value(HEALTH_TCP);
    if (http.isPresent() && tcp.isPresent()) {
      errors.add("set only one of " + HEALTH_HTTP + " and " + HEALTH_TCP + ", not both");
      return Optional.empty();
    }
    if (http.isPresent()) {
      return Optional.of(new HealthCheck.Http(httpUrl(HEALTH_HTTP, http.get())));
    }
    return tcp.flatMap(this::tcpCheck);
  }

  private Optional<HealthCheck> tcpCheck(String raw) {
    int colon = raw.lastIndexOf(':');
    String hint = HEALTH_TCP + "=\"" + raw + "\" is not host:port, e.g. 127.0.0.1:5432";
    if (colon <= 0) {
      errors.add(hint);
      return Optional.empty();
    }
    try {
      int port = Integer.parseInt(raw.substring(colon + 1));
      if (port < 1 || port > 65535) {
        errors.add(hint);
        return Optional.empty();
      }
      return Optional.of(new HealthCheck.Tcp(raw.substring(0, colon), port));
    } catch (NumberFormatException e) {
      errors.add(hint);
      return Optional.empty();
    }
  }

  private Optional<Path> fileInExistingDirectory(String variable) {
    Optional<Path> file = value(variable).map(Path::of);
    file.map(Path::toAbsolutePath)
        .map(Path::getParent)
        .filter(dir -> !Files.isDirectory(dir))
        .ifPresent(
            dir ->
                errors.add(
                    variable + ": directory " + dir + " does not exist; mount a volume there"));
    return file;
  }

  private URI httpUrl(String variable, String raw) {
    try {
      URI uri = URI.create(raw);
      boolean http = "http".equals(uri.getScheme()) || "https".equals(uri.getScheme());
      if (http && uri.getHost() != null) {
        return uri;
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    errors.add(
        variable
            + "=\""
            + raw
            + "\" is not an http(s) URL with a host, e.g. http://127.0.0.1:2379");
    return URI.create("http://invalid");
  }

  private int integer(String variable, int defaultValue, int min, int max) {
    Optional<String> raw = value(variable);
    if (raw.isEmpty()) {
      return defaultValue;
    }
    try {
      int parsed = Integer.parseInt(raw.get().trim());
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    errors.add(
        variable + "=\"" + raw.get() + "\" must be a whole number from " + min + " to " + max);
    return defaultValue;
  }

  private Optional<String> value(String variable) {
    return Optional.ofNullable(env.get(variable)).filter(v -> !v.isBlank());
  }
}
