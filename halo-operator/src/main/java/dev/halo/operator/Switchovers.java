package dev.halo.operator;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.Annotations;
import dev.halo.operator.model.Membership;
import dev.halo.operator.model.PodState;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Planned switchovers asked for with the {@value Annotations#SWITCHOVER} annotation, which names
 * the master to hand over from. While that pod is the master it is asked to step down, the same
 * hand-over a rolling update does (its agent demotes, then gives up its lease, and the next
 * candidate in line is elected), as soon as another pod is Ready and campaigning; it stays a
 * standby. Once it is not the master (done, or the request named someone else) the annotation is
 * removed, so a request acts once.
 */
final class Switchovers {
  private static final Logger log = LoggerFactory.getLogger(Switchovers.class);

  private final ObjectWriter writer;
  private final EventRecorder events;
  private final LeaseReleaser releaser;

  Switchovers(ObjectWriter writer, EventRecorder events, LeaseReleaser releaser) {
    this.writer = writer;
    this.events = events;
    this.releaser = releaser;
  }

  /** Acts on the group's request, if any; returns whether it asked the master to hand over. */
  boolean act(HighAvailabilityGroup hag, List<Pod> pods, Membership view, Optional<String> master) {
    String from = writer.annotation(hag, Annotations.SWITCHOVER).orElse(null);
    if (from == null) {
      writer.settled(hag, WriteRefusals.Write.ANNOTATION); // no annotation left to remove
    }
    if (from == null || master.isEmpty()) {
      return false; // nothing asked, or no master yet to hand over from: wait
    }
    String pod = from.strip();
    if (!master.get().equals(pod)) {
      done(hag, pods, pod, master.get());
      return false;
    }
    boolean standbyReady =
        pods.stream()
            .filter(p -> !PodState.name(p).equals(pod) && !PodState.terminating(p))
            .anyMatch(p -> PodState.ready(p) && view.isCampaigning(PodState.name(p)));
    if (!standbyReady) {
      events.warning(
          hag,
          "SwitchoverBlocked",
          pod + " stays master: no other pod is Ready and campaigning to take over; waiting");
      return false;
    }
    events.forget(hag, "SwitchoverBlocked");
    events.normal(
        hag,
        "Switchover",
        pod + " hands over mastership (" + Annotations.SWITCHOVER + " annotation)");
    releaser.handOver(hag, pod, view);
    return true;
  }

  /** The request names a pod that is not the master (any more): it is removed. */
  private void done(HighAvailabilityGroup hag, List<Pod> pods, String pod, String master) {
    if (pods.stream().noneMatch(p -> PodState.name(p).equals(pod))) {
      events.warning(
          hag,
          "SwitchoverIgnored",
          "\""
              + pod
              + "\" is no pod of this group; to hand over, annotate with the master's name ("
              + master
              + ")");
    }
    events.forget(hag, "SwitchoverBlocked");
    writer.removeAnnotation(hag, Annotations.SWITCHOVER);
    log.atInfo()
        .addKeyValue("group", HighAvailabilityGroupReconciler.key(hag))
        .addKeyValue("requested", pod)
        .addKeyValue("master", master)
        .log("switchover request done or stale; annotation removed");
  }
}
