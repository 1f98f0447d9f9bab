package dev.halo.agent;

import dev.halo.agent.ElectionClient.Candidate;
import dev.halo.agent.ElectionClient.KeyChange;
import dev.halo.agent.ElectionClient.LeaderView;
import dev.halo.common.ElectionKeys;
import dev.halo.common.Failures;
import dev.halo.common.MemberIdentity;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.ObjLongConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Campaigns in the election with etcd's {@code concurrency.Election} semantics: joins, watches,
 * steps down when asked and rejoins; {@link MasterDecision} says from each leader read whether this
 * agent is master. All state lives on one executor thread; every etcd answer hops back onto it and
 * is dropped when it belongs to an older session (a session is one lease + key + watch, restarted
 * after any loss).
 */
final class Elector {
  private static final Logger log = LoggerFactory.getLogger(Elector.class);

  /** Where the elector is in its life. */
  enum Phase {
    /** Not campaigning: waiting for a healthy workload. */
    IDLE,
    /** Getting a lease and a key, or recovering them after a loss. */
    JOINING,
    /** In the queue with a live key; master when first. */
    CAMPAIGNING,
    STOPPED
  }

  private final AgentConfig config;
  private final ElectionClient client;
  private final RoleState roleState;
  private final LeaseKeeper leases;
  private final ScheduledExecutorService exec;
  private final LongSupplier nanoClock;
  private final String prefix;
  private final String fencePrefix;
  private volatile Phase phase = Phase.IDLE;
  private volatile String myKey = "";
  private volatile long myRevision;
  private volatile String myStepDownKey = "";
  private final WatchPair watches;
  private final MasterDecision decision;
  private final SessionRetries retries;

  /** The revoke a step-down started; a shutdown right after it waits for it before exiting. */
  private CompletableFuture<Void> stepDownRelease = CompletableFuture.completedFuture(null);

  private long session;

  /** Asked after a step-down, before rejoining: whether this agent may campaign again. */
  private Supplier<CompletableFuture<Boolean>> mayRejoin =
      () -> CompletableFuture.completedFuture(true);

  Elector(
      AgentConfig config,
      ElectionClient client,
      RoleState roleState,
      LeaseKeeper leases,
      ScheduledExecutorService exec,
      LongSupplier nanoClock) {
    this.config = config;
    this.client = client;
    this.roleState = roleState;
    this.leases = leases;
    this.exec = exec;
    this.prefix = ElectionKeys.prefix(config.election());
    this.fencePrefix = ElectionKeys.fencePrefix(config.election());
    this.nanoClock = nanoClock;
    this.watches = new WatchPair(client, exec, nanoClock);
    this.decision = new MasterDecision(roleState, leases, config.member());
    this.retries = new SessionRetries(config.etcdEndpoints(), config.etcdSecurity(), nanoClock);
    leases.onLeaseLost(id -> rejoin("lease-lost"));
  }

  /**
   * Sets what a step-down asks before the agent rejoins the queue: {@code false} (its hold came
   * with the request) leaves it idle until {@link #join} lets it in again; a failed answer rejoins.
   */
  void mayRejoinAfterStepDown(Supplier<CompletableFuture<Boolean>> check) {
    this.mayRejoin = check;
  }

  Phase phase() {
    return phase;
  }

  String key() {
    return myKey;
  }

  long createRevision() {
    return myRevision;
  }

  Optional<Candidate> leader() {
    return decision.leader();
  }

  /** The pod and lease whose fence holds this agent back from mastership; empty when none. */
  String fencedBy() {
    return decision.fencedBy();
  }

  /** Starts campaigning unless already in the queue (on the elector thread). */
  void join(String reason) {
    exec.execute(
        () -> {
          if (phase == Phase.IDLE) {
            startSession(reason);
          }
        });
  }

  /**
   * Re-confirms everything from etcd after the deadline passed or the key vanished. Any thread (a
   * deadline can be noticed on an HTTP thread); never blocks.
   */
  void rejoin(String reason) {
    try {
      exec.execute(
          () -> {
            if (phase == Phase.JOINING || phase == Phase.CAMPAIGNING) {
              decision.demote(reason);
              startSession(reason);
            }
          });
    } catch (RejectedExecutionException e) {
      log.atDebug().addKeyValue("reason", reason).log("rejoin after shutdown ignored");
    }
  }

