package dev.halo.operator.election;

/**
 * What a removal did.
 *
 * @param path the path it took: a {@link RemovalPath#NEVER_LEADER} removal whose witness went
 *     meanwhile becomes {@link RemovalPath#FENCED}
 * @param fenceTtlSeconds for a fence, the removed lease's granted TTL (the fence lives one second
 *     longer from the revoke on); 0 otherwise
 * @param done false when nothing was left to remove: the key or its lease had gone meanwhile
 */
public record Removed(RemovalPath path, long fenceTtlSeconds, boolean done) {
  static Removed nothing(RemovalPath path) {
    return new Removed(path, 0, false);
  }
}
