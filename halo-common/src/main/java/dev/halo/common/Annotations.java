package dev.halo.common;

/** Every annotation key Halo reads or writes (label keys are in {@link Labels}). */
public final class Annotations {
  private Annotations() {}

  /** On a pod: hash of what it was built from; a different hash means the pod must be rolled. */
  public static final String TEMPLATE_HASH = "halo.dev/template-hash";

  /**
   * On a group: a planned switchover away from the master this names ({@code kubectl annotate hag
   * web halo.dev/switchover=web-0}); the operator removes it once that pod is no longer master.
   */
  public static final String SWITCHOVER = "halo.dev/switchover";

  /**
   * On a group: a planned switchover to the member this names, whatever its place in the election's
   * queue: a pod of the group ({@code kubectl annotate hag web halo.dev/switchover-to=web-2}), or,
   * on the group of the master's site of a multi-site group, a member of any site ({@code
   * lyon/orders-lyon-1}; a bare pod name is one of that site's). Every candidate queued ahead of it
   * queues again, then the master steps down. The operator removes it once that member is master
   * (Normal event {@code SwitchoverDone}), or refuses it with a Warning {@code SwitchoverRefused}
   * (not a member, not Ready, not campaigning, another switchover under way, or not done within
   * twice the lease TTL plus 2 s) and removes it too.
   */
  public static final String SWITCHOVER_TO = "halo.dev/switchover-to";

  /**
   * On a master Service: it has no selector because the master runs on another site, whose address
   * an EndpointSlice lists; the value names that master ({@code <site>/<pod>}). Absent: the Service
   * selects this site's master.
   */
  public static final String REMOTE_MASTER = "halo.dev/remote-master";

  /**
   * On a multi-site group in {@code spec.site.failover: Manual}: lets this site's pods campaign
   * although the master is not on this site ({@code kubectl annotate hag web
   * halo.dev/activate-site=true}); the operator removes it once this site holds the master.
   */
  public static final String ACTIVATE_SITE = "halo.dev/activate-site";

  /** On a pod: which container {@code kubectl logs} and {@code exec} pick by default. */
  public static final String DEFAULT_CONTAINER = "kubectl.kubernetes.io/default-container";
}
