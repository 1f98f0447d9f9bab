package dev.halo.operator;

import static dev.halo.common.Labels.GROUP;
import static dev.halo.common.Labels.ROLE;
import static dev.halo.common.Labels.ROLE_MASTER;
import static dev.halo.common.Labels.ROLE_STANDBY;
import static dev.halo.common.Labels.ZONE;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.HighAvailabilityGroupStatus;
import dev.halo.common.Names;
import dev.halo.operator.WriteRefusals.Write;
import dev.halo.operator.model.OperatorDefaults;
import dev.halo.operator.model.PodDisruptionBudgetFactory;
import dev.halo.operator.model.PodFactory;
import dev.halo.operator.model.PodState;
import dev.halo.operator.model.RoleAssignment;
import dev.halo.operator.model.ServiceFactory;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the reconciler's decisions to the Kubernetes API: Services, the disruption budget, pod
 * creation and deletion, and role labels (JSON merge patches; server-side apply is off). Every
 * write goes through {@link GuardedWrites}, so a refused one is reported and retried with backoff
 * instead of failing the reconcile.
 */
final class ObjectWriter {
  private static final Logger log = LoggerFactory.getLogger(ObjectWriter.class);
  private static final PatchContext MERGE = PatchContext.of(PatchType.JSON_MERGE);
  private static final ObjectMapper NULL_KEEPING = new ObjectMapper();

  private final KubernetesClient client;
  private final OperatorDefaults defaults;
  private final GuardedWrites writes;
  private final WatchFreshness freshness;
  private final WrittenPods written = new WrittenPods();
  // Group → annotation → the group's resource version this operator's removal of it made.
  private final Map<String, Map<String, Long>> removedAnnotations = new ConcurrentHashMap<>();

  ObjectWriter(
      KubernetesClient client,
      OperatorDefaults defaults,
      GuardedWrites writes,
      WatchFreshness freshness) {
    this.client = client;
    this.defaults = defaults;
    this.writes = writes;
    this.freshness = freshness;
  }

  /** Creates the master (and standby) Service and the budget, and reverts selector drift. */
  void ensureServicesAndBudget(HighAvailabilityGroup hag, Context<HighAvailabilityGroup> context) {
    List<Service> actual = List.copyOf(context.getSecondaryResources(Service.class));
    Service master = ServiceFactory.master(hag);
    // A Service sent to a remote master keeps its mode here: only MasterRouter switches it.
    if (find(actual, master.getMetadata().getName())
        .filter(ServiceFactory::routesRemote)
        .isPresent()) {
      master.getSpec().setSelector(null);
    }
    boolean serviceWrites = ensureService(hag, master, actual);
    Service standby = ServiceFactory.standby(hag);
    if (Boolean.TRUE.equals(hag.getSpec().getService().getStandby())) {
      serviceWrites |= ensureService(hag, standby, actual);
    } else if (find(actual, standby.getMetadata().getName()).isPresent()) {
      serviceWrites = true;
      writes.send(
          hag,
          Write.SERVICE,
          "delete Service " + standby.getMetadata().getName(),
          () -> client.services().resource(standby).delete());
    }
    if (!serviceWrites) {
      writes.settled(hag, Write.SERVICE);
    }
    String pdbName = Names.podDisruptionBudget(hag.getMetadata().getName());
    boolean hasPdb =
        context.getSecondaryResources(PodDisruptionBudget.class).stream()
            .anyMatch(p -> p.getMetadata().getName().equals(pdbName));
    if (hasPdb) {
      writes.settled(hag, Write.DISRUPTION_BUDGET);
      return;
    }
    writes.send(
        hag,
        Write.DISRUPTION_BUDGET,
        "create PodDisruptionBudget " + pdbName,
        () ->
            ignoringConflict(
                () ->
                    client
                        .policy()
                        .v1()
                        .podDisruptionBudget()
                        .resource(PodDisruptionBudgetFactory.pdb(hag))
                        .create()));
  }

