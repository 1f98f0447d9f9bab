package dev.halo.operator;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.operator.election.Fence;
import dev.halo.operator.election.RemovalPath;
import dev.halo.operator.election.Removed;
import dev.halo.operator.model.Revocations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes each key removal visible: the metric {@code halo_lease_removals_total{path}} and an Event
 * on the group naming the path: Warning {@value #MASTER_FENCED} when the next master waits for a
 * fence, Normal {@value #KEY_REMOVED} when the key went at once. An unreadable fence, which holds
 * every agent of the group back, is a Warning {@value #UNREADABLE_FENCE}; another site's fence
 * finished here because that site's operator left it half-done is a Warning {@value
 * #ABANDONED_FENCE_FINISHED}.
 */
final class RemovalReporter implements KeyRemover.Removals {
  private static final Logger log = LoggerFactory.getLogger(RemovalReporter.class);
  static final String MASTER_FENCED = "MasterFenced";
  static final String KEY_REMOVED = "KeyRemoved";
  static final String UNREADABLE_FENCE = "UnreadableFence";
  static final String ABANDONED_FENCE_FINISHED = "AbandonedFenceFinished";

  private final GuardedWrites.Events events;
  private final OperatorMetrics metrics;

  RemovalReporter(GuardedWrites.Events events, OperatorMetrics metrics) {
    this.events = events;
    this.metrics = metrics;
  }

  @Override
  public void removed(HighAvailabilityGroup hag, Revocations.Revocation r, Removed removed) {
    metrics.leaseRemoved(removed.path().label());
    if (removed.path() == RemovalPath.FENCED) {
      events.warning(hag, MASTER_FENCED, fencedMessage(r, removed.fenceTtlSeconds()));
    } else {
      events.normal(hag, KEY_REMOVED, removedMessage(r, removed.path()));
    }
  }

  @Override
  public void unreadableFence(HighAvailabilityGroup hag, Fence fence) {
    log.atWarn()
        .addKeyValue("group", HighAvailabilityGroupReconciler.key(hag))
        .addKeyValue("fence", fence.key())
        .log("a fence key holds an unreadable value; no pod of the group becomes master");
    events.warning(
        hag,
        UNREADABLE_FENCE,
        fence.key()
            + " is not a fence Halo wrote, yet it holds every agent of the group back from"
            + " mastership; if no operator wrote it, delete it: etcdctl del "
            + fence.key());
  }

  @Override
  public void abandonedFenceFinished(HighAvailabilityGroup hag, Fence fence, long seconds) {
    log.atWarn()
        .addKeyValue("group", HighAvailabilityGroupReconciler.key(hag))
        .addKeyValue("fence", fence.key())
        .addKeyValue("fenced", fence.describe())
        .addKeyValue("leftForSeconds", seconds)
        .log("finished another site's fence that its operator left half-done");
    events.warning(hag, ABANDONED_FENCE_FINISHED, abandonedMessage(fence, seconds));
  }

  /** E.g. {@code the fence of web-0 (lease 200), a member of another site, ...}. */
  static String abandonedMessage(Fence fence, long seconds) {
    long armedFor = fence.value().map(v -> v.ttlSeconds() + 1).orElse(0L);
    return "the fence of "
        + fence.describe()
        + ", a member of another site, was left half-done for "
        + seconds
        + " s by that site's operator, so this site finished it: the lease is revoked and the"
        + " fence holds the next master back "
        + armedFor
        + " s more. Check that site's operator and its access to etcd";
  }

  /**
   * E.g. {@code pod web-0 was deleted while its agent may still run and act as master; the next
   * master waits 4 s (lease TTL 3 s + 1 s) for that agent's deadline ...}.
   */
  static String fencedMessage(Revocations.Revocation r, long ttlSeconds) {
    String what =
        switch (r.reason()) {
          case "podDeleted" -> "was deleted";
          case Revocations.GROUP_DELETED -> "belongs to a deleted group";
          default -> "is going (" + r.reason() + ")";
        };
    return "pod "
        + r.member()
        + " "
        + what
        + " while its agent may still run and act as master; the next master waits "
        + (ttlSeconds + 1)
        + " s (lease TTL "
        + ttlSeconds
        + " s + 1 s) for that agent's deadline. To hand over at once, delete pods without"
        + " --force or ask for a switchover";
  }

  /** E.g. {@code pod web-2's key (lease 694d) removed at once (never-leader: ...)}. */
  static String removedMessage(Revocations.Revocation r, RemovalPath path) {
    String why =
        path == RemovalPath.NEVER_LEADER
            ? "never-leader: "
                + r.witness().map(w -> w.member() + "'s older key").orElse("an older key")
                + " led throughout its life"
            : "immediate: " + r.reason();
    return "pod "
        + r.member()
        + "'s key (lease "
        + Long.toHexString(r.leaseId())
        + ") removed at once ("
        + why
        + ")";
  }
}
