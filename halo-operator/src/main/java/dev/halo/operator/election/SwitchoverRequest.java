package dev.halo.operator.election;

import java.util.Optional;

/**
 * A switchover to a chosen member under way ({@link dev.halo.common.ElectionKeys#switchoverKey}):
 * the member to hand over to, by site, pod and lease, and the lease of the master that asked (the
 * key is attached to it). Its value reads {@code <site>/<pod> <lease id hex>}, or {@code <pod>
 * <lease id hex>} for a group of one cluster (site empty).
 */
public record SwitchoverRequest(String site, String pod, long targetLease, long masterLease) {
  /** The value as stored in etcd. */
  public String encode() {
    return member() + " " + Long.toHexString(targetLease);
  }

  /** The member as the annotation names it: {@code <site>/<pod>}, or the pod on one cluster. */
  public String member() {
    return site.isEmpty() ? pod : site + "/" + pod;
  }

  /** A stored value, attached to {@code masterLease}; empty when it does not read as one. */
  public static Optional<SwitchoverRequest> decode(String value, long masterLease) {
    String[] parts = value.strip().split("\\s+");
    if (parts.length != 2) {
      return Optional.empty();
    }
    int slash = parts[0].indexOf('/');
    if (slash == 0 || slash == parts[0].length() - 1) {
      return Optional.empty();
    }
    String site = slash < 0 ? "" : parts[0].substring(0, slash);
    try {
      long lease = Long.parseUnsignedLong(parts[1], 16);
      return Optional.of(
          new SwitchoverRequest(site, parts[0].substring(slash + 1), lease, masterLease));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
