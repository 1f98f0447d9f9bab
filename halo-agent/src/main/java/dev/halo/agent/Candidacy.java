package dev.halo.agent;

import dev.halo.common.ElectionKeys;

/**
 * A place in the election queue: the lease the candidate key lives under and its create revision.
 */
record Candidacy(long leaseId, long createRevision) {

  String key(String election) {
    return ElectionKeys.candidateKey(election, leaseId);
  }

  String stepDownKey(String election) {
    return ElectionKeys.stepDownKey(election, leaseId);
  }
}
