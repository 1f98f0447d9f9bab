package dev.halo.operator.election;

import static dev.halo.operator.election.ElectionKeyValues.bytes;
import static dev.halo.operator.election.ElectionKeyValues.candidate;
import static dev.halo.operator.election.ElectionKeyValues.fence;
import static dev.halo.operator.election.ElectionKeyValues.member;
import static dev.halo.operator.election.ElectionKeyValues.string;

import dev.halo.common.Backoff;
import dev.halo.common.Failures;
import dev.halo.common.Threads;
import dev.halo.etcd.EtcdClient;
import dev.halo.etcd.EtcdFailure;
import dev.halo.etcd.EtcdSecurity;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One etcd cluster as the operator sees it: a jetcd client, one watch on {@code /halo/} feeding an
 * {@link ElectionCache}, and a health check feeding {@link Reachability}; its writes are {@link
 * EtcdCalls} and {@link EtcdFences}, its key decoding {@link ElectionKeyValues}. When the watch
 * ends for any reason (error, compaction, a member losing quorum) it reads everything again and
 * watches from just after that read, so no event is missed. Failed reads and watches that keep
 * ending back off (capped, with jitter) until a watch proves healthy, so a member that ends every
 * watch at once cannot spin the operator. Everything that changes state runs on the connection's
 * single thread, so the watch, reads and health checks never race each other. A failure is
 * classified ({@link EtcdFailure}), so the groups' {@code EtcdReachable=False} says whether etcd is
 * down or refuses our TLS or credentials. Each time etcd becomes reachable, and every ten minutes,
 * it reads the members' server versions ({@link EtcdMemberVersions}) and keeps the warning of
 * {@link EtcdVersionRules}.
 */
