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
 * the lease. Role, deadline, fencing epoch and term are one immutable {@link Snapshot}, replaced
 * whole under the lock and read without it, so a reader never pairs a master flag with another
 * moment's deadline. {@link #role()} checks the deadline on every read, so a process that was
 * paused past its deadline answers {@code standby} the moment it runs again.
 *
 * <p>A master whose deadline passed is demoted by whoever sees it first ({@link #role()}, {@link
 * #extendDeadline}, {@link #expire()} from the watchdog): the demotion bumps the epoch, so a
 * renewal answered late can move the deadline again but can no longer make the agent master; only a
 * leader read started after that demotion can. Promotion needs a fencing epoch taken before the
 * leadership read: any demotion or lease change in between bumps the epoch and voids that read.
 */
public final class RoleState {
  /**
   * A change of role, with the reason and the leader as last read from etcd. {@code revision} of a
   * promotion is its term (this agent's candidate key's create revision). {@code atNanos} is read
   * from the agent's monotonic clock inside the lock: for a promotion before the master flag became
   * visible, for a demotion after it stopped being visible, so [promotion, demotion] covers every
   * instant {@link #role()} could answer master. {@code deadlineNanos} is the deadline in effect
   * then ({@link #NO_DEADLINE} if none): a master interval ends at the earlier of the demotion and
   * that deadline.
   */
  public record Transition(
      Role from,
      Role to,
      String reason,
      String leader,
      long revision,
      long atNanos,
      long deadlineNanos) {}

  /**
   * The role and its validity at one moment: whether the agent holds master, the deadline that
   * bounds it ({@link #NO_DEADLINE} if none), the fencing epoch and the term of the master interval
   * (0 while standby).
   */
  public record Snapshot(boolean master, long deadlineNanos, long epoch, long term) {
    /** Whether this snapshot answers master at {@code nowNanos}: held and before the deadline. */
    public boolean masterAt(long nowNanos) {
      return master && before(deadlineNanos, nowNanos);
    }
  }

  /**
   * Told of a master demoted because its deadline passed, whoever noticed (the watchdog names the
   * reason and makes the elector re-confirm everything from etcd). Both run on the noticing thread
   * (an HTTP thread, the elector, the watchdog) and must not block.
   */
  public interface ExpiryHandler {
    /** Why the deadline was missed, for the demotion's reason. Runs inside the lock. */
    String reason(long nowNanos);

    /** After the demotion was published. */
    void expired(Transition demotion);
  }

  /** The deadline of an agent that has none (no lease confirmed). */
  public static final long NO_DEADLINE = Long.MIN_VALUE;

  private static final ExpiryHandler NO_HANDLER =
      new ExpiryHandler() {
        @Override
        public String reason(long nowNanos) {
          return "deadline-passed";
        }

        @Override
        public void expired(Transition demotion) {}
      };

  private final LongSupplier nanoClock;
  private final List<Consumer<Transition>> listeners = new CopyOnWriteArrayList<>();
  private Consumer<Transition> journal = t -> {};
  private volatile ExpiryHandler expiry = NO_HANDLER;
  private volatile Snapshot snapshot = new Snapshot(false, NO_DEADLINE, 0, 0);

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

  /** Sets who names and acts on a missed deadline; set it before the agent starts. */
  public void onExpiry(ExpiryHandler handler) {
    this.expiry = handler;
  }

  /** The role and its validity, as one consistent value. */
  public Snapshot snapshot() {
    return snapshot;
  }

  /** The role to report now: master only while the deadline has not passed. */
  public Role role() {
    Snapshot s = snapshot;
    if (!s.master()) {
      return Role.STANDBY;
    }
    if (s.masterAt(nanoClock.getAsLong())) {
      return Role.MASTER;
    }
    // This caller is the first to see the deadline passed: it makes it a demotion, so a late
    // renewal cannot bring the old flag back.
    expire();
    return Role.STANDBY;
  }

  /** Whether the agent holds master, its deadline aside (the watchdog's schedule). */
  public boolean holdsMaster() {
    return snapshot.master();
  }

  /** Whether the agent holds master and its deadline has passed (not yet demoted). */
  public boolean masterPastDeadline() {
    Snapshot s = snapshot;
    return s.master() && !s.masterAt(nanoClock.getAsLong());
  }

  /** Nanoseconds left before the deadline, or a negative number once it passed or is unset. */
  public long nanosLeft() {
    long deadline = snapshot.deadlineNanos();
    return deadline == NO_DEADLINE ? -1 : deadline - nanoClock.getAsLong();
  }

  /** The current fencing epoch; take it before reading leadership from etcd. */
  public long epoch() {
    return snapshot.epoch();
  }

  /**
   * Demotes a master whose deadline has passed, with the reason the {@link ExpiryHandler} gives,
   * then tells the handler. Returns whether this call demoted.
   */
  public boolean expire() {
    Transition t;
    synchronized (this) {
      t = expireLocked();
    }
    afterExpiry(t);
    return t != null;
  }

  /**
   * Moves the deadline later (never earlier) after etcd confirmed a renewal. A master whose
   * deadline already passed is demoted first: the renewal proves the lease, not that this agent
   * still leads, so only a new leader read may promote it again.
   */
  public void extendDeadline(long newDeadlineNanos) {
    Transition expired;
    synchronized (this) {
      expired = expireLocked();
      Snapshot s = snapshot;
      if (s.deadlineNanos() == NO_DEADLINE || newDeadlineNanos - s.deadlineNanos() > 0) {
        snapshot = new Snapshot(s.master(), newDeadlineNanos, s.epoch(), s.term());
      }
    }
    afterExpiry(expired);
  }

  /**
   * Forgets the deadline (the lease is gone or replaced): demotes with {@code reason} if master,
   * and fences every leadership read in flight.
   */
  public void invalidateLease(String reason) {
    Transition t;
    synchronized (this) {
      t = demoteLocked(reason, "", 0);
      Snapshot s = snapshot;
      snapshot = new Snapshot(false, NO_DEADLINE, s.epoch() + 1, 0);
    }
    publish(t);
  }

  /**
   * Becomes master with term {@code revision} if no demotion or lease change happened since {@code
   * expectedEpoch} was taken and the deadline has not passed. Returns whether the agent is master
   * afterwards.
   */
  public boolean promote(long expectedEpoch, String reason, String leader, long revision) {
    Transition expired;
    Transition t = null;
    synchronized (this) {
      expired = expireLocked();
      Snapshot s = snapshot;
      long now = nanoClock.getAsLong();
      if (s.master()) {
        return true;
      }
      if (s.epoch() == expectedEpoch && before(s.deadlineNanos(), now)) {
        t =
            new Transition(
                Role.STANDBY, Role.MASTER, reason, leader, revision, now, s.deadlineNanos());
        journal.accept(t);
        snapshot = new Snapshot(true, s.deadlineNanos(), s.epoch(), revision);
      }
    }
    afterExpiry(expired);
    publish(t);
    return t != null;
  }

  /** Stops being master, if it was, and then fences the reads in flight. */
  public void demote(String reason, String leader, long revision) {
    Transition t;
    synchronized (this) {
      t = demoteLocked(reason, leader, revision);
    }
    publish(t);
  }

  /**
   * Demotes if master and fences every leadership read in flight even if not: for an agent leaving
   * the election, so that no read it started before can make it master on its way out.
   */
  public void resign(String reason, String leader, long revision) {
    Transition t;
    synchronized (this) {
      t = demoteLocked(reason, leader, revision);
      Snapshot s = snapshot;
      snapshot = new Snapshot(false, s.deadlineNanos(), s.epoch() + 1, 0);
    }
    publish(t);
  }

  private Transition expireLocked() {
    Snapshot s = snapshot;
    long now = nanoClock.getAsLong();
    if (!s.master() || s.masterAt(now)) {
      return null;
    }
    return demoteLocked(expiry.reason(now), "", 0);
  }

  /** Demotes if master: bumps the epoch, then journals; null if there was nothing to demote. */
  private Transition demoteLocked(String reason, String leader, long revision) {
    Snapshot s = snapshot;
    if (!s.master()) {
      return null;
    }
    snapshot = new Snapshot(false, s.deadlineNanos(), s.epoch() + 1, 0);
    Transition t =
        new Transition(
            Role.MASTER,
            Role.STANDBY,
            reason,
            leader,
            revision,
            nanoClock.getAsLong(),
            s.deadlineNanos());
    journal.accept(t);
    return t;
  }

  private void afterExpiry(Transition t) {
    if (t != null) {
      publish(t);
      expiry.expired(t);
    }
  }

  private void publish(Transition t) {
    if (t != null) {
      listeners.forEach(l -> l.accept(t));
    }
  }

  private static boolean before(long deadlineNanos, long nowNanos) {
    return deadlineNanos != NO_DEADLINE && nowNanos - deadlineNanos < 0;
  }
}
