package dev.halo.agent;

import dev.halo.agent.ElectionClient.Lease;
import dev.halo.common.Failures;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the agent's etcd lease: grants it or re-attaches a surviving one, renews it with one-shot
 * keepalives (a master every {@link AgentConfig#keepAliveInterval()}, a standby less often), and
 * moves the local deadline forward from the send time of every renewal etcd confirmed. Runs on the
 * elector's thread.
 */
final class LeaseKeeper {
  private static final Logger log = LoggerFactory.getLogger(LeaseKeeper.class);
  private static final int MAX_IN_FLIGHT = 8;

  /** Told when etcd says the current lease is gone. */
  interface LossListener {
    void onLeaseLost(long leaseId);
  }

  private final ElectionClient client;
  private final RoleState roleState;
  private final AgentMetrics metrics;
  private final ScheduledExecutorService exec;
  private final LongSupplier nanoClock;
  private final long ttlSeconds;
  private final long marginNanos;
  private final Duration masterInterval;
  private final Duration standbyInterval;
  private LossListener lossListener = id -> {};
  private volatile ScheduledFuture<?> timer;
  private volatile boolean stopped;
  private volatile long leaseId;
  private volatile long lastSuccessNanos;
  private int inFlight;

  LeaseKeeper(
      ElectionClient client,
      RoleState roleState,
      AgentMetrics metrics,
      ScheduledExecutorService exec,
      LongSupplier nanoClock,
      AgentConfig config) {
    this.client = client;
    this.roleState = roleState;
    this.metrics = metrics;
    this.exec = exec;
    this.nanoClock = nanoClock;
    this.ttlSeconds = config.leaseTtlSeconds();
    this.marginNanos = config.deadlineMargin().toNanos();
    this.masterInterval = config.keepAliveInterval();
    this.standbyInterval = config.standbyKeepAliveInterval();
    roleState.onTransition(t -> roleChanged(t.to()));
  }

  void onLeaseLost(LossListener listener) {
    this.lossListener = listener;
  }

  long leaseId() {
    return leaseId;
  }

  /**
   * Whether etcd confirmed a renewal within the last three renewal intervals; renewals normally
   * answer within milliseconds, so missing three means etcd (or the way to it) is in trouble.
   */
  boolean etcdReachable() {
    return lastSuccessNanos != 0
        && nanoClock.getAsLong() - lastSuccessNanos < 3 * interval().toNanos();
  }

  private Duration interval() {
    return roleState.holdsMaster() ? masterInterval : standbyInterval;
  }

  void start() {
    schedule();
  }

  void stop() {
    stopped = true;
    if (timer != null) {
      timer.cancel(false);
    }
  }

  /**
   * A new master renews at once, then at the master's cadence (its deadline still counts from its
   * last standby renewal). Any thread.
   */
  private void roleChanged(Role to) {
    if (to != Role.MASTER) {
      return;
    }
    try {
      exec.execute(
          () -> {
            if (!stopped && timer != null && timer.cancel(false)) {
              tick();
            }
          });
    } catch (RejectedExecutionException e) {
      // the agent is stopping
    }
  }

  private void schedule() {
    if (!stopped) {
      timer = exec.schedule(this::tick, interval().toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private void tick() {
    try {
      renew();
    } finally {
      schedule();
    }
  }

  /**
   * Makes sure a live lease is held: re-attaches the current one when etcd still has it (same key,
   * same place in the queue), else grants a new one. Completes on the elector thread.
   */
  CompletableFuture<Long> acquire() {
    long current = leaseId;
    if (current == 0) {
      return grant();
    }
    long sent = nanoClock.getAsLong();
    return client
        .keepAliveOnce(current)
        .handleAsync(
            (lease, error) -> {
              if (error == null) {
                confirmed(current, sent, lease);
                log.atInfo().addKeyValue("lease", hex(current)).log("lease re-attached");
                return CompletableFuture.completedFuture(current);
              }
              if (JetcdElectionClient.isLeaseNotFound(error)) {
                forget(current, "lease-lost");
                return grant();
              }
              return CompletableFuture.<Long>failedFuture(error);
            },
            exec)
        .thenCompose(f -> f);
  }

  /** Stops using the lease and revokes it, which deletes its keys; completes when etcd answered. */
  CompletableFuture<Void> release(String reason) {
    return release(reason, CompletableFuture.completedFuture(null));
  }

  /**
   * Stops using the lease now and revokes it once {@code first} has completed (whichever way), so a
   * write that must reach etcd under the lease goes before the revoke.
   */
  CompletableFuture<Void> release(String reason, CompletableFuture<?> first) {
    long current = leaseId;
    if (current == 0) {
      return CompletableFuture.completedFuture(null);
    }
    forget(current, reason);
    return first.handle((ok, error) -> null).thenCompose(ignored -> client.revoke(current));
  }

  private CompletableFuture<Long> grant() {
    long sent = nanoClock.getAsLong();
    return client
        .grant((int) ttlSeconds)
        .thenApplyAsync(
            lease -> {
              roleState.invalidateLease("lease-replaced");
              leaseId = lease.id();
              confirmed(lease.id(), sent, lease);
              log.atInfo()
                  .addKeyValue("lease", hex(lease.id()))
                  .addKeyValue("ttlSeconds", lease.ttlSeconds())
                  .log("lease granted");
              return lease.id();
            },
            exec);
  }

  private void renew() {
    long current = leaseId;
    if (current == 0 || inFlight >= MAX_IN_FLIGHT) {
      return;
    }
    inFlight++;
    metrics.keepAliveSent();
    long sent = nanoClock.getAsLong();
    client
        .keepAliveOnce(current)
        .whenCompleteAsync(
            (lease, error) -> {
              inFlight--;
              if (error == null) {
                confirmed(current, sent, lease);
              } else if (JetcdElectionClient.isLeaseNotFound(error)) {
                if (current == leaseId) {
                  forget(current, "lease-lost");
                  lossListener.onLeaseLost(current);
                }
              } else {
                metrics.keepAliveFailed();
                log.atDebug()
                    .addKeyValue("lease", hex(current))
                    .addKeyValue("error", Failures.rootMessage(error))
                    .log("lease renewal failed");
              }
            },
            exec);
  }

  private void confirmed(long id, long sentNanos, Lease lease) {
    lastSuccessNanos = nanoClock.getAsLong();
    if (id != leaseId) {
      return;
    }
    // The server renewed at or after the send time, so it cannot expire the lease before
    // sent + TTL; the margin absorbs clock-rate differences between here and the server.
    long ttl = Math.min(ttlSeconds, lease.ttlSeconds());
    roleState.extendDeadline(sentNanos + TimeUnit.SECONDS.toNanos(ttl) - marginNanos);
  }

  private void forget(long id, String reason) {
    if (id == leaseId) {
      leaseId = 0;
      roleState.invalidateLease(reason);
      log.atWarn().addKeyValue("lease", hex(id)).addKeyValue("reason", reason).log("lease dropped");
    }
  }

  static String hex(long id) {
    return Long.toHexString(id);
  }
}