  /** Creates or reverts one Service; returns whether it needed a write. */
  private boolean ensureService(HighAvailabilityGroup hag, Service desired, List<Service> actual) {
    String name = desired.getMetadata().getName();
    Optional<Service> current = find(actual, name);
    if (current.isEmpty()) {
      if (writes.send(
          hag,
          Write.SERVICE,
          "create Service " + name,
          () -> ignoringConflict(() -> client.services().resource(desired).create()))) {
        log.atInfo().addKeyValue("group", key(hag)).addKeyValue("service", name).log("created");
      }
      return true;
    }
    if (!ServiceFactory.selectorDrifted(current.get(), desired)) {
      return false;
    }
    // A copy: the cached Service must keep showing the drift until an update is accepted.
    Service fixed =
        new ServiceBuilder(current.get())
            .editSpec()
            .withSelector(desired.getSpec().getSelector())
            .withPorts(desired.getSpec().getPorts())
            .withType(desired.getSpec().getType())
            .endSpec()
            .build();
    // A 409 means the cached copy was stale: its update event reconciles again.
    if (writes.send(
        hag,
        Write.SERVICE,
        "update Service " + name + " (its selector, ports or type drifted)",
        () -> ignoringConflict(() -> client.services().resource(fixed).update()))) {
      log.atWarn()
          .addKeyValue("group", key(hag))
          .addKeyValue("service", name)
          .log("service selector drifted; reverted it so only the master gets traffic");
    }
    return true;
  }

  private static Optional<Service> find(List<Service> services, String name) {
    return services.stream().filter(s -> s.getMetadata().getName().equals(name)).findFirst();
  }

  /**
   * The pods as the role labels left them, and whether every label the plan asked for was applied.
   */
  record Labelling(List<Pod> pods, boolean complete) {}

  /**
   * Applies role labels: every demotion first, the promotion only after they all succeeded, then
   * the standby labels of the other pods (they carry no traffic either way). The first refused
   * patch stops the rest, so a refused demotion never lets a second master through.
   */
  Labelling applyRoles(HighAvailabilityGroup hag, List<Pod> pods, RoleAssignment roles) {
    List<Pod> result = new ArrayList<>(pods);
    if (!roles.changesLabels()) {
      writes.settled(hag, Write.ROLE_LABELS);
      return new Labelling(result, true);
    }
    for (String pod : roles.demote()) {
      if (!label(hag, pod, ROLE_STANDBY, result)) {
        return new Labelling(result, false);
      }
      log.atInfo().addKeyValue("group", key(hag)).addKeyValue("pod", pod).log("demoted to standby");
    }
    if (roles.promote().isPresent()) {
      String pod = roles.promote().get();
      if (!label(hag, pod, ROLE_MASTER, result)) {
        return new Labelling(result, false);
      }
      log.atInfo().addKeyValue("group", key(hag)).addKeyValue("pod", pod).log("promoted to master");
    }
    for (String pod : roles.standby()) {
      if (!label(hag, pod, ROLE_STANDBY, result)) {
        return new Labelling(result, false);
      }
    }
    return new Labelling(result, true);
  }

  /**
   * Labels {@code pod} standby even though the pods as read show it is not master: the operator
   * itself labelled it master last, and a pod watch that stalled (a cut connection fabric8 did not
   * notice) would otherwise hide that label until a second pod is labelled master beside it. A pod
   * that is gone (404) has no label to remove. Returns whether the pod is not master now.
   */
  boolean demoteRemembered(HighAvailabilityGroup hag, String pod, List<Pod> pods) {
    String patch = "{\"metadata\":{\"labels\":{\"" + ROLE + "\":\"" + ROLE_STANDBY + "\"}}}";
    boolean done =
        writes.send(
            hag,
            Write.ROLE_LABELS,
            "label pod " + pod + " " + ROLE + "=" + ROLE_STANDBY,
            () -> {
              try {
                replace(pods, patchPod(hag, pod, patch));
              } catch (KubernetesClientException e) {
                if (e.getCode() != 404) {
                  throw e;
                }
              }
            });
    if (done) {
      log.atInfo()
          .addKeyValue("group", key(hag))
          .addKeyValue("pod", pod)
          .log(
              "demoted to standby the pod last labelled master, which the pods as read no longer show");
    }
    return done;
  }

