package dev.halo.bench;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The Kubernetes API's steps on the rig's embedded API server, each sample in microseconds: one pod
 * label patch (a JSON merge patch, as the operator labels a pod), and the time from its response to
 * another client's pod informer delivering it (negative when the event came first).
 */
final class ApiSteps implements AutoCloseable {
  static final String PROBE_LABEL = "floor.halo.dev/probe";
  private static final PatchContext MERGE = PatchContext.of(PatchType.JSON_MERGE);

  private final KubernetesClient writer;
  private final SharedIndexInformer<Pod> informer;
  private final Map<String, CompletableFuture<Long>> awaited = new ConcurrentHashMap<>();

  ApiSteps(KubernetesClient writer, KubernetesClient watcher, String namespace) {
    this.writer = writer;
    this.informer =
        watcher
            .pods()
            .inNamespace(namespace)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Pod pod) {
                    seen(pod);
                  }

                  @Override
                  public void onUpdate(Pod before, Pod pod) {
                    seen(pod);
                  }

                  @Override
                  public void onDelete(Pod pod, boolean finalStateUnknown) {}
                },
                0);
  }

  private void seen(Pod pod) {
    long at = System.nanoTime();
    String value = pod.getMetadata().getLabels().get(PROBE_LABEL);
    CompletableFuture<Long> f = value == null ? null : awaited.remove(value);
    if (f != null) {
      f.complete(at);
    }
  }

  /** Patches: [patch round trips, patch response → informer event], n each. */
  List<List<Long>> patchesAndEvents(String namespace, String pod, int n) {
    List<Long> patches = new ArrayList<>();
    List<Long> events = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String value = "p" + i + "-" + System.nanoTime();
      CompletableFuture<Long> event = new CompletableFuture<>();
      awaited.put(value, event);
      String patch = "{\"metadata\":{\"labels\":{\"" + PROBE_LABEL + "\":\"" + value + "\"}}}";
      long t = System.nanoTime();
      writer.pods().inNamespace(namespace).withName(pod).patch(MERGE, patch);
      long answered = System.nanoTime();
      patches.add(EtcdSteps.micros(answered - t));
      try {
        events.add(EtcdSteps.micros(event.get(10, TimeUnit.SECONDS) - answered));
      } catch (Exception e) {
        throw new IllegalStateException("no informer event for the patch of " + pod + ": " + e, e);
      }
    }
    return List.of(patches, events);
  }

  /** Sets {@code key=value} on {@code pod}; returns when the API server answered. */
  static void label(KubernetesClient client, String namespace, String pod, String key, String v) {
    client
        .pods()
        .inNamespace(namespace)
        .withName(pod)
        .patch(MERGE, "{\"metadata\":{\"labels\":{\"" + key + "\":\"" + v + "\"}}}");
  }

  @Override
  public void close() {
    informer.close();
  }
}
