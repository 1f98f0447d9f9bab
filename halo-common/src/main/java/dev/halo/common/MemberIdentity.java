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
 */
public record MemberIdentity(String pod, String podUid, String groupUid) {
  private static final Pattern FIELD = Pattern.compile("\"(\\w+)\"\\s*:\\s*\"([^\"\\\\]*)\"");

  public MemberIdentity {
    pod = pod == null ? "" : pod;
    podUid = podUid == null ? "" : podUid;
    groupUid = groupUid == null ? "" : groupUid;
  }

  /** The value stored in etcd. */
  public String encode() {
    return "{\"pod\":\""
        + escape(pod)
        + "\",\"podUID\":\""
        + escape(podUid)
        + "\",\"groupUID\":\""
        + escape(groupUid)
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
        new MemberIdentity(fields.get("pod"), fields.get("podUID"), fields.get("groupUID")));
  }

  // Pod names and UIDs never hold these; dropping them keeps the value parseable whatever comes in.
  private static String escape(String s) {
    return s.replace("\"", "").replace("\\", "");
  }
}
