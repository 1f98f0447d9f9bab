package dev.halo.agent;

import dev.halo.common.Threads;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Demotes the agent when its deadline passes, on a thread of its own that makes no etcd call, so
 * that a hanging etcd client or a busy elector thread cannot delay the demotion. Whoever sees the
 * deadline passed first (this thread, a {@code /role} request, a late renewal) demotes through
 * {@link RoleState#expire()}; this class then names the reason and makes the elector re-confirm
 * everything from etcd, so it never matters which of them came first.
 */
final class DeadlineWatchdog implements RoleState.ExpiryHandler, AutoCloseable {
  // A master sleeps until its deadline: the deadline only ever moves later (a renewal) or goes
  // away with a demotion made elsewhere, so waking at the deadline it had is never too late, and
  // a renewed master just sleeps again. A standby has no deadline to watch and is woken at once
  // when it is promoted (an unpark before the park makes the park return at once, so no wake-up
  // is lost). The cap only bounds a sleep should one be lost all the same. A fixed 20 ms tick, and
  // later a 1 s cap, cost more CPU than anything else thousands of in-process agents did.
  private static final long MAX_SLEEP_NANOS = TimeUnit.SECONDS.toNanos(5);
  // Waking this much later than planned means the whole process was stopped or starved.
  private static final long PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  private final RoleState roleState;
  private final LeaseKeeper leases;
  private final Elector elector;
  private final LongSupplier nanoClock;
  private volatile Thread thread;
  private volatile boolean running = true;
  // When this thread planned to wake next: a deadline noticed much later than that means the
  // whole process was stopped or starved, not that renewals failed.
  private volatile long wakeAt;

  DeadlineWatchdog(
      RoleState roleState, LeaseKeeper leases, Elector elector, LongSupplier nanoClock) {
    this.roleState = roleState;
    this.leases = leases;
    this.elector = elector;
    this.nanoClock = nanoClock;
    this.wakeAt = nanoClock.getAsLong();
    roleState.onExpiry(this);
    roleState.onTransition(t -> wake());
  }

  void start() {
    Thread t = Threads.daemon("halo-deadline-watchdog", this::loop);
    t.setPriority(Thread.MAX_PRIORITY);
    thread = t;
    t.start();
  }

  /** Re-evaluates now: called on every role transition, so a new master is watched at once. */
  void wake() {
    Thread t = thread;
    if (t != null) {
      LockSupport.unpark(t);
    }
  }

  private void loop() {
    while (running) {
      LockSupport.parkNanos(checkOnce());
    }
  }

  /** One decision: demotes a master whose deadline passed; returns how long to sleep. */
  long checkOnce() {
    roleState.expire();
    long park = nextPark(roleState.holdsMaster(), roleState.nanosLeft());
    wakeAt = nanoClock.getAsLong() + park;
    return park;
  }

  /** {@code etcd-unreachable} when renewals failed, {@code deadline-passed} after a pause. */
  @Override
  public String reason(long nowNanos) {
    boolean paused = nowNanos - wakeAt > PAUSE_NANOS;
    return !paused && !leases.etcdReachable() ? "etcd-unreachable" : "deadline-passed";
  }

  /** The lease may be gone: the elector re-attaches or replaces it and reads the leader anew. */
  @Override
  public void expired(RoleState.Transition demotion) {
    elector.rejoin(demotion.reason());
  }

  /** How long to sleep: a master until its deadline, never more than the cap. */
  static long nextPark(boolean master, long nanosLeft) {
    return master && nanosLeft > 0 ? Math.min(nanosLeft, MAX_SLEEP_NANOS) : MAX_SLEEP_NANOS;
  }

  @Override
  public void close() {
    running = false;
    Thread t = thread;
    if (t != null) {
      t.interrupt();
    }
  }
}
