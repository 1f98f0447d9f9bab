package dev.halo.operator.election;

import dev.halo.common.FenceValue;
import java.util.Optional;

/**
 * A candidate key to remove and how.
 *
 * @param key the key, with the create revision the removal is conditioned on
 * @param path {@link RemovalPath#IMMEDIATE}, {@link RemovalPath#NEVER_LEADER} or {@link
 *     RemovalPath#FENCED}
 * @param witness for {@link RemovalPath#NEVER_LEADER}: an older key that must still exist with its
 *     create revision when this one is deleted
 * @param fence the fence to put ({@link FenceValue#fencedLease} and create revision are the key's;
 *     path, state and TTL are filled in on the way)
 */
public record KeyRemoval(
    Candidate key, RemovalPath path, Optional<Candidate> witness, FenceValue fence) {}
