package dev.halo.agent;

import dev.halo.agent.ElectionClient.Fence;
import dev.halo.agent.ElectionClient.LeaderView;
import dev.halo.common.Backoff;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a fence holds this agent back from becoming master although it leads the election: the
 * operator removed an older key whose holder may still run, and the fence lives until that holder's
 * own deadline has passed (docs/fencing.md). A fence of a key younger than ours is not ours to wait
 * for: its key never led while ours lived. While held back the agent reads again soon, less and
 * less often (100 ms up to 500 ms), since the fence's expiry comes on no watch it holds. On the
 * elector thread; {@link #fencedBy} from any.
 */
final class FenceGate {
  // Logged as the elector: where operators look for why a leader is not master.
  private static final Logger log = LoggerFactory.getLogger(Elector.class);

  private final Backoff checks =
      Backoff.equalJitter(Duration.ofMillis(100), Duration.ofMillis(500));
  private volatile Optional<Fence> holding = Optional.empty();

  /** The fence that holds back a key created at {@code myRevision}, as {@code view} shows it. */
  Optional<Fence> check(LeaderView view, long myRevision) {
    Optional<Fence> fence =
        view.fences().stream()
            .filter(f -> f.fencedCreateRevision() < myRevision)
            .min(Comparator.comparingLong(Fence::fencedCreateRevision));
    Optional<Fence> before = holding;
    holding = fence;
    if (fence.isPresent() && !fence.map(Fence::key).equals(before.map(Fence::key))) {
      Fence f = fence.get();
      log.atWarn()
          .addKeyValue("fence", f.key())
          .addKeyValue("fencedLease", Long.toHexString(f.fencedLease()))
          .addKeyValue("fencedPod", f.member())
          .addKeyValue("fencedCreateRevision", f.fencedCreateRevision())
          .log(
              "leading, but waiting for the fence of lease "
                  + Long.toHexString(f.fencedLease())
                  + " (pod "
                  + (f.member().isEmpty() ? "unknown" : f.member())
                  + ") to expire, until the old master's deadline has passed");
    } else if (fence.isEmpty() && before.isPresent()) {
      checks.reset();
      log.atInfo().addKeyValue("fence", before.get().key()).log("the fence is gone");
    }
    return fence;
  }

  /** How long to wait before reading again while held back. */
  long nextCheckMillis() {
    return checks.nextDelayMillis();
  }

  /** No longer leading: no fence to wait for. */
  void clear() {
    holding = Optional.empty();
    checks.reset();
  }

  /**
   * What {@code /status} shows while held back, e.g. {@code web-0 (lease 694d8c5e2a1b0f07)}; empty
   * otherwise.
   */
  String fencedBy() {
    return holding
        .map(
            f ->
                (f.member().isEmpty() ? "unknown pod" : f.member())
                    + " (lease "
                    + Long.toHexString(f.fencedLease())
                    + ")")
        .orElse("");
  }
}
