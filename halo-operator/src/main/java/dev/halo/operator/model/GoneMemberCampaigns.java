package dev.halo.operator.model;

import dev.halo.common.Backoff;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * When to revoke the keys of a pod that is gone ({@link Membership#previous()}) while its agent
 * keeps running and campaigning again after each revocation, e.g. an agent of a scaled-down group
 * whose process outlived its pod. Revoking every new lease at once would turn that agent and the
 * operator into a busy loop against etcd (one campaign, one revoke, one reconcile, again).
 *
 * <p>The first lease of a gone pod (told apart by its agent's identity: group, pod name and pod
 * UID) is revoked at once. A later lease of the same gone pod is a new campaign: it is revoked only
 * once a capped exponential backoff ({@link #FIRST} doubling up to {@link #CAP}) since the previous
 * revocation has passed, and each such campaign is reported once, when it is revoked; until then it
 * stays in the queue, where its key is never labelled master ({@link Membership} does not take it
 * as a pod's). A campaign that leads the election while a pod of the group campaigns is revoked at
 * once: it would keep the group without a master. All times are explicit, in milliseconds of a
 * monotonic clock; thread-safe.
 */
public final class GoneMemberCampaigns {
  /** The wait before revoking a gone pod's second campaign; doubles with each further one. */
  public static final Duration FIRST = Duration.ofSeconds(1);

  /** The longest wait between two revocations of the same gone pod's campaigns. */
  public static final Duration CAP = Duration.ofSeconds(60);

  /** A gone pod whose keys have not been seen for this long is forgotten. */
  private static final long FORGET_MS = TimeUnit.MINUTES.toMillis(10);

  /** What to do with one key of a gone pod. */
  public record Decision(boolean revoke, Optional<Report> report) {
    static final Decision REVOKE = new Decision(true, Optional.empty());
    static final Decision WAIT = new Decision(false, Optional.empty());
  }

  /**
   * A gone pod's agent campaigned again after its lease was revoked: {@code campaigns} such
   * campaigns so far, the next one is revoked no sooner than {@code nextWaitMillis} after this.
   */
  public record Report(
      String pod, String podUid, long leaseId, int campaigns, long nextWaitMillis) {
    /** The Event's message. */
    public String message() {
      return "pod "
          + pod
          + " is gone but its agent keeps campaigning (lease "
          + Long.toHexString(leaseId)
          + ", campaign "
          + campaigns
          + " since its pod went; next revocation no sooner than "
          + (nextWaitMillis / 1000)
          + " s): stop that process, or check for a node that lost contact with the API server"
          + " and still runs its containers";
    }
  }

  private static final class Member {
    final Backoff backoff = Backoff.equalJitter(FIRST, CAP);
    long revokedLease;
    long notBeforeMillis;
    long lastSeenMillis;
    long campaignLease;
    int campaigns;
  }

  private final Map<String, Member> members = new ConcurrentHashMap<>();

  /**
   * Whether to revoke {@code leaseId}, a key of the gone pod {@code pod} (UID {@code podUid}) of
   * group {@code group}, at {@code nowMillis}; {@code leadsWhileOthersCampaign}: that key leads the
   * election while a pod of the group campaigns.
   */
  public Decision decide(
      String group,
      String pod,
      String podUid,
      long leaseId,
      boolean leadsWhileOthersCampaign,
      long nowMillis) {
    members.values().removeIf(m -> nowMillis - m.lastSeenMillis > FORGET_MS);
    Member m = members.computeIfAbsent(group + "/" + pod + "/" + podUid, k -> new Member());
    synchronized (m) {
      m.lastSeenMillis = nowMillis;
      if (m.revokedLease == 0) {
        // The pod's first lease since it went.
        m.revokedLease = leaseId;
        schedule(m, nowMillis);
        return Decision.REVOKE;
      }
      if (m.revokedLease == leaseId) {
        // The same lease again: its revoke is in flight or failed; the caller asks each lease
        // once and backs off failed calls.
        return Decision.REVOKE;
      }
      if (m.campaignLease != leaseId) {
        m.campaignLease = leaseId;
        m.campaigns++;
      }
      if (nowMillis - m.notBeforeMillis < 0 && !leadsWhileOthersCampaign) {
        return Decision.WAIT;
      }
      m.revokedLease = leaseId;
      long wait = schedule(m, nowMillis);
      return new Decision(true, Optional.of(new Report(pod, podUid, leaseId, m.campaigns, wait)));
    }
  }

  /** The next campaign of {@code m} is revoked no sooner than the returned wait from now. */
  private static long schedule(Member m, long nowMillis) {
    // The ceiling, not a jittered draw: a single agent needs no spreading, and the waits grow
    // strictly (1 s, 2 s, 4 s, ... 60 s).
    long wait = m.backoff.ceilingMillis();
    m.backoff.nextDelayMillis();
    m.notBeforeMillis = nowMillis + wait;
    return wait;
  }

  /** Forgets the group's gone pods (the group was deleted). */
  public void forget(String group) {
    members.keySet().removeIf(k -> k.startsWith(group + "/"));
  }
}
