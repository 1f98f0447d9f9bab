package dev.halo.agent;

import dev.halo.agent.ElectionClient.Candidate;
import dev.halo.agent.ElectionClient.LeaderView;
import dev.halo.common.Backoff;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides from each leader read whether this agent is master, and remembers the leader it saw for
 * demotions and status. On the elector thread.
 */
final class MasterDecision {
  private static final Logger log = LoggerFactory.getLogger(MasterDecision.class);
  private final RoleState roleState;
  private final LeaseKeeper leases;
  private final String member;
  private final Backoff promoteChecks =
      Backoff.equalJitter(Duration.ofMillis(100), Duration.ofSeconds(1));
  private final FenceGate fences = new FenceGate();
  private volatile Optional<Candidate> leader = Optional.empty();
  private volatile long checkedRevision;

  MasterDecision(RoleState roleState, LeaseKeeper leases, String member) {
    this.roleState = roleState;
    this.leases = leases;
    this.member = member;
  }

  Optional<Candidate> leader() {
    return leader;
  }

  /** The pod and lease whose fence holds this agent back, empty when none does. */
  String fencedBy() {
    return fences.fencedBy();
  }

  /** Demotes this agent, naming the leader last seen. */
  void demote(String reason) {
    roleState.demote(
        reason,
        leader.map(Candidate::value).orElse(""),
        leader.map(Candidate::createRevision).orElse(0L));
  }

  /** Demotes if master and fences every read in flight: the agent is leaving the election. */
  void resign(String reason) {
    roleState.resign(
        reason,
        leader.map(Candidate::value).orElse(""),
        leader.map(Candidate::createRevision).orElse(0L));
  }

  /**
   * Promotes when {@code view} shows this agent's key first and no fence holds it back ({@link
   * FenceGate}), demotes when it shows another; returns how long to wait before reading again when
   * a promotion was refused for now.
   */
  OptionalLong decide(LeaderView view, long epoch, String myKey, long myRevision) {
    // Reads can complete out of order; an older one must not undo what a newer one decided.
    if (view.revision() < checkedRevision) {
      return OptionalLong.empty();
    }
    leader = view.leader();
    checkedRevision = view.revision();
    boolean mine =
        view.leader()
            .filter(c -> c.key().equals(myKey) && c.leaseId() == leases.leaseId())
            .isPresent();
    if (!mine) {
      fences.clear();
      demote("superseded");
      return OptionalLong.empty();
    }
    // A fence of an older key: its holder may still act as master until its own deadline. (A
    // master never reads one: it would have been held back itself; if it ever did, it stops.)
    if (fences.check(view, myRevision).isPresent()) {
      demote("fenced");
      return OptionalLong.of(fences.nextCheckMillis());
    }
    // etcd#11007: only a key read back under our own lease counts, and only if nothing fenced
    // this read (demotion, lease change) while it was in flight and the deadline still holds.
    if (roleState.promote(epoch, "elected", member, myRevision)) {
      promoteChecks.reset();
      return OptionalLong.empty();
    }
    // Refused until a renewal is confirmed (or a fenced read is redone): look again, less and
    // less often while etcd does not confirm.
    long delay = promoteChecks.nextDelayMillis();
    if (log.isDebugEnabled()) {
      RoleState.Snapshot now = roleState.snapshot();
      log.atDebug()
          .addKeyValue("revision", view.revision())
          .addKeyValue("epochMoved", now.epoch() != epoch)
          .addKeyValue("deadlineKnown", now.deadlineNanos() != RoleState.NO_DEADLINE)
          .addKeyValue("retryInMs", delay)
          .log(
              "leading but not promoted yet: the read was fenced or the deadline is not confirmed");
    }
    return OptionalLong.of(delay);
  }
}
