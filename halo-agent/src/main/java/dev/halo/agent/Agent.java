package dev.halo.agent;

import dev.halo.common.DrainHook;
import dev.halo.common.ElectionKeys;
import dev.halo.common.Failures;
import dev.halo.common.Threads;
import dev.halo.etcd.EtcdFailure;
import java.io.IOException;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One elector agent: the etcd client, lease keeper, elector, deadline watchdog, workload probe,
 * role publisher and local HTTP API, started and stopped together. Tests and the sandbox run it
 * in-process; {@code halo agent} runs it as the sidecar's main program.
 */
public final class Agent implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Agent.class);
  private static final long SHUTDOWN_BUDGET_MS = 700;

  /** How often an agent of a multi-site group reads whether its site is held out. */
  static final long SITE_HOLD_PERIOD_MS = 1000;

  /** How often an agent reads whether it is held out itself (e.g. spec.election.neverMaster). */
  static final long MEMBER_HOLD_PERIOD_MS = 1000;

  private final AgentConfig config;
  private final ElectionClient client;
  private final ScheduledExecutorService exec;
  private final AgentClock clock = AgentClock.system();
  private final RoleState roleState = new RoleState(clock::nanoTime);
  private final AgentMetrics metrics;
  private final LeaseKeeper leases;
  private final Elector elector;
  private final DeadlineWatchdog watchdog;
  private final RolePublisher publisher;
  private final Optional<HealthProbe> probe;
  private final Optional<RoleHistoryLog> history;
  private final AgentHttpServer http;
  private final Optional<Hold> siteHold;
  // The site's hold key, read by siteHold; empty for a group on one site.
  private final String holdKey;
  private final Hold memberHold;
  // This member's own hold key, read by memberHold.
  private final String memberHoldKey;
  private volatile boolean stopped;
  private volatile boolean healthy;

  // Null until the site's hold was first read: a site's agent joins only once it knows.
  private volatile Boolean held;
  // Null until the member's hold was first read: every agent joins only once it knows; the hold's
  // value (why) while held, empty when not.
  private volatile Optional<String> memberHeld;
  // The term of the latest promotion, set by the first transition listener: a /status read in the
  // instant between a promotion and that listener reports the previous (lower) term, which a store
  // refuses at worst; never a higher one, as the leader last read can be just before a demotion.
  private volatile long masterTerm;
  // When this agent last stopped being master (0: never was): a drain that starts just after a
  // step-down the operator asked (a deleted master: both react to the deletion) still waits for
  // the successor's route.
  private volatile long demotedAtNanos;
  // The pre-stop hand-over (GET /drain): once started, the agent never campaigns again.
  private final Drain drain;
  private final ScheduledExecutorService drainTimer;

  private Agent(AgentConfig config, ElectionClient client) throws IOException {
    this.config = config;
    this.client = client;
    this.exec = Executors.newSingleThreadScheduledExecutor(r -> Threads.daemon("halo-elector", r));
    this.metrics = new AgentMetrics(roleState, config.member());
    this.leases = new LeaseKeeper(client, roleState, metrics, exec, clock::nanoTime, config);
    this.elector = new Elector(config, client, roleState, leases, exec, clock::nanoTime);
    this.watchdog = new DeadlineWatchdog(roleState, leases, elector, clock::nanoTime);
    this.publisher =
        new RolePublisher(
            config.roleFile(),
            config.roleWebhook(),
            config.member(),
            config.roleJsonRefreshInterval(),
            new RolePublisher.Live(this::validUntil, elector::leader));
    this.probe =
        config
            .health()
            .map(
                check ->
                    new HealthProbe(
                        check, config.healthPeriod(), config.healthFailures(), this::onHealth));
    this.drainTimer =
        Executors.newSingleThreadScheduledExecutor(r -> Threads.daemon("halo-agent-drain", r));
    this.drain =
        new Drain(
            client,
            exec,
            clock::nanoTime,
            config.member(),
            config.election(),
            this::masterOfLate,
            () -> masterTerm,
            () -> elector.withdraw("drain"));
    this.http =
        new AgentHttpServer(
            config.bindAddress(),
            config.port(),
            roleState,
            this::status,
            metrics::scrape,
            new DrainEndpoint(
                drain, DrainHook.token(config.groupUid(), config.member()), drainTimer));
    this.history =
        config
            .roleHistory()
            .map(file -> new RoleHistoryLog(file, config.member(), leases::leaseId, clock));
    history.ifPresent(roleState::journal);
    roleState.onTransition(this::onTransition);
    this.holdKey =
        config.site().isEmpty() ? "" : ElectionKeys.siteHoldKey(config.election(), config.site());
    this.siteHold =
        holdKey.isEmpty()
            ? Optional.empty()
            : Optional.of(
                new Hold(
                    client,
                    holdKey,
                    "site",
                    SITE_HOLD_PERIOD_MS,
                    exec,
                    v -> onHold(v.isPresent())));
    this.memberHoldKey =
        ElectionKeys.memberHoldKey(config.election(), config.site(), config.member());
    this.memberHold =
        new Hold(client, memberHoldKey, "member", MEMBER_HOLD_PERIOD_MS, exec, this::onMemberHold);
    elector.mayRejoinAfterStepDown(this::letInAfterStepDown);
  }

  /** Starts an agent talking to etcd through jetcd. */
  public static Agent start(AgentConfig config) throws IOException {
    return start(
        config,
        new JetcdElectionClient(
            config.etcdEndpoints(), config.etcdSecurity(), config.callTimeout()));
  }

  /** Starts an agent on the given client. */
  public static Agent start(AgentConfig config, ElectionClient client) throws IOException {
    Agent agent;
    try {
      agent = new Agent(config, client);
    } catch (IOException | RuntimeException e) {
      client.close();
      throw e;
    }
    agent.begin();
    return agent;
  }

  private void begin() throws IOException {
    publisher.initialize();
    http.start();
    leases.start();
    watchdog.start();
    log.atInfo()
        .addKeyValue("member", config.member())
        .addKeyValue("election", config.election())
        .addKeyValue("endpoints", config.etcdEndpoints())
        .addKeyValue("ttlSeconds", config.leaseTtlSeconds())
        .addKeyValue("port", http.port())
        .addKeyValue("healthCheck", config.health().isPresent())
        .log("agent started");
    siteHold.ifPresent(Hold::start);
    memberHold.start();
    if (probe.isPresent()) {
      probe.get().start();
    } else {
      healthy = true;
      joinIfLetIn("start");
    }
  }

  /** Tells {@code listener} of every role change, on the thread that made it; must not block. */
  public void onTransition(java.util.function.Consumer<RoleState.Transition> listener) {
    roleState.onTransition(listener);
  }

  public Role role() {
    return roleState.role();
  }

  public int port() {
    return http.port();
  }

  public AgentConfig config() {
    return config;
  }

  /** The snapshot that {@code /status} serves. */
  public AgentStatus status() {
    long lease = leases.leaseId();
    Optional<EtcdFailure> failure = client.lastFailure();
    Role role = roleState.role();
    Optional<ElectionClient.Candidate> seen = elector.leader();
    long term =
        role == Role.MASTER
            ? masterTerm
            : seen.map(ElectionClient.Candidate::createRevision).orElse(0L);
    return new AgentStatus(
        config.member(),
        role.wire(),
        term,
        role == Role.MASTER ? validUntil().map(RoleNotice::format).orElse(null) : null,
        seen.map(ElectionClient.Candidate::value).orElse(""),
        term,
        lease == 0 ? "" : LeaseKeeper.hex(lease),
        elector.key(),
        elector.createRevision(),
        Math.max(0, TimeUnit.NANOSECONDS.toMillis(roleState.nanosLeft())),
        elector.phase() == Elector.Phase.CAMPAIGNING,
        leases.etcdReachable(),
        elector.phase().name().toLowerCase(Locale.ROOT),
        config.leaseTtlSeconds(),
        failure.map(f -> f.kind().reason()).orElse(""),
        failure.map(EtcdFailure::message).orElse(""),
        elector.fencedBy(),
        Boolean.TRUE.equals(held) || heldAsMember(),
        holdKey,
        memberHoldKey,
        heldOutReason());
  }

  private boolean heldAsMember() {
    Optional<String> m = memberHeld;
    return m != null && m.isPresent();
  }

  /** Why this agent does not campaign although healthy: its site's hold, its own, or neither. */
  private String heldOutReason() {
    if (Boolean.TRUE.equals(held)) {
      return "site held out (manual failover): " + holdKey;
    }
    Optional<String> m = memberHeld;
    if (m == null || m.isEmpty()) {
      return "";
    }
    return "member held out"
        + (m.get().isBlank() ? "" : " (" + m.get().strip() + ")")
        + ": "
        + memberHoldKey;
  }

  /** The deadline as wall-clock time while master; empty otherwise. */
  private Optional<Instant> validUntil() {
    return roleState.role() == Role.MASTER
        ? RoleNotice.validUntil(roleState.nanosLeft(), clock.wallTime())
        : Optional.empty();
  }

  private void onHealth(boolean healthy) {
    this.healthy = healthy;
    if (healthy) {
      joinIfLetIn("healthy");
    } else {
      elector.withdraw("unhealthy");
    }
  }

  /**
   * The site's hold came or went. A held standby leaves the queue; a held master stays (its
   * operator holds a site only while the master is elsewhere, so this is a moment's race) and
   * leaves once it is no longer master.
   */
  private void onHold(boolean held) {
    this.held = held;
    if (!held) {
      joinIfLetIn("site-let-in");
    } else if (roleState.role() != Role.MASTER) {
      elector.withdraw("site-held");
    }
  }

  /**
   * This member's own hold came or went (the operator's, e.g. for spec.election.neverMaster); as a
   * site's hold: a held standby leaves the queue, a held master stays until its operator asks it to
   * step down (only when another member can take over), then leaves.
   */
  private void onMemberHold(Optional<String> value) {
    this.memberHeld = value;
    if (value.isEmpty()) {
      joinIfLetIn("member-let-in");
    } else if (roleState.role() != Role.MASTER) {
      elector.withdraw("member-held");
    }
  }

  /** Master now, or until a moment ago ({@link #RECENT_MASTER_NANOS}). */
  private boolean masterOfLate() {
    if (roleState.role() == Role.MASTER) {
      return true;
    }
    long demoted = demotedAtNanos;
    return demoted != 0 && clock.nanoTime() - demoted < RECENT_MASTER_NANOS;
  }

  private static final long RECENT_MASTER_NANOS = TimeUnit.SECONDS.toNanos(10);

  /**
   * After a step-down: reads the holds again before rejoining, because the operator puts a hold and
   * then asks the master to step down (an excluded master), and the periodic read may not have seen
   * it yet; completes on the agent's thread with whether it may campaign.
   */
  private CompletableFuture<Boolean> letInAfterStepDown() {
    CompletableFuture<Void> site =
        siteHold.map(Hold::readNow).orElse(CompletableFuture.completedFuture(null));
    return CompletableFuture.allOf(site, memberHold.readNow())
        .thenApplyAsync(read -> letIn(), exec);
  }

  private boolean letIn() {
    Optional<String> member = memberHeld;
    return healthy
        && !drain.started()
        && (siteHold.isEmpty() || Boolean.FALSE.equals(held))
        && member != null
        && member.isEmpty();
  }

  private void joinIfLetIn(String reason) {
    if (letIn()) {
      elector.join(reason);
    }
  }

  private void onTransition(RoleState.Transition t) {
    // A promotion's revision is its term (this agent's candidate key's create revision); a
    // standby tells the term and name of the leader it last read.
    boolean master = t.to() == Role.MASTER;
    Optional<ElectionClient.Candidate> seen = elector.leader();
    long term =
        master ? t.revision() : seen.map(ElectionClient.Candidate::createRevision).orElse(0L);
    String leader = master ? t.leader() : seen.map(ElectionClient.Candidate::value).orElse("");
    if (master) {
      masterTerm = term;
    } else {
      if (t.from() == Role.MASTER) {
        demotedAtNanos = clock.nanoTime();
      }
      if ((Boolean.TRUE.equals(held) || heldAsMember()) && !stopped) {
        String why = Boolean.TRUE.equals(held) ? "site-held" : "member-held";
        try {
          exec.execute(() -> elector.withdraw(why));
        } catch (RejectedExecutionException e) {
          log.atDebug().log("hold after shutdown ignored");
        }
      }
    }
    metrics.transition(t);
    publisher.publish(t.to(), term, leader);
    var event = t.to() == Role.MASTER ? log.atInfo() : log.atWarn();
    event
        .addKeyValue("from", t.from().wire())
        .addKeyValue("to", t.to().wire())
        .addKeyValue("reason", t.reason())
        .addKeyValue("member", config.member())
        .addKeyValue("leader", leader)
        .addKeyValue("term", term)
        .log("role changed");
  }

  /**
   * Leaves gracefully: demotes first (published at once), then deletes the key and revokes the
   * lease so a standby takes over without waiting for the TTL, all within a bounded time.
   */
  public void shutdown() {
    if (stopped) {
      return;
    }
    stopped = true;
    long start = clock.nanoTime();
    probe.ifPresent(HealthProbe::close);
    siteHold.ifPresent(Hold::close);
    memberHold.close();
    try {
      elector.withdraw("shutdown").get(SHUTDOWN_BUDGET_MS, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      log.atWarn()
          .addKeyValue("error", Failures.rootMessage(e))
          .log("could not resign in time; the lease expires on its own within the TTL");
    }
    elector.stop();
    leases.stop();
    watchdog.close();
    http.close();
    drainTimer.shutdownNow();
    publisher.close();
    history.ifPresent(RoleHistoryLog::close);
    exec.shutdownNow();
    client.close();
    log.atInfo()
        .addKeyValue("member", config.member())
        .addKeyValue("tookMs", TimeUnit.NANOSECONDS.toMillis(clock.nanoTime() - start))
        .log("agent stopped");
  }

  @Override
  public void close() {
    shutdown();
  }
}
