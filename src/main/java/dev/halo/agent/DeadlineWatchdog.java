package dev.halo.agent;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Demotes the agent when its deadline passes, on a thread of its own that makes no etcd call, so
 * that a hanging etcd client or a busy elector thread cannot delay the demotion.
 */
final class DeadlineWatchdog implements AutoCloseable {
  private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  // A gap this long between two ticks means the whole process was stopped or starved.
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
    this.thread = new Thread(this::loop, "halo-deadline-watchdog");
    thread.setDaemon(true);
    thread.setPriority(Thread.MAX_PRIORITY);
  }

  void start() {
    thread.start();
  }

  private void loop() {
    long lastTick = System.nanoTime();
    while (running) {
      long now = System.nanoTime();
      boolean paused = now - lastTick > PAUSE_NANOS;
      lastTick = now;
      if (roleState.masterPastDeadline()) {
        String reason = !paused && !leases.etcdReachable() ? "etcd-unreachable" : "deadline-passed";
        roleState.demote(reason, "", 0);
        elector.rejoin(reason);
      }
      long left = roleState.nanosLeft();
      LockSupport.parkNanos(left > 0 ? Math.min(left, TICK_NANOS) : TICK_NANOS);
    }
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
  }
}
