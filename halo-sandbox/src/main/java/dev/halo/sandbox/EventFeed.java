package dev.halo.sandbox;

import dev.halo.common.Labels;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What happens in the sandbox namespace as one line each: the Kubernetes Events the operator
 * records, and every pod's role label change as it lands. Keeps the last lines for the live view
 * and hands each new one to a listener (the headless mode logs them).
 */
public final class EventFeed implements AutoCloseable {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

  private final int keep;
  private final Deque<String> lines = new ArrayDeque<>();
  private final Consumer<String> listener;
  private final SharedIndexInformer<Event> events;
  private final SharedIndexInformer<Pod> pods;

  private EventFeed(KubernetesClient client, String namespace, int keep, Consumer<String> sink) {
    this.keep = keep;
    this.listener = sink;
    this.events = client.v1().events().inNamespace(namespace).inform(eventHandler(), 0);
    this.pods =
        client
            .pods()
            .inNamespace(namespace)
            .withLabel(Labels.APP_MANAGED_BY, Labels.MANAGED_BY_HALO)
            .inform(podHandler(), 0);
  }

  /** Follows {@code namespace}, keeping the last {@code keep} lines. */
  public static EventFeed start(
      KubernetesClient client, String namespace, int keep, Consumer<String> listener) {
    return new EventFeed(client, namespace, keep, listener);
  }

  /** The last lines, oldest first. */
  public synchronized List<String> last() {
    return List.copyOf(lines);
  }

  private void add(String line) {
    String stamped =
        LocalTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MILLIS).format(TIME) + "  " + line;
    synchronized (this) {
      lines.addLast(stamped);
      while (lines.size() > keep) {
        lines.removeFirst();
      }
    }
    listener.accept(line);
  }

  private ResourceEventHandler<Event> eventHandler() {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(Event e) {
        add(describe(e));
      }

      @Override
      public void onUpdate(Event before, Event after) {
        if (!Objects.equals(before.getCount(), after.getCount())) {
          add(describe(after));
        }
      }

      @Override
      public void onDelete(Event e, boolean unknown) {}
    };
  }

  private static String describe(Event e) {
    String object =
        e.getInvolvedObject() == null
            ? ""
            : e.getInvolvedObject().getKind() + "/" + e.getInvolvedObject().getName();
    return String.format("%-7s %-22s %-18s %s", e.getType(), object, e.getReason(), e.getMessage());
  }

  private ResourceEventHandler<Pod> podHandler() {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod pod) {}

      @Override
      public void onUpdate(Pod before, Pod after) {
        String was = role(before);
        String now = role(after);
        if (!Objects.equals(was, now)) {
          add(
              String.format(
                  "%-7s %-22s %-18s %s",
                  "Label",
                  "Pod/" + after.getMetadata().getName(),
                  "RoleChanged",
                  Labels.ROLE
                      + ": "
                      + (was == null ? "-" : was)
                      + " -> "
                      + (now == null ? "-" : now)));
        }
      }

      @Override
      public void onDelete(Pod pod, boolean unknown) {}
    };
  }

  private static String role(Pod pod) {
    Map<String, String> labels = pod.getMetadata().getLabels();
    return labels == null ? null : labels.get(Labels.ROLE);
  }

  @Override
  public void close() {
    events.close();
    pods.close();
  }
}
