package dev.halo.agent;

import dev.halo.common.Backoff;
import dev.halo.common.Failures;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a hold key keeps this agent out of the election: its site's ({@link
 * dev.halo.common.ElectionKeys#siteHoldKey}, which its site's operator puts in manual failover mode
 * while the master is on another site) or its own ({@link
 * dev.halo.common.ElectionKeys#memberHoldKey}, which the operator puts for a member the spec never
 * wants as master). It reads the key, and again a period after each answer, and tells {@code
 * onHold} the first answer and every change: the key's value (why it holds) or empty when there is
 * none. A failed read keeps the last answer (fail static) and is tried again after a capped,
 * jittered backoff (from one period up to {@value #CAP_PERIODS} periods), so an etcd that fails at
 * once, or restarts under thousands of agents, sees fewer and spread-out reads; an answer resets
 * it. Between answers each agent waits 90 to 100 % of the period, so agents started together drift
 * apart instead of reading in step.
 */
final class Hold implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Hold.class);

  private final ElectionClient client;
  private final String key;
  private final String what;
  private final long periodMillis;
  private final Consumer<Optional<String>> onHold;
  private final ScheduledExecutorService exec;
  private final Backoff failures;
  private volatile boolean closed;
  private Optional<String> held;

  /** {@code what} names the hold in the log: {@code site} or {@code member}. */
  Hold(
      ElectionClient client,
      String key,
      String what,
      long periodMillis,
      ScheduledExecutorService exec,
      Consumer<Optional<String>> onHold) {
    this.client = client;
    this.key = key;
    this.what = what;
    this.periodMillis = periodMillis;
    this.exec = exec;
    this.onHold = onHold;
    this.failures =
        Backoff.equalJitter(
            Duration.ofMillis(periodMillis), Duration.ofMillis(periodMillis * CAP_PERIODS));
  }

  /** The backoff after failed reads grows to at most this many periods. */
  static final int CAP_PERIODS = 16;

  /** Starts reading, the first time at once. */
  void start() {
    exec.execute(this::read);
  }

  /**
   * Reads the key now, besides the periodic reads, and completes (never exceptionally) once the
   * answer was told to {@code onHold}, or at once after a failed read, which keeps the last answer.
   * An agent that steps down calls it before it rejoins, so a hold put just before the step-down
   * request keeps it out instead of letting it back into the queue until the next periodic read.
   */
  CompletableFuture<Void> readNow() {
    CompletableFuture<Void> told = new CompletableFuture<>();
    try {
      exec.execute(() -> fetch().whenComplete((answered, error) -> told.complete(null)));
    } catch (RejectedExecutionException e) {
      told.complete(null);
    }
    return told;
  }

  // On the executor thread; the next read is scheduled when this one is answered.
  private void read() {
    if (closed) {
      return;
    }
    fetch()
        .whenComplete(
            (answered, error) -> {
              if (!closed) {
                exec.schedule(
                    this::read,
                    nextDelayMillis(Boolean.TRUE.equals(answered)),
                    TimeUnit.MILLISECONDS);
              }
            });
  }

  // Reads the key and tells onHold a change, on the executor thread; completes with whether etcd
  // answered.
  private CompletableFuture<Boolean> fetch() {
    if (closed) {
      return CompletableFuture.completedFuture(false);
    }
    return client
        .value(key)
        .handleAsync(
            (value, error) -> {
              if (error != null) {
                log.atDebug()
                    .addKeyValue("key", key)
                    .addKeyValue("hold", what)
                    .addKeyValue("error", Failures.rootMessage(error))
                    .log("hold not read; keeping the last answer");
                return false;
              }
              if (!closed && !value.equals(held)) {
                held = value;
                log.atInfo()
                    .addKeyValue("key", key)
                    .addKeyValue("hold", what)
                    .addKeyValue("held", value.isPresent())
                    .addKeyValue("why", value.orElse(""))
                    .log(
                        value.isPresent()
                            ? "held out of the election: not campaigning"
                            : "not held: may campaign");
                onHold.accept(value);
              }
              return true;
            },
            exec);
  }

  // On the executor thread.
  private long nextDelayMillis(boolean answered) {
    if (!answered) {
      return failures.nextDelayMillis();
    }
    failures.reset();
    return periodMillis - ThreadLocalRandom.current().nextLong(periodMillis / 10 + 1);
  }

  @Override
  public void close() {
    closed = true;
  }
}
