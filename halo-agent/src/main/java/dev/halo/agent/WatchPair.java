package dev.halo.agent;

import dev.halo.agent.ElectionClient.KeyChange;
import dev.halo.common.Backoff;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The elector's two watches (the election prefix and its lease's step-down key), opened and closed
 * together under one generation. Only the first end of the current pair counts: the other watch's
 * end, jetcd's repeated error callbacks while it retries, and our own close of a replaced pair are
 * all dropped, so one broken watch never becomes two re-watch chains. Re-watching backs off while
 * pairs keep ending; it starts over once a pair has proven healthy (an event, or a long life). Runs
 * on the elector's thread.
 */
final class WatchPair {
  private static final Logger log = LoggerFactory.getLogger(WatchPair.class);

  /** A watch that lived this long was healthy, even if nothing changed meanwhile. */
  static final Duration HEALTHY_AFTER = Duration.ofSeconds(10);

  /** What the elector hears from the current pair, on its thread. */
  interface Events {
    void onChanges(List<KeyChange> changes);

    /** The pair ended (and is closed); re-watch after {@code retryInMs}. */
    void onEnded(Throwable cause, long retryInMs, int failures);
  }

  private final ElectionClient client;
  private final ScheduledExecutorService exec;
  private final LongSupplier nanoClock;
  private final Backoff backoff =
      Backoff.equalJitter(Duration.ofMillis(100), Duration.ofSeconds(2));
  private long generation;
  private boolean open;
  private long openedNanos;
  private AutoCloseable prefixWatch;
  private AutoCloseable stepDownWatch;

  WatchPair(ElectionClient client, ScheduledExecutorService exec, LongSupplier nanoClock) {
    this.client = client;
    this.exec = exec;
    this.nanoClock = nanoClock;
  }

  /** Replaces the current pair with watches of both keys from {@code fromRevision}. */
  void open(String prefix, String stepDownKey, long fromRevision, Events events) {
    close();
    open = true;
    openedNanos = nanoClock.getAsLong();
    long g = generation;
    prefixWatch = client.watch(prefix, fromRevision, new Handler(g, events));
    stepDownWatch = client.watch(stepDownKey, fromRevision, new Handler(g, events));
  }

  /** Closes the current pair; whatever its watches still report is dropped. */
  void close() {
    generation++;
    open = false;
    quietly(prefixWatch);
    quietly(stepDownWatch);
    prefixWatch = null;
    stepDownWatch = null;
  }

  private void changed(long g, List<KeyChange> changes, Events events) {
    if (g != generation || !open) {
      return;
    }
    backoff.reset(); // etcd delivered: this watch works
    events.onChanges(changes);
  }

  private void ended(long g, Throwable cause, Events events) {
    if (g != generation || !open) {
      return;
    }
    if (nanoClock.getAsLong() - openedNanos >= HEALTHY_AFTER.toNanos()) {
      backoff.reset();
    }
    close();
    long delay = backoff.nextDelayMillis();
    events.onEnded(cause, delay, backoff.failures());
  }

  private static void quietly(AutoCloseable watch) {
    if (watch != null) {
      try {
        watch.close();
      } catch (Exception e) {
        log.atDebug().addKeyValue("error", e.toString()).log("closing a watch failed");
      }
    }
  }

  /** Forwards one watch's callbacks (from jetcd's threads) onto the elector thread. */
  private final class Handler implements ElectionClient.WatchHandler {
    private final long g;
    private final Events events;

    Handler(long g, Events events) {
      this.g = g;
      this.events = events;
    }

    @Override
    public void onChanges(List<KeyChange> changes) {
      submit(() -> changed(g, changes, events));
    }

    @Override
    public void onBroken(Throwable cause) {
      submit(() -> ended(g, cause, events));
    }

    /** Closing the etcd client at shutdown ends the watches after the elector thread stopped. */
    private void submit(Runnable task) {
      try {
        exec.execute(task);
      } catch (RejectedExecutionException e) {
        log.atDebug().log("watch event after shutdown ignored");
      }
    }
  }
}
