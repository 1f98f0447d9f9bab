package dev.halo.operator;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.operator.election.ElectionService;
import dev.halo.operator.election.ElectionView;
import dev.halo.operator.election.SwitchoverRequest;
import dev.halo.operator.model.EtcdEndpoints;
import dev.halo.operator.model.GroupElection;
import dev.halo.operator.model.OperatorDefaults;
import dev.halo.operator.model.SiteSwitchover;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the master to hand over as soon as the election watch shows a switchover's target next in
 * line ({@link SiteSwitchover#handOverDue}), without waiting for the reconcile that the same event
 * starts (which may queue behind a running one): the reconcile that publishes a request arms it,
 * the next reconcile disarms it and arms it again while the request still waits. It asks only the
 * step-down a reconcile would ask ({@link LeaseReleaser#handOverLease}); the hand-over's events
 * come with the next reconcile ({@link #handedOver}).
 */
final class SwitchoverHandOvers {
  private static final Logger log = LoggerFactory.getLogger(SwitchoverHandOvers.class);

  /**
   * A hand-over that waits for its target to be next in line.
   *
   * @param hag the group as last reconciled
   * @param master the master's pod
   * @param target the member as asked (the annotation's value, or a failback's target)
   * @param request the published request
   * @param failback whether a failback asked for it, not an annotation
   */
  record Armed(
      HighAvailabilityGroup hag,
      String master,
      String target,
      SwitchoverRequest request,
      boolean failback) {}

  private final ElectionService elections;
  private final OperatorDefaults defaults;
  private final LeaseReleaser releaser;

  /** Group → its hand-over waiting for the queue. */
  private final Map<String, Armed> armed = new ConcurrentHashMap<>();

  /** Group → the hand-over asked from the watch whose events the next reconcile records. */
  private final Map<String, Armed> fired = new ConcurrentHashMap<>();

  SwitchoverHandOvers(
      ElectionService elections, OperatorDefaults defaults, LeaseReleaser releaser) {
    this.elections = elections;
    this.defaults = defaults;
    this.releaser = releaser;
  }

  /** Hands over once the queue is ready, now if it is already. */
  void arm(Armed hand) {
    armed.put(HighAvailabilityGroupReconciler.key(hand.hag()), hand);
    check(hand);
  }

  /** Nothing waits any more (each reconcile decides again). */
  void disarm(HighAvailabilityGroup hag) {
    armed.remove(HighAvailabilityGroupReconciler.key(hag));
  }

  /** The hand-over asked from the watch since the last call, if any, for its events. */
  Optional<Armed> handedOver(HighAvailabilityGroup hag) {
    return Optional.ofNullable(fired.remove(HighAvailabilityGroupReconciler.key(hag)));
  }

  /** An election changed (on the etcd watch's thread; never blocks). */
  void electionChanged(String election) {
    armed.values().stream()
        .filter(a -> GroupElection.name(a.hag()).equals(election))
        .forEach(this::check);
  }

  /** Forgets a deleted group. */
  void forget(HighAvailabilityGroup hag) {
    disarm(hag);
    fired.remove(HighAvailabilityGroupReconciler.key(hag));
  }

  private void check(Armed hand) {
    String group = HighAvailabilityGroupReconciler.key(hand.hag());
    String election = GroupElection.name(hand.hag());
    ElectionView view = elections.view(EtcdEndpoints.of(hand.hag().getSpec(), defaults), election);
    if (!SiteSwitchover.handOverDue(view, hand.request()) || !armed.remove(group, hand)) {
      return;
    }
    fired.put(group, hand);
    long lease = hand.request().masterLease();
    log.atInfo()
        .addKeyValue("group", group)
        .addKeyValue("master", hand.master())
        .addKeyValue("target", hand.target())
        .addKeyValue("revision", view.revision())
        .log("the target is next in line: the master hands over (from the election watch)");
    boolean legacy =
        view.candidates().stream().anyMatch(c -> c.leaseId() == lease && c.identity().isEmpty());
    releaser.handOverLease(hand.hag(), election, lease, hand.master(), legacy);
  }
}