  /**
   * Leaves the queue (workload unhealthy, or shutdown): demote, delete the key marked with why,
   * then revoke the lease. The demotion happens at once on the calling thread and also fences the
   * leader reads in flight, so an agent on its way out never becomes master.
   */
  CompletableFuture<Void> withdraw(String reason) {
    decision.resign(reason);
    return CompletableFuture.supplyAsync(
            () -> {
              if (phase == Phase.IDLE || phase == Phase.STOPPED) {
                return CompletableFuture.<Void>completedFuture(null);
              }
              decision.demote(reason);
              phase = reason.equals("shutdown") ? Phase.STOPPED : Phase.IDLE;
              endSession();
              String key = myKey;
              myKey = "";
              String why =
                  reason.equals("unhealthy") ? MemberIdentity.UNHEALTHY : MemberIdentity.RESIGNED;
              CompletableFuture<Void> revoke = leases.release(reason, leave(key, why));
              log.atInfo().addKeyValue("reason", reason).addKeyValue("key", key).log("withdrawn");
              return CompletableFuture.allOf(revoke, stepDownRelease.exceptionally(error -> null));
            },
            exec)
        .thenCompose(f -> f);
  }

  /**
   * Deletes the candidate {@code key} with the reason marked on its identity, in one transaction
   * ({@link ElectionClient#leave}), so the operator can tell a departure from an expired lease. A
   * failure is only logged: the revoke that follows removes the key anyway.
   */
  private CompletableFuture<Void> leave(String key, String why) {
    if (key.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    long lease = ElectionKeys.leaseOf(key);
    MemberIdentity marked = config.identity().leaving(why);
    return client
        .leave(
            key,
            lease,
            new ElectionClient.Identity(
                ElectionKeys.memberKey(config.election(), lease), marked.encode()))
        .whenComplete(
            (ok, error) -> {
              if (error != null) {
                log.atWarn()
                    .addKeyValue("key", key)
                    .addKeyValue("left", why)
                    .addKeyValue("error", Failures.rootMessage(error))
                    .log("could not mark the key as left; revoking the lease anyway");
              }
            });
  }

  /** Marks the elector stopped without touching etcd (used when withdraw already ran). */
  void stop() {
    exec.execute(
        () -> {
          phase = Phase.STOPPED;
          endSession();
        });
  }

  private void startSession(String reason) {
    if (phase == Phase.STOPPED) {
      return;
    }
    endSession();
    phase = Phase.JOINING;
    long s = session;
    leases
        .acquire()
        .thenCompose(lease -> campaign(lease).thenApply(rev -> new Candidacy(lease, rev)))
        .whenCompleteAsync(
            (joined, error) -> {
              if (s != session) {
                return;
              }
              if (error != null) {
                retryLater(reason, error);
                return;
              }
              myKey = joined.key(config.election());
              myStepDownKey = joined.stepDownKey(config.election());
              myRevision = joined.createRevision();
              phase = Phase.CAMPAIGNING;
              log.atInfo()
                  .addKeyValue("key", myKey)
                  .addKeyValue("createRevision", myRevision)
                  .addKeyValue("reason", reason)
                  .log("campaigning");
              observe(s);
            },
            exec);
  }

  private CompletableFuture<Long> campaign(long lease) {
    MemberIdentity identity = config.identity();
    return client.campaign(
        ElectionKeys.candidateKey(config.election(), lease),
        config.member(),
        lease,
        new ElectionClient.Identity(
            ElectionKeys.memberKey(config.election(), lease), identity.encode()));
  }

  /**
   * Reads the leader, then watches the prefix and this lease's step-down request from just after
   * that read, then looks whether the request already exists: the watch sees requests put after the
   * leader read, the lookup (made later) those put before it, so none is missed across a broken
   * watch.
   */
  private void observe(long s) {
    readLeader(
        s,
        "observe",
        (view, epoch) -> {
          watches.open(prefix, myStepDownKey, view.revision() + 1, new Events(s));
          decide(view, epoch, s);
          checkStepDownRequest(s);
        });
  }

  private void evaluate(long s) {
    readLeader(s, "evaluate", (view, epoch) -> decide(view, epoch, s));
  }

  /** Reads the leader and hands it on with the role epoch taken before the read (it fences). */
  private void readLeader(long s, String reason, ObjLongConsumer<LeaderView> then) {
    long epoch = roleState.epoch();
    long started = nanoClock.getAsLong();
    client
        .leader(prefix, fencePrefix)
        .whenCompleteAsync(
            (view, error) -> {
              log.atDebug()
                  .addKeyValue("reason", reason)
                  .addKeyValue("tookMs", (nanoClock.getAsLong() - started) / 1_000_000)
                  .log("leader read");
              if (!campaigning(s)) {
                return;
              }
              if (error != null) {
                retryLater(reason, error);
                return;
              }
              then.accept(view, epoch);
            },
            exec);
  }

  private void checkStepDownRequest(long s) {
    String key = myStepDownKey;
    client
        .exists(key)
        .whenCompleteAsync(
            (exists, error) -> {
              if (!campaigning(s) || !key.equals(myStepDownKey)) {
                return;
              }
              if (error != null) {
                retryLater("step-down lookup", error);
              } else if (exists) {
                stepDown();
              }
            },
            exec);
  }

  private void decide(LeaderView view, long epoch, long s) {
    decision
        .decide(view, epoch, myKey, myRevision)
        .ifPresent(
            delay -> exec.schedule(() -> evaluateIfCurrent(s), delay, TimeUnit.MILLISECONDS));
  }

  private void evaluateIfCurrent(long s) {
    if (campaigning(s)) {
      evaluate(s);
    }
  }

  private void onChanges(long s, List<KeyChange> changes) {
    if (!campaigning(s)) {
      return;
    }
    retries.etcdWorks(); // a watch delivered
    log.atDebug().addKeyValue("changes", changes.size()).log("election watch event");
    if (changes.stream().anyMatch(c -> !c.deleted() && c.key().equals(myStepDownKey))) {
      stepDown();
      return;
    }
    if (changes.stream().anyMatch(c -> c.deleted() && c.key().equals(myKey))) {
      log.atWarn().addKeyValue("key", myKey).log("own candidate key was deleted");
      decision.demote("lease-lost");
      startSession("key-deleted");
      return;
    }
    evaluate(s);
  }

  /**
   * The operator asked this lease to step down (a planned hand-over): demote first, then revoke the
   * lease, so that no one else is elected while this agent still answers master; then rejoin at the
   * back of the queue.
   */
  private void stepDown() {
    log.atInfo()
        .addKeyValue("key", myKey)
        .log("asked to step down: demoting, then revoking the lease");
    decision.demote("step-down");
    endSession();
    phase = Phase.JOINING;
    String key = myKey;
    myKey = "";
    myStepDownKey = "";
    long s = session;
    stepDownRelease = leases.release("step-down", leave(key, MemberIdentity.STEPPED_DOWN));
    stepDownRelease.whenCompleteAsync(
        (ok, error) -> {
          if (error != null) {
            log.atWarn()
                .addKeyValue("error", Failures.rootMessage(error))
                .log("revoking the lease after stepping down failed; etcd expires it");
          }
          if (s == session && phase == Phase.JOINING) {
            mayRejoin
                .get()
                .whenCompleteAsync((letIn, notAsked) -> rejoinAfterStepDown(s, letIn), exec);
          }
        },
        exec);
  }

  private void rejoinAfterStepDown(long s, Boolean letIn) {
    if (s != session || phase != Phase.JOINING) {
      return;
    }
    if (Boolean.FALSE.equals(letIn)) {
      endSession();
      phase = Phase.IDLE;
      log.atInfo().log("stepped down and stays out of the queue: held");
      return;
    }
    startSession("stepped-down");
  }

  private void onWatchEnded(long s, Throwable cause, long retryInMs, int failures) {
    if (!campaigning(s)) {
      return;
    }
    log.atInfo()
        .addKeyValue("error", Failures.rootMessage(cause))
        .addKeyValue("retryInMs", retryInMs)
        .addKeyValue("failuresInARow", failures)
        .log("election watch ended, re-reading");
    exec.schedule(() -> observeIfCurrent(s), retryInMs, TimeUnit.MILLISECONDS);
  }

  private void observeIfCurrent(long s) {
    if (campaigning(s)) {
      observe(s);
    }
  }

  private void retryLater(String reason, Throwable error) {
    long s = session;
    retries
        .delayFor(s, reason, error)
        .ifPresent(
            delay ->
                exec.schedule(
                    () -> {
                      if (s == session && phase != Phase.IDLE && phase != Phase.STOPPED) {
                        startSession(reason);
                      }
                    },
                    delay,
                    TimeUnit.MILLISECONDS));
  }

  private void endSession() {
    session++;
    watches.close();
  }

  private boolean campaigning(long s) {
    return s == session && phase == Phase.CAMPAIGNING;
  }

  /** The current watch pair's events, for one session. */
  private final class Events implements WatchPair.Events {
    private final long s;

    Events(long s) {
      this.s = s;
    }

    @Override
    public void onChanges(List<KeyChange> changes) {
      Elector.this.onChanges(s, changes);
    }

    @Override
    public void onEnded(Throwable cause, long retryInMs, int failures) {
      onWatchEnded(s, cause, retryInMs, failures);
    }
  }
}
