package dev.halo.common;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a fence key ({@link ElectionKeys#fenceKey}) holds: the candidate key the operator removed
 * while its holder may still run, and how far the removal got. An agent whose own key's create
 * revision is higher than {@link #fencedCreateRevision} does not become master while the fence
 * exists (docs/fencing.md).
 *
 * <p>The value is a flat JSON object, readable with {@code etcdctl get}, e.g. {@code
 * {"fencedLease":"694d8c5e2a1b0f07","fencedCreateRevision":1234,"member":"web-0","podUID":"…",
 * "groupUID":"…","reason":"podDeleted","ttlSeconds":3,"path":"fenced","state":"armed"}}.
 *
 * @param fencedLease the removed key's lease
 * @param fencedCreateRevision the removed key's create revision
 * @param member the pod the removed key named
 * @param podUid that pod's UID as its identity gave it (empty if none)
 * @param groupUid the UID of the group whose operator put the fence (empty if none)
 * @param reason why the key was removed, e.g. {@code podDeleted}
 * @param ttlSeconds the removed lease's granted TTL; an armed fence lives one second longer
 * @param path {@link #FENCED}: the holder may have been master, the fence waits out its deadline;
 *     {@link #NEVER_LEADER}: it provably never led, the fence only covers the removal itself
 * @param state {@link #REVOKING}: the key is deleted, its lease not yet known revoked (no lease on
 *     the fence: it stays until an operator finishes it); {@link #ARMED}: the lease is revoked and
 *     the fence expires with a lease of its own
 */
public record FenceValue(
    long fencedLease,
    long fencedCreateRevision,
    String member,
    String podUid,
    String groupUid,
    String reason,
    long ttlSeconds,
    String path,
    String state) {
  /** {@link #path}: the removed key may have led; the fence outlives its holder's deadline. */
  public static final String FENCED = "fenced";

  /** {@link #path}: the removed key never led; the fence goes right after the revoke. */
  public static final String NEVER_LEADER = "never-leader";

  /** {@link #state}: put before the revoke, without a lease. */
  public static final String REVOKING = "revoking";

  /** {@link #state}: put after the revoke, under a lease of {@code ttlSeconds + 1}. */
  public static final String ARMED = "armed";

  private static final Pattern FIELD =
      Pattern.compile("\"(\\w+)\"\\s*:\\s*(?:\"([^\"\\\\]*)\"|(-?\\d+))");

  public FenceValue {
    member = member == null ? "" : member;
    podUid = podUid == null ? "" : podUid;
    groupUid = groupUid == null ? "" : groupUid;
    reason = reason == null ? "" : reason;
    path = path == null ? FENCED : path;
    state = state == null ? REVOKING : state;
  }

  /** This value in state {@code state}. */
  public FenceValue in(String state) {
    return new FenceValue(
        fencedLease,
        fencedCreateRevision,
        member,
        podUid,
        groupUid,
        reason,
        ttlSeconds,
        path,
        state);
  }

  public boolean armed() {
    return ARMED.equals(state);
  }

  public boolean neverLeader() {
    return NEVER_LEADER.equals(path);
  }

  /**
   * Whether the fence keeps the holder of a key created at {@code createRevision} from becoming
   * master: it does for every key younger than the fenced one.
   */
  public boolean holdsBack(long createRevision) {
    return fencedCreateRevision < createRevision;
  }

  /** The value stored in etcd. */
  public String encode() {
    return "{\"fencedLease\":\""
        + Long.toHexString(fencedLease)
        + "\",\"fencedCreateRevision\":"
        + fencedCreateRevision
        + ",\"member\":\""
        + escape(member)
        + "\",\"podUID\":\""
        + escape(podUid)
        + "\",\"groupUID\":\""
        + escape(groupUid)
        + "\",\"reason\":\""
        + escape(reason)
        + "\",\"ttlSeconds\":"
        + ttlSeconds
        + ",\"path\":\""
        + escape(path)
        + "\",\"state\":\""
        + escape(state)
        + "\"}";
  }

  /**
   * Parses a stored value; empty when it is not a fence Halo wrote (no lease, create revision or
   * state).
   */
  public static Optional<FenceValue> decode(String value) {
    if (value == null || !value.strip().startsWith("{")) {
      return Optional.empty();
    }
    Map<String, String> fields = new HashMap<>();
    Matcher m = FIELD.matcher(value);
    while (m.find()) {
      fields.put(m.group(1), m.group(2) != null ? m.group(2) : m.group(3));
    }
    try {
      long lease = Long.parseUnsignedLong(fields.getOrDefault("fencedLease", ""), 16);
      long revision = Long.parseLong(fields.getOrDefault("fencedCreateRevision", ""));
      long ttl = Long.parseLong(fields.getOrDefault("ttlSeconds", "0"));
      if (!fields.containsKey("state")) {
        return Optional.empty();
      }
      return Optional.of(
          new FenceValue(
              lease,
              revision,
              fields.get("member"),
              fields.get("podUID"),
              fields.get("groupUID"),
              fields.get("reason"),
              ttl,
              fields.get("path"),
              fields.get("state")));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  // Pod names, UIDs and reasons never hold these; dropping them keeps the value parseable.
  private static String escape(String s) {
    return s.replace("\"", "").replace("\\", "");
  }
}
