package dev.halo.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.agent.ElectionClient.Candidate;
import dev.halo.agent.ElectionClient.KeyChange;
import dev.halo.agent.ElectionClient.LeaderView;
import dev.halo.agent.ElectionClient.Lease;
import dev.halo.common.ElectionKeys;
import dev.halo.etcd.EtcdSecurity;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One agent's election logic (RoleState, LeaseKeeper, Elector, MasterDecision, DeadlineWatchdog)
 * wired as {@link Agent} wires it, on a {@link FakeClock}, a {@link ManualScheduler} and a {@link
 * ScriptedElectionClient}: nothing happens unless the test makes it happen, so every ordering of
 * etcd answers, watch events, deadlines and signals can be played step by step. The watchdog has no
 * thread here: it decides when the test calls {@link #watchdogWakes()}.
 */
final class ElectorRig {
  static final String ELECTION = ElectionKeys.electionName("test", "web");
  static final String PREFIX = ElectionKeys.prefix(ELECTION);
  static final String MEMBER = "web-0";
  static final long LEASE = 0x1f;
  static final long OTHER_LEASE = 0x2e;
  static final int TTL = 5;

  /** What the agent asked etcd and what it told its workload, in order. */
  final List<String> timeline = new ArrayList<>();

  final List<RoleState.Transition> history = new ArrayList<>();
  final FakeClock clock = new FakeClock();
  final ManualScheduler exec = new ManualScheduler(clock);
  final ScriptedElectionClient etcd = new ScriptedElectionClient(timeline);
  final AgentConfig config =
      new AgentConfig(
          List.of(URI.create("http://127.0.0.1:1")),
          EtcdSecurity.none(),
          ELECTION,
          MEMBER,
          TTL,
          "127.0.0.1",
          0,
          Optional.empty(),
          Duration.ofSeconds(1),
          3,
          Optional.empty(),
          Optional.empty(),
          "",
          "");
  final RoleState roleState = new RoleState(clock::nanoTime);
  final LeaseKeeper leases;
  final Elector elector;
  final DeadlineWatchdog watchdog;

  ElectorRig() {
    roleState.onTransition(
        t -> {
          history.add(t);
          timeline.add("role " + t.to().wire() + " " + t.reason());
        });
    AgentMetrics metrics = new AgentMetrics(roleState, MEMBER);
    leases = new LeaseKeeper(etcd, roleState, metrics, exec, clock::nanoTime, config);
    elector = new Elector(config, etcd, roleState, leases, exec, clock::nanoTime);
    watchdog = new DeadlineWatchdog(roleState, leases, elector, clock::nanoTime);
    leases.start();
  }

  static String keyOf(long lease) {
    return ElectionKeys.candidateKey(ELECTION, lease);
  }

  static String stepDownKey(long lease) {
    return ElectionKeys.stepDownKey(ELECTION, lease);
  }

  /** This agent's key as a leader read returns it. */
  static Optional<Candidate> me(long createRevision) {
    return Optional.of(new Candidate(keyOf(LEASE), MEMBER, createRevision, LEASE));
  }

  /** Another agent's key, ahead of this one in the queue. */
  static Optional<Candidate> other() {
    return Optional.of(new Candidate(keyOf(OTHER_LEASE), "web-1", 5, OTHER_LEASE));
  }

  static KeyChange deleted(String key) {
    return new KeyChange(key, true);
  }

  static KeyChange put(String key) {
    return new KeyChange(key, false);
  }

  /** Runs what is due now on the elector's thread. */
  void run() {
    exec.runDue();
  }

  void advance(Duration d) {
    exec.advance(d);
  }

  /** The watchdog's thread wakes now and decides. */
  void watchdogWakes() {
    watchdog.checkOnce();
  }

  /** Grants lease {@link #LEASE}, whose key gets create revision 10. */
  void joinWithLease() {
    elector.join("start");
    run();
    ScriptedElectionClient.next(etcd.grants).answer(new Lease(LEASE, TTL));
    run();
    ScriptedElectionClient.next(etcd.campaigns).answer(10L);
    run();
  }

  /** Answers the oldest leader read with {@code leader} at store revision {@code revision}. */
  void leaderIs(Optional<Candidate> leader, long revision) {
    ScriptedElectionClient.next(etcd.leaderReads).answer(new LeaderView(leader, revision));
    run();
  }

  /** Answers the oldest step-down lookup: no request. */
  void noStepDownRequest() {
    ScriptedElectionClient.next(etcd.lookups).answer(false);
    run();
  }

  /** Joins, reads itself leader at revision 11 and promotes; the new master's renewal is sent. */
  void becomeMaster() {
    joinWithLease();
    leaderIs(me(10), 11);
    noStepDownRequest();
    assertThat(roleState.role()).isEqualTo(Role.MASTER);
  }

  /** Answers the oldest renewal: etcd renewed the lease. */
  void renewalConfirmed() {
    ScriptedElectionClient.Call<Lease> call = ScriptedElectionClient.next(etcd.keepAlives);
    call.answer(new Lease(call.leaseId(), TTL));
    run();
  }

  /** Answers the newest renewal (a re-attach, when renewals older than it are still pending). */
  void latestRenewalConfirmed() {
    ScriptedElectionClient.Call<Lease> call = ScriptedElectionClient.latest(etcd.keepAlives);
    call.answer(new Lease(call.leaseId(), TTL));
    run();
  }

  /** The transitions so far, as "to reason". */
  List<String> roles() {
    return history.stream().map(t -> t.to().wire() + " " + t.reason()).toList();
  }

  /** Where {@code entry} first appears in the timeline at or after {@code from}. */
  int indexOf(String entry, int from) {
    for (int i = from; i < timeline.size(); i++) {
      if (timeline.get(i).equals(entry)) {
        return i;
      }
    }
    return -1;
  }
}
