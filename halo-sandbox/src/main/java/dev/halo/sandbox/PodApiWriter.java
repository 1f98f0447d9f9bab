package dev.halo.sandbox;

import dev.halo.common.Labels;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.PodResource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes what the kubelet reports to the API server: pod status and the kubelet's finalizer. */
final class PodApiWriter {
  private static final Logger log = LoggerFactory.getLogger(PodApiWriter.class);
  private static final String FINALIZER = LocalKubelet.FINALIZER;
  private static final int WRITE_ATTEMPTS = 6;

  private final KubernetesClient client;
  private final String namespace;
  private final AtomicBoolean closed;

  PodApiWriter(KubernetesClient client, String namespace, AtomicBoolean closed) {
    this.client = client;
    this.namespace = namespace;
    this.closed = closed;
  }

  PodResource pod(String name) {
    return client.pods().inNamespace(namespace).withName(name);
  }

  /**
   * The pod for a patch given as text: fabric8 reads an object before such a patch unless the call
   * names it, and a JSON patch here carries its own test of the pod's UID.
   */
  private PodResource patchable(String name) {
    return client
        .pods()
        .inNamespace(namespace)
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withNamespace(namespace)
                .withName(name)
                .endMetadata()
                .build());
  }

  /** Puts the kubelet's finalizer on the pod; false when the pod is gone (or is another now). */
  boolean addFinalizer(KubeletPod rt) {
    try {
      Pod edited =
          pod(rt.name)
              .edit(
                  p -> {
                    if (rt.uid.equals(p.getMetadata().getUid())
                        && !p.getMetadata().getFinalizers().contains(FINALIZER)) {
                      List<String> finalizers = new ArrayList<>(p.getMetadata().getFinalizers());
                      finalizers.add(FINALIZER);
                      p.getMetadata().setFinalizers(finalizers);
                    }
                    return p;
                  });
      return edited != null && rt.uid.equals(edited.getMetadata().getUid());
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        log.atInfo().addKeyValue("pod", rt.name).log("kubelet: pod vanished before it started");
        return false;
      }
      throw e;
    }
  }

  void removeFinalizer(String name, String uid) {
    for (int attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
      try {
        pod(name)
            .edit(
                p -> {
                  if (uid.equals(p.getMetadata().getUid())) {
                    List<String> finalizers = new ArrayList<>(p.getMetadata().getFinalizers());
                    finalizers.remove(FINALIZER);
                    p.getMetadata().setFinalizers(finalizers);
                  }
                  return p;
                });
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404 || closed.get() && attempt > 1) {
          return;
        }
        if (attempt == WRITE_ATTEMPTS || !retryable(e)) {
          log.atWarn()
              .addKeyValue("pod", name)
              .addKeyValue("error", e.getMessage())
              .log("kubelet: cannot remove the finalizer");
          return;
        }
        sleep(Duration.ofMillis(50L * attempt));
      }
    }
  }

  /** Removes the finalizer from every Halo pod of the namespace that still has it. */
  void removeAllFinalizers() {
    client
        .pods()
        .inNamespace(namespace)
        .withLabel(Labels.APP_MANAGED_BY, Labels.MANAGED_BY_HALO)
        .list()
        .getItems()
        .stream()
        .filter(p -> p.getMetadata().getFinalizers().contains(FINALIZER))
        .forEach(p -> removeFinalizer(p.getMetadata().getName(), p.getMetadata().getUid()));
  }

  /**
   * Marks the pod terminating as the API server does on a DELETE: deletionTimestamp now,
   * deletionGracePeriodSeconds {@code grace}, held by the kubelet's finalizer.
   */
  void markTerminating(Pod current, long grace) {
    // A JSON patch, not edit(): fabric8 leaves metadata.deletionTimestamp out of edit() diffs.
    List<String> finalizers = new ArrayList<>(current.getMetadata().getFinalizers());
    if (!finalizers.contains(FINALIZER)) {
      finalizers.add(FINALIZER);
    }
    String patch =
        "[{\"op\":\"test\",\"path\":\"/metadata/uid\",\"value\":"
            + Serialization.asJson(current.getMetadata().getUid())
            + "},{\"op\":\"add\",\"path\":\"/metadata/finalizers\",\"value\":"
            + Serialization.asJson(finalizers)
            + "},{\"op\":\"add\",\"path\":\"/metadata/deletionTimestamp\",\"value\":"
            + Serialization.asJson(PodStatusFactory.timestamp(Instant.now()))
            + "},{\"op\":\"add\",\"path\":\"/metadata/deletionGracePeriodSeconds\",\"value\":"
            + grace
            + "}]";
    patchable(current.getMetadata().getName()).patch(PatchContext.of(PatchType.JSON), patch);
  }

  /** Records a FailedMount Warning event on the pod, as a kubelet does (best effort). */
  void failedMount(KubeletPod rt, String message) {
    warning(rt, "FailedMount", message);
  }

  /** Records a FailedPreStopHook Warning event on the pod, as a kubelet does (best effort). */
  void failedPreStopHook(KubeletPod rt, String message) {
    warning(rt, "FailedPreStopHook", message);
  }

  private void warning(KubeletPod rt, String reason, String message) {
    String now = PodStatusFactory.timestamp(Instant.now());
    io.fabric8.kubernetes.api.model.Event event =
        new io.fabric8.kubernetes.api.model.EventBuilder()
            .withNewMetadata()
            .withName(rt.name + "." + Long.toHexString(System.nanoTime()))
            .withNamespace(namespace)
            .endMetadata()
            .withNewInvolvedObject()
            .withApiVersion("v1")
            .withKind("Pod")
            .withName(rt.name)
            .withNamespace(namespace)
            .withUid(rt.uid)
            .endInvolvedObject()
            .withType("Warning")
            .withReason(reason)
            .withMessage(message)
            .withNewSource()
            .withComponent("kubelet")
            .withHost("halo-sandbox-node")
            .endSource()
            .withReportingComponent("kubelet")
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withCount(1)
            .build();
    try {
      client.v1().events().inNamespace(namespace).resource(event).create();
    } catch (KubernetesClientException e) {
      log.atDebug()
          .addKeyValue("pod", rt.name)
          .addKeyValue("error", e.getMessage())
          .addKeyValue("reason", reason)
          .log("kubelet: Warning event not recorded");
    }
  }

  /** Writes the pod's whole status (caller holds the pod's lock); false when the pod is gone. */
  boolean writeStatus(KubeletPod rt) {
    if (closed.get()) {
      return false;
    }
    if (rt.statusFrozen) {
      return true; // crashAgentSilently: the node reports nothing
    }
    String patch =
        "[{\"op\":\"test\",\"path\":\"/metadata/uid\",\"value\":"
            + Serialization.asJson(rt.uid)
            + "},{\"op\":\"add\",\"path\":\"/status\",\"value\":"
            + Serialization.asJson(PodStatusFactory.status(rt))
            + "}]";
    PodResource resource = patchable(rt.name);
    for (int attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
      try {
        resource.subresource("status").patch(PatchContext.of(PatchType.JSON), patch);
        rt.writtenAgentReady = rt.agentRunning() && rt.agentReady;
        rt.writtenWorkloadHealthy = rt.workload != null && rt.workload.healthy.get();
        rt.statusUnsynced = false;
        return true;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          rt.statusUnsynced = false;
          return false;
        }
        if (e.getCode() != 409 && !isSamePod(resource, rt.uid)) {
          rt.statusUnsynced = false;
          return false; // the uid test failed: this name is a new pod now
        }
        if (attempt == WRITE_ATTEMPTS || !retryable(e)) {
          // The probe loop writes it again (a busy API server timed the request out).
          rt.statusUnsynced = true;
          log.atWarn()
              .addKeyValue("pod", rt.name)
              .addKeyValue("code", e.getCode())
              .addKeyValue("error", e.getMessage())
              .log("kubelet: cannot write pod status; retrying at the next probe");
          return false;
        }
        sleep(Duration.ofMillis(50L * attempt));
      }
    }
    return false;
  }

  private static boolean retryable(KubernetesClientException e) {
    return e.getCode() == 409 || e.getCode() == 429 || e.getCode() >= 500 || e.getCode() <= 0;
  }

  /** Whether the pod under that name is still {@code uid}; true when the API cannot tell now. */
  static boolean isSamePod(PodResource resource, String uid) {
    Pod pod;
    try {
      pod = resource.get();
    } catch (KubernetesClientException e) {
      return true; // unknown: keep the write pending rather than drop it
    }
    return pod != null && uid.equals(pod.getMetadata().getUid());
  }

  static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
