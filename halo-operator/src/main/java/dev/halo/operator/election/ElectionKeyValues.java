package dev.halo.operator.election;

import dev.halo.common.ElectionKeys;
import dev.halo.common.FenceValue;
import dev.halo.common.MemberIdentity;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Reads the keys under {@code /halo/} as the election cache knows them: candidates, members and
 * fences.
 */
final class ElectionKeyValues {
  private ElectionKeyValues() {}

  /** {@code kv} as a candidate key: its value is the member's (pod's) name. */
  static Candidate candidate(KeyValue kv) {
    return new Candidate(
        string(kv.getKey()), string(kv.getValue()), kv.getCreateRevision(), kv.getLease());
  }

  /**
   * A member key ({@link ElectionKeys#memberKey}) with a readable identity, if {@code kv} is one.
   */
  static Optional<ElectionCache.Member> member(KeyValue kv) {
    String key = string(kv.getKey());
    if (ElectionKeys.electionOfMemberKey(key).isEmpty()) {
      return Optional.empty();
    }
    return MemberIdentity.decode(string(kv.getValue()))
        .map(identity -> new ElectionCache.Member(key, identity, kv.getLease()));
  }

  /**
   * A fence key ({@link ElectionKeys#fenceKey}), if {@code kv} is one; its value may be unreadable.
   */
  static Optional<Fence> fence(KeyValue kv) {
    String key = string(kv.getKey());
    if (ElectionKeys.electionOfFenceKey(key).isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new Fence(
            key, FenceValue.decode(string(kv.getValue())), kv.getLease(), kv.getModRevision()));
  }

  /** A cross-site switchover request ({@link ElectionKeys#switchoverKey}), if {@code kv} is one. */
  static Optional<Switchover> switchover(KeyValue kv) {
    String key = string(kv.getKey());
    if (ElectionKeys.electionOfSwitchoverKey(key).isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new Switchover(key, SwitchoverRequest.decode(string(kv.getValue()), kv.getLease())));
  }

  /** A switchover request key as read; its value may not read as a request. */
  record Switchover(String key, Optional<SwitchoverRequest> request) {}

  static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  static String string(ByteSequence b) {
    return b.toString(StandardCharsets.UTF_8);
  }
}