final class EtcdConnection implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EtcdConnection.class);
  private static final ByteSequence ROOT = bytes("/halo/");
  private static final GetOption EVERYTHING = GetOption.builder().isPrefix(true).build();
  // Linearizable (the default), so a member that lost quorum fails it.
  private static final GetOption COUNT_ONLY =
      GetOption.builder().isPrefix(true).withCountOnly(true).build();
  private static final TimeUnit MILLIS = TimeUnit.MILLISECONDS;
  // A watch that lived this long was healthy, even if no election changed meanwhile.
  private static final long HEALTHY_WATCH_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final long FRESH_CLIENT_NANOS = TimeUnit.SECONDS.toNanos(5);
  private static final ThreadFactory THREADS = Threads.daemons("halo-etcd-watch");
  // Often enough to see a finished rolling upgrade of etcd.
  private static final long VERSION_CHECK_MS = TimeUnit.MINUTES.toMillis(10);

  private final String endpoints;
  private final List<URI> uris;
  private final EtcdSecurity security;
  private final ScheduledExecutorService exec;
  private final Consumer<String> onChange;
  private final long timeoutMs;
  private final Reachability reachability;
  private final ElectionCache cache = new ElectionCache();
  private final AtomicInteger watchesCreated = new AtomicInteger();
  private final WatchOpener watches;
  private final EtcdCalls calls;
  private final EtcdFences fences;
  private final EtcdMemberVersions memberVersions;
  private volatile Optional<String> versionWarning = Optional.empty();
  private Map<String, String> lastVersions = Map.of(); // confined to exec
  private volatile boolean closed;
  private volatile EtcdClient client;
  // Confined to exec:
  private long clientCreatedNanos;
  private Watch.Watcher watcher;
  private long generation;
  private boolean reading;
  private boolean checking;
  private final Backoff rebuilds =
      Backoff.equalJitter(Duration.ofMillis(250), Duration.ofSeconds(2));
  private long watchOpenedNanos;
  private ScheduledFuture<?> retry;

  /** Opens the watch on jetcd; a seam for tests that need a watch which ends at once. */
  @FunctionalInterface
  interface WatchOpener {
    Watch.Watcher open(
        Client client, ByteSequence key, WatchOption option, Watch.Listener listener);
  }

  /** Connects to {@code endpoints}; throws IllegalArgumentException if one is not a valid URI. */
  EtcdConnection(
      List<String> endpoints,
      EtcdSecurity security,
      Duration healthPeriod,
      Duration callTimeout,
      Consumer<String> onChange) {
    this(
        endpoints,
        security,
        healthPeriod,
        callTimeout,
        onChange,
        (c, k, o, l) -> c.getWatchClient().watch(k, o, l));
  }

  EtcdConnection(
      List<String> endpoints,
      Duration healthPeriod,
      Duration callTimeout,
      Consumer<String> onChange,
      WatchOpener watches) {
    this(endpoints, EtcdSecurity.none(), healthPeriod, callTimeout, onChange, watches);
  }

  EtcdConnection(
      List<String> endpoints,
      EtcdSecurity security,
      Duration healthPeriod,
      Duration callTimeout,
      Consumer<String> onChange,
      WatchOpener watches) {
    this.watches = watches;
    this.endpoints = String.join(",", endpoints);
    this.uris = endpoints.stream().map(URI::create).toList();
    this.security = security;
    this.onChange = onChange;
    this.timeoutMs = callTimeout.toMillis();
    this.client = newClient();
    this.clientCreatedNanos = System.nanoTime();
    this.calls = new EtcdCalls(() -> client, timeoutMs);
    this.fences = new EtcdFences(() -> client, timeoutMs);
    this.memberVersions = new EtcdMemberVersions(uris, () -> client.jetcd(), timeoutMs);
    // Two health checks that time out; outlasts a raft leader election (1-3 s).
    long graceNanos = 2 * (healthPeriod.toNanos() + callTimeout.toNanos());
    this.reachability = new Reachability(this.endpoints, graceNanos, System::nanoTime);
    this.exec = Executors.newSingleThreadScheduledExecutor(THREADS);
    onExec(() -> rebuild("start"));
    long periodMs = healthPeriod.toMillis();
    exec.scheduleAtFixedRate(() -> safely(this::checkHealth), periodMs, periodMs, MILLIS);
    exec.scheduleAtFixedRate(
        () -> safely(this::checkVersions), VERSION_CHECK_MS, VERSION_CHECK_MS, MILLIS);
  }

  /** The warning about the members' versions; empty when trusted or not read yet. */
  Optional<String> versionWarning() {
    return versionWarning;
  }

  ElectionView view(String election) {
    cache.request(election);
    if (!reachability.isKnown()) {
      // The first read's outcome notifies every tracked election, this one included.
      return ElectionView.notKnownYet(election, reachability.error());
    }
    if (!reachability.isReady()) {
      return ElectionView.unreachable(election, reachability.error(), reachability.reason());
    }
    return cache
        .get(election)
        .map(
            e ->
                new ElectionView(election, true, e.candidates(), e.revision(), "")
                    .withHistory(e.departures(), e.leaderSince())
                    .withFences(e.fences(), e.fenceGoneAtMillis())
                    .withSwitchover(e.switchover()))
        .orElseGet(() -> new ElectionView(election, true, List.of(), 0, ""));
  }

  CompletableFuture<Void> requestStepDown(
      String election, long leaseId, String reason, boolean legacyAgent) {
    return calls.requestStepDown(election, leaseId, reason, legacyAgent);
  }

  CompletableFuture<Boolean> requestRequeue(
      String election, long leaseId, String leaderKey, long leaderCreateRevision) {
    return calls.requestRequeue(election, leaseId, leaderKey, leaderCreateRevision);
  }

  CompletableFuture<Void> setSiteHold(String key, boolean held, String value) {
    return calls.setSiteHold(key, held, value);
  }

  CompletableFuture<Void> writeSwitchover(
      String election, Optional<SwitchoverRequest> request, long masterLease) {
    return calls.writeSwitchover(election, request, masterLease);
  }

  CompletableFuture<Void> writeRouted(String election, String value, long masterLease) {
    return calls.writeRouted(election, value, masterLease);
  }

  CompletableFuture<Removed> remove(String election, KeyRemoval removal) {
    return removal.path() == RemovalPath.IMMEDIATE
        ? calls
            .revoke(removal.key().leaseId())
            .thenApply(ok -> new Removed(removal.path(), 0, true))
        : fences.remove(election, removal);
  }

  CompletableFuture<Removed> finishFence(Fence fence) {
    return fences.finish(fence);
  }

  /** How many watches this connection has opened: one, plus one per rebuild. */
  int watchesCreated() {
    return watchesCreated.get();
  }

  @Override
  public void close() {
    closed = true;
    exec.shutdownNow();
    try {
      // Tasks never block, so this is short; it keeps a client swap from racing the close below.
      exec.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // Closes the watch too; its callbacks find the executor shut down and do nothing.
    client.close();
  }

  private EtcdClient newClient() {
    try {
      // Fail at once when no member accepts connections, instead of waiting for the timeout.
      return EtcdClient.open(uris, security, Duration.ofMillis(timeoutMs), false);
    } catch (IOException e) {
      // The TLS files were readable when the settings were validated: a Secret being replaced.
      throw new IllegalStateException(
          "cannot set up the etcd client for " + endpoints + ": " + e.getMessage(), e);
    }
  }

  /**
   * gRPC waits longer and longer between reconnects (up to 2 minutes), so after a long outage an
   * old channel can notice etcd's return late; a fresh one connects at once.
   */
  private void freshClientIfLongUnreachable() {
    if (!reachability.isUnreachable()
        || System.nanoTime() - clientCreatedNanos < FRESH_CLIENT_NANOS) {
      return;
    }
    EtcdClient old = client;
    client = newClient();
    clientCreatedNanos = System.nanoTime();
    old.close();
    log.atDebug().addKeyValue("endpoints", endpoints).log("new etcd client");
  }

  /** Reads everything and watches from just after that read; the only way back to READY. */
  private void rebuild(String reason) {
    if (closed || reading) {
      return;
    }
    reading = true;
    if (retry != null) {
      retry.cancel(false);
      retry = null;
    }
    if (watcher != null) {
      watcher.close();
      watcher = null;
    }
    freshClientIfLongUnreachable();
    long watchGeneration = ++generation;
    log.atDebug().addKeyValue("endpoints", endpoints).addKeyValue("reason", reason).log("reading");
    bounded(() -> client.jetcd().getKVClient().get(ROOT, EVERYTHING))
        .whenComplete((r, failure) -> onExec(() -> onRead(watchGeneration, r, failure)));
  }

  private void onRead(long watchGeneration, GetResponse response, Throwable failure) {
    reading = false;
    if (failure != null) {
      failed(failure);
      rebuildLater("retry");
      return;
    }
    long revision = response.getHeader().getRevision();
    List<Candidate> all = response.getKvs().stream().map(ElectionKeyValues::candidate).toList();
    List<ElectionCache.Member> members =
        response.getKvs().stream().flatMap(kv -> member(kv).stream()).toList();
    List<Fence> fences = response.getKvs().stream().flatMap(kv -> fence(kv).stream()).toList();
    List<ElectionKeyValues.Switchover> switchovers =
        response.getKvs().stream()
            .flatMap(kv -> ElectionKeyValues.switchover(kv).stream())
            .toList();
    Set<String> changed =
        new HashSet<>(cache.replaceAll(all, members, fences, switchovers, revision));
    // A successful read does not reset the backoff: a member can answer reads and still end
    // every watch at once; only a watch that proves healthy does.
    startWatch(watchGeneration, revision + 1);
    if (reachability.ready()) {
      log.atInfo()
          .addKeyValue("endpoints", endpoints)
          .addKeyValue("revision", revision)
          .log("etcd reachable; watching elections");
      changed.addAll(cache.tracked());
      checkVersions();
    }
    changed.forEach(onChange);
  }

  private void startWatch(long watchGeneration, long fromRevision) {
    WatchOption option =
        WatchOption.builder()
            .isPrefix(true)
            .withRevision(fromRevision)
            // A member that loses quorum ends the watch instead of going quiet.
            .withRequireLeader(true)
            .build();
    Watch.Listener listener =
        Watch.listener(
            r -> {
              long arrived = System.currentTimeMillis();
              onExec(() -> onEvents(watchGeneration, r, arrived));
            },
            t -> onExec(() -> onWatchEnded(watchGeneration, describe(t).message())),
            () -> onExec(() -> onWatchEnded(watchGeneration, "watch completed")));
    watcher = watches.open(client.jetcd(), ROOT, option, listener);
    watchOpenedNanos = System.nanoTime();
    watchesCreated.incrementAndGet();
  }

  private void onEvents(long watchGeneration, WatchResponse response, long arrivedAtMillis) {
    if (watchGeneration != generation) {
      return;
    }
    reachability.answered();
    rebuilds.reset(); // etcd delivered on this watch: it works
    Set<String> changed = new LinkedHashSet<>();
    cache.watched(arrivedAtMillis);
    for (WatchEvent event : response.getEvents()) {
      KeyValue kv = event.getKeyValue();
      Optional<String> election =
          switch (event.getEventType()) {
            case PUT ->
                ElectionKeyValues.switchover(kv)
                    .map(cache::putSwitchover)
                    .or(() -> fence(kv).map(cache::putFence))
                    .orElseGet(
                        () ->
                            member(kv)
                                .map(m -> cache.putMember(m, kv.getModRevision()))
                                .orElseGet(() -> cache.put(candidate(kv), kv.getModRevision())));
            case DELETE -> cache.delete(string(kv.getKey()), kv.getModRevision());
            default -> Optional.empty();
          };
      election.ifPresent(changed::add);
    }
    cache.settle();
    changed.forEach(onChange);
  }

  private void onWatchEnded(long watchGeneration, String why) {
    // Our own close of a replaced watch also ends up here, with an old generation.
    if (watchGeneration != generation) {
      return;
    }
    if (System.nanoTime() - watchOpenedNanos >= HEALTHY_WATCH_NANOS) {
      rebuilds.reset();
    }
    // Later callbacks of this watch (jetcd reports each of its retries, then the end) are stale.
    generation++;
    if (watcher != null) {
      watcher.close();
      watcher = null;
    }
    long delay = rebuildLater(why);
    log.atInfo()
        .addKeyValue("endpoints", endpoints)
        .addKeyValue("error", why)
        .addKeyValue("retryInMs", delay)
        .addKeyValue("failuresInARow", rebuilds.failures())
        .log("etcd watch ended; reading elections again");
  }

  /** Schedules a rebuild after the next backoff delay; returns the delay. */
  private long rebuildLater(String why) {
    long delay = rebuilds.nextDelayMillis();
    if (retry != null) {
      retry.cancel(false);
    }
    retry = exec.schedule(() -> safely(() -> rebuild(why)), delay, MILLIS);
    return delay;
  }

  private void checkHealth() {
    if (closed || checking || reading) {
      return;
    }
    checking = true;
    bounded(() -> client.jetcd().getKVClient().get(ROOT, COUNT_ONLY))
        .whenComplete((r, failure) -> onExec(() -> onHealthChecked(failure)));
  }

  private void checkVersions() {
    if (closed || !reachability.isReady()) {
      return;
    }
    memberVersions.read().whenComplete((versions, failure) -> onExec(() -> onVersions(versions)));
  }

  private void onVersions(Map<String, String> versions) {
    if (versions == null || versions.isEmpty()) {
      return; // nobody answered: no verdict, keep the last one
    }
    Optional<String> warning = EtcdVersionRules.warning(versions);
    boolean changed = !warning.equals(versionWarning);
    versionWarning = warning;
    if (!versions.equals(lastVersions)) {
      lastVersions = versions;
      (warning.isPresent() ? log.atWarn() : log.atInfo())
          .addKeyValue("endpoints", endpoints)
          .addKeyValue("versions", versions)
          .log(warning.orElse("etcd server versions are trusted"));
    }
    if (changed) {
      cache.tracked().forEach(onChange);
    }
  }

  private void onHealthChecked(Throwable failure) {
    checking = false;
    if (failure != null) {
      failed(failure);
      return;
    }
    reachability.answered();
    if (!reachability.isReady()) {
      rebuild("etcd answers again");
    }
  }

  private void failed(Throwable failure) {
    EtcdFailure why = describe(failure);
    if (reachability.failed(why)) {
      log.atWarn()
          .addKeyValue("endpoints", endpoints)
          .addKeyValue("etcdFailure", why.kind().reason())
          .addKeyValue("error", why.message())
          .log(
              why.kind() == EtcdFailure.Kind.UNREACHABLE
                  ? "etcd unreachable; labels stay as they are"
                  : "etcd refuses the operator's connection; labels stay as they are");
      cache.tracked().forEach(onChange);
    }
  }

  private void onExec(Runnable task) {
    try {
      exec.execute(() -> safely(task));
    } catch (RejectedExecutionException e) {
      // Closed: nothing is watched any more.
    }
  }

  private void safely(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      log.atError().addKeyValue("endpoints", endpoints).setCause(e).log("election watch failed");
    }
  }

  /** Makes the call (again at once after a stale token) within the call timeout. */
  private <T> CompletableFuture<T> bounded(Supplier<CompletableFuture<T>> call) {
    return client.call(call).orTimeout(timeoutMs, MILLIS);
  }

  private EtcdFailure describe(Throwable failure) {
    Throwable cause = Failures.unwrap(failure);
    if (cause instanceof TimeoutException) {
      return new EtcdFailure(EtcdFailure.Kind.UNREACHABLE, "no answer within " + timeoutMs + " ms");
    }
    EtcdFailure kind = EtcdFailure.classify(failure, security);
    return kind.kind() == EtcdFailure.Kind.UNREACHABLE
        ? new EtcdFailure(kind.kind(), String.valueOf(cause.getMessage()))
        : kind;
  }
}
