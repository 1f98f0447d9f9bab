package dev.halo.agent;

import java.time.Duration;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ScheduledExecutorService} without threads: tasks run on the test's thread, in order of
 * their due time on a {@link FakeClock} (then of submission), only when the test runs them. So an
 * elector's every step happens exactly when a test says.
 */
final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {
  private final FakeClock clock;
  private final PriorityQueue<Task> queue =
      new PriorityQueue<>(
          (a, b) -> {
            int byTime = Long.compare(a.dueNanos - b.dueNanos, 0);
            return byTime != 0 ? byTime : Long.compare(a.seq, b.seq);
          });
  private long sequence;
  private boolean shutdown;

  ManualScheduler(FakeClock clock) {
    this.clock = clock;
  }

  /** Runs every task that is due now, including those they submit for now. */
  void runDue() {
    Task next;
    while ((next = queue.peek()) != null && next.dueNanos - clock.nanoTime() <= 0) {
      queue.poll();
      next.run();
    }
  }

  /** Moves the clock forward by {@code d}, running each task at its due time on the way. */
  void advance(Duration d) {
    long target = clock.nanoTime() + d.toNanos();
    Task next;
    while ((next = queue.peek()) != null && next.dueNanos - target <= 0) {
      clock.advanceTo(next.dueNanos);
      runDue();
    }
    clock.advanceTo(target);
    runDue();
  }

  @Override
  public void execute(Runnable command) {
    schedule(command, 0, TimeUnit.NANOSECONDS);
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    if (shutdown) {
      throw new RejectedExecutionException("shut down");
    }
    Task task = new Task(command, clock.nanoTime() + unit.toNanos(delay), sequence++);
    queue.add(task);
    return task;
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    throw new UnsupportedOperationException("the agent schedules Runnables only");
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(
      Runnable command, long initialDelay, long period, TimeUnit unit) {
    throw new UnsupportedOperationException("the agent schedules one-shot tasks only");
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(
      Runnable command, long initialDelay, long delay, TimeUnit unit) {
    throw new UnsupportedOperationException("the agent schedules one-shot tasks only");
  }

  @Override
  public void shutdown() {
    shutdown = true;
  }

  @Override
  public List<Runnable> shutdownNow() {
    shutdown = true;
    List<Runnable> left = queue.stream().map(t -> t.command).toList();
    queue.clear();
    return left;
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public boolean isTerminated() {
    return shutdown && queue.isEmpty();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return isTerminated();
  }

  /** One submitted task; cancelling it before it ran keeps it from running. */
  private final class Task implements ScheduledFuture<Object> {
    private final Runnable command;
    private final long dueNanos;
    private final long seq;
    private boolean cancelled;
    private boolean done;

    Task(Runnable command, long dueNanos, long seq) {
      this.command = command;
      this.dueNanos = dueNanos;
      this.seq = seq;
    }

    void run() {
      if (!cancelled) {
        done = true;
        command.run();
      }
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(dueNanos - clock.nanoTime(), TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed o) {
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS));
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      if (done || cancelled) {
        return false;
      }
      cancelled = true;
      queue.remove(this);
      return true;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public boolean isDone() {
      return done || cancelled;
    }

    @Override
    public Object get() {
      throw new UnsupportedOperationException("the agent never waits on a scheduled task");
    }

    @Override
    public Object get(long timeout, TimeUnit unit) {
      throw new UnsupportedOperationException("the agent never waits on a scheduled task");
    }
  }
}
