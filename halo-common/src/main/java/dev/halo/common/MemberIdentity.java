package dev.halo.common;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who holds a candidate key, as its agent publishes it next to the key ({@link
 * ElectionKeys#memberKey}, attached to the same lease): the pod, the pod's UID and the UID of the
 * HighAvailabilityGroup that created the pod. The candidate key's value alone (the pod name) proves
 * nothing: anyone can campaign under a pod's name ({@code etcdctl elect <election> web-1}), and
 * another cluster's group of the same namespace/name has pods of the same names. The operator acts
 * on a key (labels, revocation) only when its identity names one of its own group's pods.
 *
 * <p>The value is a flat JSON object, e.g. {@code {"pod":"web-1","podUID":"…","groupUID":"…"}},
 * readable with {@code etcdctl get}. An empty UID means the agent was not told it.
 *
 * <p>An agent that gives up its key on its own rewrites its identity with {@code "left":"<why>"}
 * ({@link #RESIGNED}, {@link #UNHEALTHY}, {@link #STEPPED_DOWN}) in the transaction that deletes
 * its candidate key, so whoever watches sees why the key went; a key that goes with its lease and
 * no such mark expired or was revoked. Readers that do not know the field ignore it.
 *
 * <p>An agent of a multi-site group (the HighAvailabilityGroup's {@code spec.site}) adds {@code
 * "site"}, the name of its cluster's site, and {@code "address"}, where the other sites would reach
 * it (its pod IP); the operators of the other sites take such a key for a remote member of the
 * shared group, never for a foreign one. Without a site both fields are left out, so the value is
 * what it always was.
 */
public record MemberIdentity(
    String pod, String podUid, String groupUid, String left, String site, String address) {
  /** {@link #left}: the agent resigned on its own (SIGTERM, shutdown). */
  public static final String RESIGNED = "resigned";

  /** {@link #left}: the agent left the election because its workload failed its health check. */
  public static final String UNHEALTHY = "unhealthy";

  /** {@link #left}: the agent stepped down because the operator asked it to (a hand-over). */
  public static final String STEPPED_DOWN = "steppedDown";

  private static final Pattern FIELD = Pattern.compile("\"(\\w+)\"\\s*:\\s*\"([^\"\\\\]*)\"");

  public MemberIdentity {
    pod = pod == null ? "" : pod;
    podUid = podUid == null ? "" : podUid;
    groupUid = groupUid == null ? "" : groupUid;
    left = left == null ? "" : left;
    site = site == null ? "" : site;
    address = address == null ? "" : address;
  }

  /** The identity of a campaigning agent (it has not left) of a group on one site. */
  public MemberIdentity(String pod, String podUid, String groupUid) {
    this(pod, podUid, groupUid, "");
  }

  /** An identity of a group on one site, marked as leaving for {@code left} unless empty. */
  public MemberIdentity(String pod, String podUid, String groupUid, String left) {
    this(pod, podUid, groupUid, left, "", "");
  }

  /** This identity marked as leaving the election for {@code why}. */
  public MemberIdentity leaving(String why) {
    return new MemberIdentity(pod, podUid, groupUid, why, site, address);
  }

  /** This identity as published on site {@code site}, reachable at {@code address}. */
  public MemberIdentity atSite(String site, String address) {
    return new MemberIdentity(pod, podUid, groupUid, left, site, address);
  }

  /** The site the agent runs on, when its group spans several; empty for a one-site group. */
  public Optional<String> siteName() {
    return site.isEmpty() ? Optional.empty() : Optional.of(site);
  }

  /** Why the agent left, when it marked its leaving; empty while it campaigns. */
  public Optional<String> leftBecause() {
    return left.isEmpty() ? Optional.empty() : Optional.of(left);
  }

  /** The value stored in etcd. */
  public String encode() {
    return "{\"pod\":\""
        + escape(pod)
        + "\",\"podUID\":\""
        + escape(podUid)
        + "\",\"groupUID\":\""
        + escape(groupUid)
        + (left.isEmpty() ? "" : "\",\"left\":\"" + escape(left))
        + (site.isEmpty() ? "" : "\",\"site\":\"" + escape(site))
        + (site.isEmpty() ? "" : "\",\"address\":\"" + escape(address))
        + "\"}";
  }

  /** Parses a stored value; empty when it is not an identity Halo wrote. */
  public static Optional<MemberIdentity> decode(String value) {
    if (value == null || !value.strip().startsWith("{")) {
      return Optional.empty();
    }
    Map<String, String> fields = new LinkedHashMap<>();
    Matcher m = FIELD.matcher(value);
    while (m.find()) {
      fields.put(m.group(1), m.group(2));
    }
    if (!fields.containsKey("pod")) {
      return Optional.empty();
    }
    return Optional.of(
        new MemberIdentity(
            fields.get("pod"),
            fields.get("podUID"),
            fields.get("groupUID"),
            fields.get("left"),
            fields.get("site"),
            fields.get("address")));
  }

  // Pod names and UIDs never hold these; dropping them keeps the value parseable whatever comes in.
  private static String escape(String s) {
    return s.replace("\"", "").replace("\\", "");
  }
}
