package dev.halo.bench;

import dev.halo.agent.ElectionClient;
import dev.halo.common.ElectionKeys;
import java.util.concurrent.TimeUnit;

/** What the checkers of the benches and the chaos campaign ask etcd about a group. */
public final class EtcdLeader {
  private EtcdLeader() {}

  /** etcd's leader of the group ("" when none), or null when etcd cannot be read within 1 s. */
  public static String of(ElectionClient etcd, String namespace, String group) {
    try {
      return etcd.leader(ElectionKeys.prefix(ElectionKeys.electionName(namespace, group)))
          .get(1, TimeUnit.SECONDS)
          .leader()
          .map(ElectionClient.Candidate::value)
          .orElse("");
    } catch (Exception e) {
      return null;
    }
  }
}
