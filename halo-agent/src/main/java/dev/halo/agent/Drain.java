package dev.halo.agent;

import dev.halo.common.Backoff;
import dev.halo.common.ElectionKeys;
import dev.halo.common.Failures;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands over before the pod stops ({@link dev.halo.common.DrainHook}): leaves the election for good
 * (a master demotes at once, so a standby takes over without waiting for the TTL), then, if it was
 * master, waits until its operator has labelled the successor ({@link ElectionKeys#routedKey} names
 * another pod with a later term), so that the caller (the workload's {@code preStop}) returns only
 * once the traffic has moved. It does not wait when no other member is left to take over, nor
 * longer than the timeout. The first call starts it; later calls share its outcome.
 */
final class Drain {
  private static final Logger log = LoggerFactory.getLogger(Drain.class);

  /** How often the routed key and the leader are read while waiting. */
  static final long POLL_MS = 50;

  /** The longest pause between reads while etcd fails them (the backoff's cap). */
  static final long FAILING_POLL_CAP_MS = 1000;

  /** How a drain ended. */
  enum Outcome {
    /** Not master: it left the queue, nothing to wait for. */
    STANDBY,
    /** The successor is labelled master. */
    HANDED_OVER,
    /** No other member campaigns: the group has no master until one does. */
    NO_SUCCESSOR,
    /** The successor was not labelled within the timeout (the operator down or slow). */
    TIMED_OUT
  }

  /** A drain's outcome, whom it handed over to (if known) and how long it took. */
  record Result(Outcome outcome, String successor, long tookMillis) {
    String describe() {
      return switch (outcome) {
        case STANDBY -> "standby left the election";
        case HANDED_OVER -> "handed over to " + successor;
        case NO_SUCCESSOR -> "no other member to hand over to";
        case TIMED_OUT -> "successor not labelled in time";
      };
    }
  }

  private final ElectionClient client;
  private final ScheduledExecutorService exec;
  private final LongSupplier nanoClock;
  private final String member;
  private final String prefix;
  private final String routedKey;
  private final Supplier<Boolean> master;
  private final LongSupplier term;
  private final Supplier<CompletableFuture<Void>> leave;
  private CompletableFuture<Result> drained;
  // Reads that fail back off from one poll period to the cap, jittered; an answer resets it.
  private final Backoff failures =
      Backoff.equalJitter(Duration.ofMillis(POLL_MS), Duration.ofMillis(FAILING_POLL_CAP_MS));

  /**
   * {@code master} tells whether this agent is master or was until a moment ago (a deleted master's
   * operator may ask it to step down just before its hook calls), {@code term} the term of its
   * latest promotion; {@code leave} leaves the election for good.
   */
  Drain(
      ElectionClient client,
      ScheduledExecutorService exec,
      LongSupplier nanoClock,
      String member,
      String election,
      Supplier<Boolean> master,
      LongSupplier term,
      Supplier<CompletableFuture<Void>> leave) {
    this.client = client;
    this.exec = exec;
    this.nanoClock = nanoClock;
    this.member = member;
    this.prefix = ElectionKeys.prefix(election);
    this.routedKey = ElectionKeys.routedKey(election);
    this.master = master;
    this.term = term;
    this.leave = leave;
  }

  /** Whether a drain has started: the agent never campaigns again. */
  synchronized boolean started() {
    return drained != null;
  }

  /** Starts the drain, or returns the one under way; never completes exceptionally. */
  synchronized CompletableFuture<Result> start(Duration timeout) {
    if (drained != null) {
      return drained;
    }
    drained = new CompletableFuture<>();
    CompletableFuture<Result> result = drained;
    long started = nanoClock.getAsLong();
    boolean wasMaster = master.get();
    long myTerm = term.getAsLong();
    log.atInfo()
        .addKeyValue("member", member)
        .addKeyValue("master", wasMaster)
        .addKeyValue("timeoutMs", timeout.toMillis())
        .log(
            wasMaster
                ? "draining: handing over, then waiting for the successor to be labelled"
                : "draining: leaving the election");
    leave
        .get()
        .whenComplete(
            (ok, error) -> {
              if (error != null) {
                log.atWarn()
                    .addKeyValue("error", Failures.rootMessage(error))
                    .log("draining: leaving the election failed; the lease expires on its own");
              }
              if (!wasMaster) {
                finish(result, Outcome.STANDBY, "", started);
                return;
              }
              poll(result, started, started + timeout.toNanos(), myTerm, 0);
            });
    return result;
  }

  private void poll(
      CompletableFuture<Result> result, long started, long deadline, long myTerm, int leaderless) {
    client
        .value(routedKey)
        .thenCombine(client.leader(prefix), (routed, view) -> new Seen(routed, view.leader()))
        .whenComplete(
            (seen, error) -> {
              int noLeader = leaderless;
              long delay;
              if (seen == null) {
                delay = failures.nextDelayMillis();
              } else {
                failures.reset();
                delay = POLL_MS;
                String routed = seen.routed().orElse("");
                if (ElectionKeys.routedTermOfAnother(routed, member) > myTerm) {
                  finish(result, Outcome.HANDED_OVER, routed.split(" ")[0], started);
                  return;
                }
                noLeader = seen.leader().isEmpty() ? leaderless + 1 : 0;
                if (noLeader >= 2) {
                  finish(result, Outcome.NO_SUCCESSOR, "", started);
                  return;
                }
              }
              if (nanoClock.getAsLong() - deadline >= 0) {
                finish(result, Outcome.TIMED_OUT, "", started);
                return;
              }
              int next = noLeader;
              try {
                exec.schedule(
                    () -> poll(result, started, deadline, myTerm, next),
                    delay,
                    TimeUnit.MILLISECONDS);
              } catch (RejectedExecutionException e) {
                finish(result, Outcome.TIMED_OUT, "", started);
              }
            });
  }

  private record Seen(Optional<String> routed, Optional<ElectionClient.Candidate> leader) {}

  private void finish(CompletableFuture<Result> result, Outcome outcome, String to, long started) {
    Result r =
        new Result(outcome, to, TimeUnit.NANOSECONDS.toMillis(nanoClock.getAsLong() - started));
    var event = outcome == Outcome.TIMED_OUT ? log.atWarn() : log.atInfo();
    event
        .addKeyValue("member", member)
        .addKeyValue("outcome", outcome)
        .addKeyValue("successor", to)
        .addKeyValue("tookMs", r.tookMillis())
        .log(
            outcome == Outcome.TIMED_OUT
                ? "drained without seeing the successor labelled: is the operator running? The"
                    + " workload stops now"
                : "drained: " + r.describe());
    result.complete(r);
  }
}
