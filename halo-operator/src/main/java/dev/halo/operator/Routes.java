package dev.halo.operator;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.ElectionKeys;
import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.ElectionService;
import dev.halo.operator.model.EtcdEndpoints;
import dev.halo.operator.model.Membership;
import dev.halo.operator.model.OperatorDefaults;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells etcd whom the traffic goes to: once this operator has labelled the elected leader's pod
 * master (and pointed the Service at it), it puts {@link ElectionKeys#routedKey} = {@code <pod>
 * <term>} attached to that leader's lease. A master that drains before its pod stops ({@link
 * dev.halo.common.DrainHook}) waits for this key to name its successor, so its workload serves
 * until the labels have moved. Written once per master and term; a failed write is tried again at
 * the next reconcile.
 */
final class Routes {
  private static final Logger log = LoggerFactory.getLogger(Routes.class);

  private final ElectionService elections;
  private final OperatorDefaults defaults;

  /** Group → the value written (or being written) last. */
  private final Map<String, String> written = new ConcurrentHashMap<>();

  Routes(ElectionService elections, OperatorDefaults defaults) {
    this.elections = elections;
    this.defaults = defaults;
  }

  /**
   * Publishes {@code labelledMaster} when it is the pod of the election's leader; returns whether a
   * write was started.
   */
  boolean publish(HighAvailabilityGroup hag, Membership members, Optional<String> labelledMaster) {
    Optional<Candidate> leader = members.leader();
    if (labelledMaster.isEmpty()
        || leader.isEmpty()
        || !members.leaderPod().equals(labelledMaster)) {
      return false;
    }
    String group = HighAvailabilityGroupReconciler.key(hag);
    Candidate master = leader.get();
    String value = ElectionKeys.routed(labelledMaster.get(), master.createRevision());
    if (value.equals(written.put(group, value))) {
      return false;
    }
    long started = System.nanoTime();
    elections
        .writeRouted(
            EtcdEndpoints.of(hag.getSpec(), defaults),
            members.view().election(),
            value,
            master.leaseId())
        .whenComplete(
            (ok, error) -> {
              if (error == null) {
                log.atDebug()
                    .addKeyValue("group", group)
                    .addKeyValue("routed", value)
                    .addKeyValue("tookMs", (System.nanoTime() - started) / 1_000_000)
                    .log("route published");
                return;
              }
              written.remove(group, value);
              log.atWarn()
                  .addKeyValue("group", group)
                  .addKeyValue("routed", value)
                  .addKeyValue("error", error.toString())
                  .log(
                      "could not publish the route in etcd; a draining master waits for its"
                          + " timeout instead, the next reconcile tries again");
            });
    return true;
  }

  /** Forgets a deleted group (its key goes with its master's lease). */
  void forget(HighAvailabilityGroup hag) {
    written.remove(HighAvailabilityGroupReconciler.key(hag));
  }
}
