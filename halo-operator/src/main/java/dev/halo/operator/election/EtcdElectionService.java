package dev.halo.operator.election;

import dev.halo.etcd.EtcdSecurity;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ElectionService} on jetcd: one {@link EtcdConnection} (client, watch and health check) per
 * distinct etcd endpoint list, shared by every group that uses that etcd.
 */
public final class EtcdElectionService implements ElectionService {
  private static final Logger log = LoggerFactory.getLogger(EtcdElectionService.class);
  private static final Duration DEFAULT_HEALTH_PERIOD = Duration.ofSeconds(1);
  private static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(1);

  private final Duration healthPeriod;
  private final Duration callTimeout;
  private final EtcdSecurity security;
  private final Map<String, EtcdConnection> connections = new ConcurrentHashMap<>();
  private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
  private boolean closed;

  /** Checks each etcd's health every second and bounds every call to one second. */
  public EtcdElectionService() {
    this(EtcdSecurity.none());
  }

  /** As {@link #EtcdElectionService()}, connecting with {@code security}. */
  public EtcdElectionService(EtcdSecurity security) {
    this(DEFAULT_HEALTH_PERIOD, DEFAULT_CALL_TIMEOUT, security);
  }

  public EtcdElectionService(Duration healthPeriod, Duration callTimeout) {
    this(healthPeriod, callTimeout, EtcdSecurity.none());
  }

  public EtcdElectionService(Duration healthPeriod, Duration callTimeout, EtcdSecurity security) {
    if (healthPeriod.isNegative() || healthPeriod.isZero()) {
      throw new IllegalArgumentException("healthPeriod must be positive, was " + healthPeriod);
    }
    if (callTimeout.isNegative() || callTimeout.isZero()) {
      throw new IllegalArgumentException("callTimeout must be positive, was " + callTimeout);
    }
    this.healthPeriod = healthPeriod;
    this.callTimeout = callTimeout;
    this.security = security;
  }

  @Override
  public ElectionView view(List<String> endpoints, String election) {
    try {
      return connection(endpoints).view(election);
    } catch (IllegalArgumentException | IllegalStateException e) {
      return ElectionView.unreachable(election, e.getMessage());
    }
  }

  @Override
  public CompletableFuture<Removed> remove(
      List<String> endpoints, String election, KeyRemoval removal) {
    try {
      return connection(endpoints).remove(election, removal);
    } catch (IllegalArgumentException | IllegalStateException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletableFuture<Removed> finishFence(List<String> endpoints, Fence fence) {
    try {
      return connection(endpoints).finishFence(fence);
    } catch (IllegalArgumentException | IllegalStateException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletableFuture<Void> requestStepDown(
      List<String> endpoints, String election, long leaseId, String reason) {
    return requestStepDown(endpoints, election, leaseId, reason, false);
  }

  @Override
  public CompletableFuture<Void> requestStepDown(
      List<String> endpoints, String election, long leaseId, String reason, boolean legacyAgent) {
    try {
      return connection(endpoints).requestStepDown(election, leaseId, reason, legacyAgent);
    } catch (IllegalArgumentException | IllegalStateException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletableFuture<Boolean> requestRequeue(
      List<String> endpoints,
      String election,
      long leaseId,
      String leaderKey,
      long leaderCreateRevision) {
    try {
      return connection(endpoints)
          .requestRequeue(election, leaseId, leaderKey, leaderCreateRevision);
    } catch (IllegalArgumentException | IllegalStateException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletableFuture<Void> setSiteHold(
      List<String> endpoints, String key, boolean held, String value) {
    try {
      return connection(endpoints).setSiteHold(key, held, value);
    } catch (IllegalArgumentException | IllegalStateException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletableFuture<Void> writeSwitchover(
      List<String> endpoints,
      String election,
      Optional<SwitchoverRequest> request,
      long masterLease) {
    try {
      return connection(endpoints).writeSwitchover(election, request, masterLease);
    } catch (IllegalArgumentException | IllegalStateException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletableFuture<Void> writeRouted(
      List<String> endpoints, String election, String value, long masterLease) {
    try {
      return connection(endpoints).writeRouted(election, value, masterLease);
    } catch (IllegalArgumentException | IllegalStateException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public Optional<String> versionWarning(List<String> endpoints) {
    EtcdConnection connection = connections.get(key(normalize(endpoints)));
    return connection == null ? Optional.empty() : connection.versionWarning();
  }

  @Override
  public void addListener(Consumer<String> listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
    }
    connections.values().forEach(EtcdConnection::close);
    connections.clear();
  }

  /** Watches opened so far for an endpoint list (0 if never used); the same list shares one. */
  int watchesCreated(List<String> endpoints) {
    EtcdConnection connection = connections.get(key(normalize(endpoints)));
    return connection == null ? 0 : connection.watchesCreated();
  }

  /** Number of etcd clusters being watched. */
  int connectionCount() {
    return connections.size();
  }

  private EtcdConnection connection(List<String> endpoints) {
    List<String> normalized = normalize(endpoints);
    if (normalized.isEmpty()) {
      throw new IllegalArgumentException("no etcd endpoints given");
    }
    String key = key(normalized);
    List<String> problems = security.problems(normalized.stream().map(URI::create).toList());
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
    EtcdConnection existing = connections.get(key);
    if (existing != null) {
      return existing;
    }
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("the election service is closed");
      }
      return connections.computeIfAbsent(
          key,
          k ->
              new EtcdConnection(
                  normalized, security, healthPeriod, callTimeout, this::notifyListeners));
    }
  }

  private void notifyListeners(String election) {
    for (Consumer<String> listener : listeners) {
      try {
        listener.accept(election);
      } catch (RuntimeException e) {
        log.atWarn().addKeyValue("election", election).setCause(e).log("election listener failed");
      }
    }
  }

  private static List<String> normalize(List<String> endpoints) {
    return endpoints == null
        ? List.of()
        : endpoints.stream()
            .filter(Objects::nonNull)
            .map(String::strip)
            .filter(e -> !e.isEmpty())
            .distinct()
            .sorted()
            .toList();
  }

  private static String key(List<String> normalized) {
    return String.join(",", normalized);
  }
}
