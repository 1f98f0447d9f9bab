package dev.halo.common;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The agent's drain endpoint, which the operator injects as the {@code preStop} hook ({@code
 * httpGet}) of the agent and of the workload containers: {@code GET /drain?token=...}. A master
 * hands over (demotes, leaves the election) and the request returns once its operator has labelled
 * the successor ({@link ElectionKeys#routedKey}), so the workload serves until the Service points
 * elsewhere and only then gets SIGTERM. The token ties a request to its pod: it is derived from the
 * group's UID and the pod's name, both in the agent's environment, so a peer on the pod network
 * that cannot read the pod cannot make a master hand over.
 */
public final class DrainHook {
  private DrainHook() {}

  public static final String PATH = "/drain";

  /**
   * The variable a workload container whose template keeps its own {@code exec} or {@code httpGet}
   * preStop gets: the drain's full URL from inside the pod, for that hook to call first.
   */
  public static final String URL_VARIABLE = "HALO_DRAIN_URL";

  /** Query parameter: the token ({@link #token}). */
  public static final String TOKEN = "token";

  /** Query parameter: how long to wait for the successor to be labelled, in seconds. */
  public static final String TIMEOUT_SECONDS = "timeoutSeconds";

  /** Query parameter: how long to keep the workload serving after that, in milliseconds. */
  public static final String SETTLE_MILLIS = "settleMillis";

  /** Query parameter: the template's own {@code preStop} sleep, run after the hand-over. */
  public static final String THEN_SLEEP_SECONDS = "thenSleepSeconds";

  /** The token of pod {@code pod} of the group with UID {@code groupUid}: 16 hex digits. */
  public static String token(String groupUid, String pod) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(("halo-drain/" + groupUid + "/" + pod).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** The hook's path and query. */
  public static String path(
      String token, long timeoutSeconds, long settleMillis, long thenSleepSeconds) {
    Map<String, Object> query = new LinkedHashMap<>();
    query.put(TOKEN, token);
    query.put(TIMEOUT_SECONDS, timeoutSeconds);
    query.put(SETTLE_MILLIS, settleMillis);
    if (thenSleepSeconds > 0) {
      query.put(THEN_SLEEP_SECONDS, thenSleepSeconds);
    }
    StringBuilder path = new StringBuilder(PATH);
    char sep = '?';
    for (Map.Entry<String, Object> e : query.entrySet()) {
      path.append(sep).append(e.getKey()).append('=').append(e.getValue());
      sep = '&';
    }
    return path.toString();
  }
}
