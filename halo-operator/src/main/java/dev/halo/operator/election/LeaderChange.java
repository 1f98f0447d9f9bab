package dev.halo.operator.election;

import java.util.OptionalLong;

/**
 * When the current leader key became the leader.
 *
 * @param key the leader's candidate key
 * @param revision the etcd revision at which it became the first in the queue
 * @param seenAtMillis when the watch delivered that change (wall clock, ms); empty when the
 *     operator found it leading in a full read (at start, or after the watch broke), so the moment
 *     is not known
 */
public record LeaderChange(String key, long revision, OptionalLong seenAtMillis) {}
