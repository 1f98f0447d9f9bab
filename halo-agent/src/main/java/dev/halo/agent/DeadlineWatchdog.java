package dev.halo.agent;

import dev.halo.common.Threads;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Demotes the agent when its deadline passes, on a thread of its own that makes no etcd call, so
 * that a hanging etcd client or a busy elector thread cannot delay the demotion.
 */
final class DeadlineWatchdog implements AutoCloseable {
  // A master sleeps until its deadline: the deadline only ever moves later (a renewal) or goes
  // away with a demotion made elsewhere, so waking at the deadline it had is never too late, and
  // a renewed master just sleeps again. A standby has no deadline to watch and is woken at once
  // when it is promoted (an unpark before the park makes the park return at once, so no wake-up
  // is lost). The cap only bounds a sleep should one be lost all the same. A fixed 20 ms tick, and
  // later a 1 s cap, cost more CPU than anything else thousands of in-process agents did.
  private static final long MAX_SLEEP_NANOS = TimeUnit.SECONDS.toNanos(5);
  // Waking this much later than asked means the whole process was stopped or starved.
  private static final long PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  private final RoleState roleState;
  private final LeaseKeeper leases;
  private final Elector elector;
  private final Thread thread;
  private volatile boolean running = true;

  DeadlineWatchdog(RoleState roleState, LeaseKeeper leases, Elector elector) {
    this.roleState = roleState;
    this.leases = leases;
    this.elector = elector;
    this.thread = Threads.daemon("halo-deadline-watchdog", this::loop);
    thread.setPriority(Thread.MAX_PRIORITY);
  }

  void start() {
    thread.start();
  }

  /** Re-evaluates now: called on every role transition, so a new master is watched at once. */
  void wake() {
    LockSupport.unpark(thread);
  }

  private void loop() {
    long wakeAt = System.nanoTime();
    while (running) {
      long now = System.nanoTime();
      boolean paused = now - wakeAt > PAUSE_NANOS;
      if (roleState.masterPastDeadline()) {
        String reason = !paused && !leases.etcdReachable() ? "etcd-unreachable" : "deadline-passed";
        roleState.demote(reason, "", 0);
        elector.rejoin(reason);
      }
      long park = nextPark(roleState.holdsMaster(), roleState.nanosLeft());
      wakeAt = System.nanoTime() + park;
      LockSupport.parkNanos(park);
    }
  }

  /** How long to sleep: a master until its deadline, never more than the cap. */
  static long nextPark(boolean master, long nanosLeft) {
    return master && nanosLeft > 0 ? Math.min(nanosLeft, MAX_SLEEP_NANOS) : MAX_SLEEP_NANOS;
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
  }
}
