package dev.halo.operator.model;

import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.RemovalPath;
import java.util.Optional;

/**
 * Which way the operator removes a key of its own group whose holder does not remove it itself
 * (docs/fencing.md):
 *
 * <ul>
 *   <li>{@link RemovalPath#IMMEDIATE} when its holder is certainly dead: the kubelet reported the
 *       agent container terminated, the pod failed, or the key is one an agent of a running pod
 *       left behind before its container restarted;
 *   <li>{@link RemovalPath#NEVER_LEADER} when the view shows an older key leading: if that key
 *       still exists with its create revision when this one is deleted (the removal's transaction
 *       checks), it lived through all of this key's life, so this key never led and its holder was
 *       never master;
 *   <li>{@link RemovalPath#FENCED} otherwise: the holder may run and may be master; the next master
 *       waits until its deadline has passed.
 * </ul>
 */
public final class RemovalChoice {
  private RemovalChoice() {}

  /** The path for removing {@code key} when the view's leader is {@code leader}. */
  public static RemovalPath of(Candidate key, boolean certainDeath, Optional<Candidate> leader) {
    if (certainDeath) {
      return RemovalPath.IMMEDIATE;
    }
    return witness(key, leader).isPresent() ? RemovalPath.NEVER_LEADER : RemovalPath.FENCED;
  }

  /** An older key than {@code key} that the view shows leading: the never-leader witness. */
  public static Optional<Candidate> witness(Candidate key, Optional<Candidate> leader) {
    return leader.filter(
        l -> !l.key().equals(key.key()) && l.createRevision() < key.createRevision());
  }
}
