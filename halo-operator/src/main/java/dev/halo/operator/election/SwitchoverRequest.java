package dev.halo.operator.election;

import java.util.Optional;

/**
 * A cross-site switchover under way ({@link dev.halo.common.ElectionKeys#switchoverKey}): the
 * member to hand over to, by site, pod and lease, and the lease of the master that asked (the key
 * is attached to it). Its value reads {@code <site>/<pod> <lease id hex>}.
 */
public record SwitchoverRequest(String site, String pod, long targetLease, long masterLease) {
  /** The value as stored in etcd. */
  public String encode() {
    return site + "/" + pod + " " + Long.toHexString(targetLease);
  }

  /** A stored value, attached to {@code masterLease}; empty when it does not read as one. */
  public static Optional<SwitchoverRequest> decode(String value, long masterLease) {
    String[] parts = value.strip().split("\\s+");
    if (parts.length != 2) {
      return Optional.empty();
    }
    int slash = parts[0].indexOf('/');
    if (slash <= 0 || slash == parts[0].length() - 1) {
      return Optional.empty();
    }
    try {
      long lease = Long.parseUnsignedLong(parts[1], 16);
      return Optional.of(
          new SwitchoverRequest(
              parts[0].substring(0, slash), parts[0].substring(slash + 1), lease, masterLease));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
