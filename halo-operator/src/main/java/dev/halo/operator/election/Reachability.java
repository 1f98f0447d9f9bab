package dev.halo.operator.election;

import dev.halo.etcd.EtcdFailure;
import java.util.function.LongSupplier;

/**
 * Whether one etcd cluster counts as reachable, decided from the outcomes of calls to it. One
 * thread reports outcomes; any thread may read the state.
 *
 * <p>etcd is unreachable after two failed calls in a row once nothing has answered for the grace
 * period. A single failure may be a member that just died (the next call goes to another), and a
 * raft leader election leaves etcd silent for 1-3 s; neither should flip the operator to
 * unreachable and back. An outage, a hang or a lost quorum lasts longer and does. The verdict keeps
 * the kind of the failure ({@link EtcdFailure.Kind}): etcd down, or refusing our TLS or
 * credentials.
 */
final class Reachability {
  private static final int FAILURES_TO_UNREACHABLE = 2;

  private enum State {
    CONNECTING,
    READY,
    UNREACHABLE
  }

  private final String endpoints;
  private final long graceNanos;
  private final LongSupplier clock;
  private volatile State state = State.CONNECTING;
  private volatile String error;
  private volatile EtcdFailure.Kind kind = EtcdFailure.Kind.UNREACHABLE;
  private int failures;
  private long lastAnswerNanos;

  Reachability(String endpoints, long graceNanos, LongSupplier nanoClock) {
    this.endpoints = endpoints;
    this.graceNanos = graceNanos;
    this.clock = nanoClock;
    this.error = "waiting for the first read of etcd " + endpoints;
    this.lastAnswerNanos = nanoClock.getAsLong();
  }

  /** Whether views can be served: the last full read succeeded and etcd has not gone away since. */
  boolean isReady() {
    return state == State.READY;
  }

  /**
   * Whether there is a verdict yet: false until the first read has succeeded or failed (which the
   * call timeout bounds), so a connection just opened is neither reachable nor unreachable.
   */
  boolean isKnown() {
    return state != State.CONNECTING;
  }

  boolean isUnreachable() {
    return state == State.UNREACHABLE;
  }

  /** Why views cannot be served; empty while ready. */
  String error() {
    return error;
  }

  /**
   * The condition reason of the failure while not ready ({@code Unreachable}, {@code
   * AuthFailed}...).
   */
  String reason() {
    return kind.reason();
  }

  /** etcd answered a call or sent a watch event. */
  void answered() {
    failures = 0;
    lastAnswerNanos = clock.getAsLong();
  }

  /** A full read succeeded and a watch follows it; returns whether this made etcd reachable. */
  boolean ready() {
    answered();
    State before = state;
    state = State.READY;
    error = "";
    kind = EtcdFailure.Kind.UNREACHABLE;
    return before != State.READY;
  }

  /** A call failed for {@code reason}; returns whether this made etcd unreachable. */
  boolean failed(String reason) {
    return failed(new EtcdFailure(EtcdFailure.Kind.UNREACHABLE, reason));
  }

  /**
   * A call failed with {@code failure}; returns whether this made etcd unreachable or changed the
   * kind of failure (etcd back up but refusing our credentials is news too).
   */
  boolean failed(EtcdFailure failure) {
    failures++;
    boolean silent = clock.getAsLong() - lastAnswerNanos >= graceNanos;
    if (state == State.READY && !(failures >= FAILURES_TO_UNREACHABLE && silent)) {
      return false;
    }
    error =
        failure.kind() == EtcdFailure.Kind.UNREACHABLE
            ? "etcd " + endpoints + " unreachable: " + failure.message()
            : "etcd " + endpoints + ": " + failure.message();
    EtcdFailure.Kind kindBefore = kind;
    kind = failure.kind();
    State before = state;
    state = State.UNREACHABLE;
    return before != State.UNREACHABLE || kindBefore != kind;
  }
}
