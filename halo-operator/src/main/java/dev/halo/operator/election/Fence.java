package dev.halo.operator.election;

import dev.halo.common.FenceValue;
import java.util.Optional;

/**
 * A fence key as the operator's watch sees it ({@link dev.halo.common.ElectionKeys#fenceKey}).
 *
 * @param key the fence key
 * @param value what it holds; empty when it is not a value Halo wrote (it still holds every agent
 *     back, so it is reported)
 * @param leaseId the lease the fence expires with; 0 while it is {@code revoking}
 * @param modRevision the revision of its last write, which a conditional update compares
 */
public record Fence(String key, Optional<FenceValue> value, long leaseId, long modRevision) {
  /**
   * Whether the fence keeps the holder of a key created at {@code createRevision} from mastership.
   */
  public boolean holdsBack(long createRevision) {
    return value.map(v -> v.holdsBack(createRevision)).orElse(true);
  }

  /** Whether an operator still has to revoke the fenced lease and arm (or drop) the fence. */
  public boolean unfinished() {
    return value.filter(v -> !v.armed()).isPresent();
  }

  /** The fenced pod and lease for messages, e.g. {@code web-0 (lease 694d8c5e2a1b0f07)}. */
  public String describe() {
    return value
        .map(v -> v.member() + " (lease " + Long.toHexString(v.fencedLease()) + ")")
        .orElse("unreadable fence " + key);
  }
}