  private boolean label(HighAvailabilityGroup hag, String pod, String role, List<Pod> pods) {
    String patch = "{\"metadata\":{\"labels\":{\"" + ROLE + "\":\"" + role + "\"}}}";
    return writes.send(
        hag,
        Write.ROLE_LABELS,
        "label pod " + pod + " " + ROLE + "=" + role,
        () -> replace(pods, patchPod(hag, pod, patch)));
  }

  /**
   * A JSON merge patch of the group's pod {@code name}. fabric8 reads an object before it sends a
   * patch given as text, unless the call names the object: the reference given here spares that
   * round trip (the patch names no resource version, so nothing else is read from it).
   */
  private Pod patchPod(HighAvailabilityGroup hag, String name, String patch) {
    Pod ref =
        new PodBuilder()
            .withNewMetadata()
            .withNamespace(hag.getMetadata().getNamespace())
            .withName(name)
            .endMetadata()
            .build();
    return client.pods().resource(ref).patch(MERGE, patch);
  }

  /** The group, as a reference for a patch without a read first ({@link #patchPod}). */
  private Resource<HighAvailabilityGroup> group(HighAvailabilityGroup hag) {
    HighAvailabilityGroup ref = new HighAvailabilityGroup();
    ref.setMetadata(
        new ObjectMetaBuilder()
            .withNamespace(hag.getMetadata().getNamespace())
            .withName(hag.getMetadata().getName())
            .build());
    return client.resources(HighAvailabilityGroup.class).resource(ref);
  }

  /**
   * {@code pods} (as cached) with the operator's own label writes that the pod watch has not
   * delivered yet laid over them ({@link WrittenPods}).
   */
  List<Pod> freshest(List<Pod> pods) {
    return written.over(pods);
  }

  private void replace(List<Pod> pods, Pod updated) {
    if (updated != null) {
      wrote(updated);
      written.wrote(updated);
      pods.replaceAll(p -> PodState.name(p).equals(PodState.name(updated)) ? updated : p);
    }
  }

  /**
   * Replaces the group's status with one JSON merge patch of the status subresource. Every
   * top-level field is sent, nulls included, so a field that became empty is removed.
   */
  void patchStatus(HighAvailabilityGroup hag, HighAvailabilityGroupStatus status) {
    Map<String, Object> body = Map.of("status", NULL_KEEPING.convertValue(status, Map.class));
    writes.send(
        hag,
        Write.STATUS,
        "write the status of HighAvailabilityGroup " + key(hag),
        () -> {
          HighAvailabilityGroup written =
              group(hag).subresource("status").patch(MERGE, Serialization.asJson(body));
          if (written != null) {
            freshness.wrote(
                WatchFreshness.GROUP, key(hag), written.getMetadata().getResourceVersion());
          }
        });
  }

  // A pod as the API server answered a write of it: it must come back on the pod watch.
  private void wrote(Pod pod) {
    if (pod != null) {
      freshness.wrote(
          WatchFreshness.POD,
          pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName(),
          pod.getMetadata().getResourceVersion());
    }
  }

  /**
   * Removes one annotation of the group (a JSON merge patch; an absent one is no error), and keeps
   * the group's resource version the removal made, for {@link #annotation}.
   */
  void removeAnnotation(HighAvailabilityGroup hag, String annotation) {
    writes.send(
        hag,
        Write.ANNOTATION,
        "remove the annotation " + annotation + " from HighAvailabilityGroup " + key(hag),
        () -> {
          HighAvailabilityGroup after =
              group(hag)
                  .patch(
                      MERGE,
                      "{\"metadata\":{\"annotations\":{"
                          + Serialization.asJson(annotation)
                          + ":null}}}");
          WrittenPods.version(after)
              .ifPresent(
                  v ->
                      removedAnnotations
                          .computeIfAbsent(key(hag), g -> new ConcurrentHashMap<>())
                          .put(annotation, v));
        });
  }

