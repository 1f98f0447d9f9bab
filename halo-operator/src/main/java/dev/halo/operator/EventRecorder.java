package dev.halo.operator;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records Kubernetes Events on a group ({@code kubectl describe hag} shows them). The same reason
 * and message for the same group is recorded once per five minutes, so a group that stays invalid
 * or cut off from etcd does not flood the API server.
 */
final class EventRecorder implements GuardedWrites.Events {
  private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
  private static final Duration DEDUPE = Duration.ofMinutes(5);

  private final KubernetesClient client;
  private final RecentEvents recent = new RecentEvents(DEDUPE);

  EventRecorder(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public void normal(HighAvailabilityGroup hag, String reason, String message) {
    record(hag, "Normal", reason, message);
  }

  @Override
  public void warning(HighAvailabilityGroup hag, String reason, String message) {
    record(hag, "Warning", reason, message);
  }

  /** Forgets what was recorded for a group, so its next problem is reported again. */
  @Override
  public void forget(HighAvailabilityGroup hag, String reason) {
    recent.forget(hag.getMetadata().getUid(), reason);
  }

  /** Forgets everything recorded for a deleted group. */
  void forget(HighAvailabilityGroup hag) {
    recent.forget(hag.getMetadata().getUid());
  }

  private void record(HighAvailabilityGroup hag, String type, String reason, String message) {
    Instant now = Instant.now();
    if (!recent.due(hag.getMetadata().getUid(), reason, message, now)) {
      return;
    }
    String ns = hag.getMetadata().getNamespace();
    try {
      client
          .v1()
          .events()
          .inNamespace(ns)
          .resource(
              new EventBuilder()
                  .withNewMetadata()
                  .withNamespace(ns)
                  .withName(
                      hag.getMetadata().getName()
                          + "."
                          + Long.toHexString(now.toEpochMilli())
                          + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000)))
                  .endMetadata()
                  .withInvolvedObject(
                      new ObjectReferenceBuilder()
                          .withApiVersion(hag.getApiVersion())
                          .withKind(hag.getKind())
                          .withName(hag.getMetadata().getName())
                          .withNamespace(ns)
                          .withUid(hag.getMetadata().getUid())
                          .build())
                  .withType(type)
                  .withReason(reason)
                  .withMessage(message)
                  .withCount(1)
                  .withFirstTimestamp(now.toString())
                  .withLastTimestamp(now.toString())
                  .withNewSource()
                  .withComponent("halo-operator")
                  .endSource()
                  .withReportingComponent("halo.dev/operator")
                  .build())
          .create();
    } catch (RuntimeException e) {
      log.atWarn()
          .addKeyValue("group", ns + "/" + hag.getMetadata().getName())
          .addKeyValue("reason", reason)
          .addKeyValue("error", e.getMessage())
          .log("could not record event");
    }
  }
}
