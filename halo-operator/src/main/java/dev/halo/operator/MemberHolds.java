package dev.halo.operator;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.ElectionKeys;
import dev.halo.common.Names;
import dev.halo.operator.election.ElectionService;
import dev.halo.operator.model.EtcdEndpoints;
import dev.halo.operator.model.GroupElection;
import dev.halo.operator.model.Membership;
import dev.halo.operator.model.NeverMaster;
import dev.halo.operator.model.OperatorDefaults;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps each member's hold key ({@link ElectionKeys#memberHoldKey}) as {@code
 * spec.election.neverMaster} says ({@link NeverMaster}): put, with the reason as its value, for an
 * excluded member, deleted for the others, so that their agents stop or resume campaigning without
 * a pod restart. What was written is remembered per pod, so etcd is written only on a change (and
 * once after the operator starts); a failed write is tried again after {@link #RETRY_MS}. An
 * excluded master is asked to step down only while another member can take over; a group whose only
 * candidates are excluded gets a Warning {@value #ONLY_EXCLUDED}.
 */
final class MemberHolds {
  private static final Logger log = LoggerFactory.getLogger(MemberHolds.class);

  /** Warning: no master, because every member that could take over is excluded. */
  static final String ONLY_EXCLUDED = "OnlyExcludedMembers";

  static final long RETRY_MS = 2_000;

  private final ElectionService elections;
  private final OperatorDefaults defaults;
  private final EventRecorder events;
  private final LeaseReleaser releaser;
  private final LongSupplier clockMillis;

  /** Group → pod → the hold written last (its value, empty: deleted), or being written. */
  private final Map<String, Map<String, Written>> written = new ConcurrentHashMap<>();

  /** A hold written or being written; {@code done} completes when etcd has it (or failed). */
  private record Written(
      Optional<String> value, long atMillis, boolean failed, CompletableFuture<Void> done) {}

  MemberHolds(
      ElectionService elections,
      OperatorDefaults defaults,
      EventRecorder events,
      LeaseReleaser releaser,
      LongSupplier clockMillis) {
    this.elections = elections;
    this.defaults = defaults;
    this.events = events;
    this.releaser = releaser;
    this.clockMillis = clockMillis;
  }

  /**
   * Puts or deletes the hold of every replica, and of every pod held before (a pod scaled away must
   * not find a stale hold when it comes back); returns the excluded members, pod → why.
   */
  Map<String, String> hold(HighAvailabilityGroup hag, Membership members) {
    Map<String, String> excluded = NeverMaster.excluded(hag);
    String group = HighAvailabilityGroupReconciler.key(hag);
    Map<String, Written> byPod = written.computeIfAbsent(group, g -> new ConcurrentHashMap<>());
    Set<String> pods = new TreeSet<>(byPod.keySet());
    String name = hag.getMetadata().getName();
    for (int i = 0; i < hag.getSpec().getReplicas(); i++) {
      pods.add(Names.pod(name, i));
    }
    long now = clockMillis.getAsLong();
    for (String pod : pods) {
      Optional<String> value = Optional.ofNullable(excluded.get(pod));
      Written last = byPod.get(pod);
      boolean due =
          last == null
              || !last.value().equals(value)
              || (last.failed() && now - last.atMillis() >= RETRY_MS);
      if (due) {
        write(hag, members, byPod, pod, value, now);
      }
    }
    return excluded;
  }

  private void write(
      HighAvailabilityGroup hag,
      Membership members,
      Map<String, Written> byPod,
      String pod,
      Optional<String> value,
      long now) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    Written attempt = new Written(value, now, false, done);
    byPod.put(pod, attempt);
    String key =
        ElectionKeys.memberHoldKey(members.view().election(), GroupElection.siteName(hag), pod);
    elections
        .setSiteHold(
            EtcdEndpoints.of(hag.getSpec(), defaults), key, value.isPresent(), value.orElse(""))
        .whenComplete(
            (ok, error) -> {
              String group = HighAvailabilityGroupReconciler.key(hag);
              if (error != null) {
                byPod.replace(pod, attempt, new Written(value, now, true, done));
                done.completeExceptionally(error);
                log.atWarn()
                    .addKeyValue("group", group)
                    .addKeyValue("key", key)
                    .addKeyValue("held", value.isPresent())
                    .addKeyValue("retryInMs", RETRY_MS)
                    .addKeyValue("error", error.toString())
                    .log("could not write a member's hold; trying again");
                return;
              }
              done.complete(null);
              log.atDebug()
                  .addKeyValue("group", group)
                  .addKeyValue("key", key)
                  .addKeyValue("why", value.orElse(""))
                  .log(
                      value.isPresent()
                          ? "member held out of the election"
                          : "member may campaign");
            });
  }

  /**
   * An excluded master hands over when another member can take over ({@link NeverMaster#master}),
   * asked once etcd has its hold; returns whether a hand-over is asked or waits for that write. The
   * caller does not call it while the group is paused.
   */
  boolean stepDown(
      HighAvailabilityGroup hag,
      List<Pod> pods,
      Membership members,
      Optional<String> master,
      Map<String, String> excluded) {
    NeverMaster.MasterStep step = NeverMaster.master(excluded, pods, members, master);
    if (!(step instanceof NeverMaster.MasterStep.HandOver h)) {
      return false;
    }
    // Only once etcd has the master's hold: its agent reads the hold again when it steps down, and
    // must find it there, or it would rejoin the queue and could be elected again.
    Written hold =
        written.getOrDefault(HighAvailabilityGroupReconciler.key(hag), Map.of()).get(h.master());
    if (hold == null || hold.value().isEmpty()) {
      return false;
    }
    if (hold.failed()) {
      return true; // looked at again soon: hold() writes it again after RETRY_MS
    }
    hold.done()
        .thenRun(
            () -> {
              events.normal(
                  hag, "Switchover", h.master() + " hands over mastership (" + h.why() + ")");
              log.atInfo()
                  .addKeyValue("group", HighAvailabilityGroupReconciler.key(hag))
                  .addKeyValue("master", h.master())
                  .addKeyValue("why", h.why())
                  .addKeyValue("eligible", h.to())
                  .log("excluded master asked to step down");
              releaser.handOver(hag, h.master(), members);
            });
    return true;
  }

  /** Warns while no member that is not excluded is left to become master. */
  void warnIfOnlyExcluded(
      HighAvailabilityGroup hag,
      List<Pod> pods,
      Membership members,
      Optional<String> master,
      Map<String, String> excluded) {
    if (master.isPresent() || !NeverMaster.onlyExcludedLeft(excluded, pods, members)) {
      events.forget(hag, ONLY_EXCLUDED);
      return;
    }
    events.warning(hag, ONLY_EXCLUDED, NeverMaster.describeOnlyExcluded(excluded, pods));
  }

  /** Forgets a deleted group (its holds stay: its pods are gone anyway). */
  void forget(HighAvailabilityGroup hag) {
    written.remove(HighAvailabilityGroupReconciler.key(hag));
  }
}