  /**
   * The group's {@code annotation}, as of this operator's own writes: empty when absent, and when
   * this operator removed it and {@code hag} is a copy older than that removal (its watch event not
   * delivered yet). A request the operator finished is then not taken for a new one, e.g. a second
   * {@code SwitchoverDone} ("master already") from the reconcile the hand-over started. Set again
   * after the removal (a newer copy), it counts.
   */
  Optional<String> annotation(HighAvailabilityGroup hag, String annotation) {
    Map<String, String> annotations = hag.getMetadata().getAnnotations();
    String value = annotations == null ? null : annotations.get(annotation);
    if (value == null) {
      return Optional.empty();
    }
    Long removedAt = removedAnnotations.getOrDefault(key(hag), Map.of()).get(annotation);
    OptionalLong copy = WrittenPods.version(hag);
    if (removedAt != null && copy.isPresent() && copy.getAsLong() < removedAt) {
      return Optional.empty();
    }
    return Optional.of(value);
  }

  /** Forgets a deleted group's annotation removals. */
  void forgetGroup(HighAvailabilityGroup hag) {
    removedAnnotations.remove(key(hag));
  }

  /** No write of {@code write} is needed now: a refusal of it is over. */
  void settled(HighAvailabilityGroup hag, Write write) {
    writes.settled(hag, write);
  }

  /**
   * The group's pod {@code name} as the API server has it now (empty inside: there is none), or
   * empty when the server did not answer; a read, for a decision the cache may be late for.
   */
  Optional<Optional<Pod>> readPod(HighAvailabilityGroup hag, String name) {
    try {
      return Optional.of(
          Optional.ofNullable(
              client.pods().inNamespace(hag.getMetadata().getNamespace()).withName(name).get()));
    } catch (KubernetesClientException e) {
      log.atDebug()
          .addKeyValue("group", key(hag))
          .addKeyValue("pod", name)
          .addKeyValue("error", e.getMessage())
          .log("could not read the pod; its cached state stands");
      return Optional.empty();
    }
  }

  /** Creates pod {@code index}; returns whether the API server accepted it. */
  boolean createPod(HighAvailabilityGroup hag, int index) {
    Pod pod = PodFactory.pod(hag, index, defaults);
    String name = pod.getMetadata().getName();
    boolean created =
        writes.send(
            hag,
            Write.POD_CREATE,
            "create pod " + name,
            () -> ignoringConflict(() -> wrote(client.pods().resource(pod).create())));
    if (created) {
      log.atInfo()
          .addKeyValue("group", key(hag))
          .addKeyValue("pod", name)
          .addKeyValue("zone", pod.getMetadata().getLabels().get(ZONE))
          .log("pod created");
    }
    return created;
  }

  /** Deletes one pod; returns whether the API server accepted it. */
  boolean deletePod(HighAvailabilityGroup hag, String pod) {
    written.forget(hag.getMetadata().getNamespace(), List.of(pod));
    return writes.send(
        hag,
        Write.POD_DELETE,
        "delete pod " + pod,
        () -> client.pods().inNamespace(hag.getMetadata().getNamespace()).withName(pod).delete());
  }

  /** Deletes everything a group owns (a real cluster's garbage collector would too). */
  void deleteOwned(HighAvailabilityGroup hag, List<String> pods) {
    String ns = hag.getMetadata().getNamespace();
    written.forget(ns, pods);
    String selector = GROUP + "=" + hag.getMetadata().getName();
    client.pods().inNamespace(ns).withLabelSelector(selector).delete();
    client.services().inNamespace(ns).withLabelSelector(selector).delete();
    client.discovery().v1().endpointSlices().inNamespace(ns).withLabelSelector(selector).delete();
    client.policy().v1().podDisruptionBudget().inNamespace(ns).withLabelSelector(selector).delete();
  }

  // The informer cache can lag behind our own writes: an object that already exists is fine.
  private static void ignoringConflict(Runnable write) {
    try {
      write.run();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }

  private static String key(HighAvailabilityGroup hag) {
    return HighAvailabilityGroupReconciler.key(hag);
  }
}
