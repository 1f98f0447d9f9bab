package dev.halo.agent;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The agent's role and the local deadline that bounds it.
 *
 * <p>The agent is master only while {@code now < deadline}, where the deadline is the send time of
 * the last renewal that etcd confirmed plus TTL minus a margin: before it, etcd cannot have expired
 * the lease. {@link #role()} checks the deadline on every read, so a process that was paused past
 * its deadline answers {@code standby} the moment it runs again, before any watchdog gets to run.
 * Promotion needs a fencing epoch taken before the leadership read: any demotion or lease change in
 * between bumps the epoch and voids that read.
 */
public final class RoleState {
  /**
   * A change of role, with the reason and the leader as last read from etcd. {@code revision} of a
   * promotion is its term (this agent's candidate key's create revision). {@code atNanos} is read
   * from the agent's monotonic clock inside the lock: for a promotion before the master flag became
   * visible, for a demotion after it stopped being visible, so [promotion, demotion] covers every
   * instant {@link #role()} could answer master. {@code deadlineNanos} is the deadline in effect
   * then ({@link Long#MIN_VALUE} if none): a master interval ends at the earlier of the demotion
   * and that deadline.
   */
  public record Transition(
      Role from,
      Role to,
      String reason,
      String leader,
      long revision,
      long atNanos,
      long deadlineNanos) {}

  private static final long NO_DEADLINE = Long.MIN_VALUE;

  private final LongSupplier nanoClock;
  private final List<Consumer<Transition>> listeners = new CopyOnWriteArrayList<>();
  private Consumer<Transition> journal = t -> {};
  private volatile boolean master;
  private volatile long deadlineNanos = NO_DEADLINE;
  private long epoch;

  public RoleState(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  /** Registers a listener; listeners run on the thread that changed the role and must not block. */
  public void onTransition(Consumer<Transition> listener) {
    listeners.add(listener);
  }

  /**
   * Records every transition inside the lock, in order: a promotion before it becomes visible (so a
   * process killed at any instant never acted as master without a record of it), a demotion after
   * it took effect. The journal must be quick and must not throw; set it before the agent starts.
   */
  public synchronized void journal(Consumer<Transition> journal) {
    this.journal = journal;
  }

  /** The role to report now: master only while the deadline has not passed. */
  public Role role() {
    return master && beforeDeadline() ? Role.MASTER : Role.STANDBY;
  }

  /** Whether the agent holds master, its deadline aside (the watchdog's schedule). */
  public boolean holdsMaster() {
    return master;
  }

  /** Whether the agent holds master and its deadline has passed (the watchdog's question). */
  public boolean masterPastDeadline() {
    return master && !beforeDeadline();
  }

  private boolean beforeDeadline() {
    long deadline = deadlineNanos;
    return deadline != NO_DEADLINE && nanoClock.getAsLong() - deadline < 0;
  }

  /** Nanoseconds left before the deadline, or a negative number once it passed or is unset. */
  public long nanosLeft() {
    long deadline = deadlineNanos;
    return deadline == NO_DEADLINE ? -1 : deadline - nanoClock.getAsLong();
  }

  /** The current fencing epoch; take it before reading leadership from etcd. */
  public synchronized long epoch() {
    return epoch;
  }

  /** Moves the deadline later (never earlier) after etcd confirmed a renewal. */
  public synchronized void extendDeadline(long newDeadlineNanos) {
    if (deadlineNanos == NO_DEADLINE || newDeadlineNanos - deadlineNanos > 0) {
      deadlineNanos = newDeadlineNanos;
    }
  }

  /**
   * Forgets the deadline (the lease is gone or replaced): demotes with {@code reason} if master,
   * and fences every leadership read in flight.
   */
  public void invalidateLease(String reason) {
    Transition t;
    synchronized (this) {
      epoch++;
      t = master ? demoteLocked(reason, "", 0) : null;
      deadlineNanos = NO_DEADLINE;
    }
    publish(t);
  }

  /**
   * Becomes master if no demotion or lease change happened since {@code expectedEpoch} was taken
   * and the deadline has not passed. Returns whether the agent is master afterwards.
   */
  public boolean promote(long expectedEpoch, String reason, String leader, long revision) {
    Transition t;
    synchronized (this) {
      if (master) {
        return true;
      }
      if (epoch != expectedEpoch || !beforeDeadline()) {
        return false;
      }
      t =
          new Transition(
              Role.STANDBY,
              Role.MASTER,
              reason,
              leader,
              revision,
              nanoClock.getAsLong(),
              deadlineNanos);
      journal.accept(t);
      master = true;
    }
    publish(t);
    return true;
  }

  /** Stops being master, if it was, and then fences the reads in flight. */
  public void demote(String reason, String leader, long revision) {
    Transition t;
    synchronized (this) {
      if (!master) {
        return;
      }
      epoch++;
      t = demoteLocked(reason, leader, revision);
    }
    publish(t);
  }

  private Transition demoteLocked(String reason, String leader, long revision) {
    long deadline = deadlineNanos;
    master = false;
    Transition t =
        new Transition(
            Role.MASTER, Role.STANDBY, reason, leader, revision, nanoClock.getAsLong(), deadline);
    journal.accept(t);
    return t;
  }

  private void publish(Transition t) {
    if (t != null) {
      listeners.forEach(l -> l.accept(t));
    }
  }
}
