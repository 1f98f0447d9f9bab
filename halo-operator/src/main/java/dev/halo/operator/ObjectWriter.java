package dev.halo.operator;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.HighAvailabilityGroupStatus;
import dev.halo.common.Labels;
import dev.halo.common.Names;
import dev.halo.operator.model.OperatorDefaults;
import dev.halo.operator.model.PodDisruptionBudgetFactory;
import dev.halo.operator.model.PodFactory;
import dev.halo.operator.model.PodState;
import dev.halo.operator.model.RoleAssignment;
import dev.halo.operator.model.ServiceFactory;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the reconciler's decisions to the Kubernetes API: Services, the disruption budget, pod
 * creation and deletion, and role labels (JSON merge patches; server-side apply is off).
 */
final class ObjectWriter {
  private static final Logger log = LoggerFactory.getLogger(ObjectWriter.class);
  private static final PatchContext MERGE = PatchContext.of(PatchType.JSON_MERGE);
  private static final ObjectMapper NULL_KEEPING = new ObjectMapper();

  private final KubernetesClient client;
  private final OperatorDefaults defaults;

  ObjectWriter(KubernetesClient client, OperatorDefaults defaults) {
    this.client = client;
    this.defaults = defaults;
  }

  /** Creates the master (and standby) Service and the budget, and reverts selector drift. */
  void ensureServicesAndBudget(HighAvailabilityGroup hag, Context<HighAvailabilityGroup> context) {
    List<Service> actual = List.copyOf(context.getSecondaryResources(Service.class));
    ensureService(hag, ServiceFactory.master(hag), actual);
    Service standby = ServiceFactory.standby(hag);
    if (Boolean.TRUE.equals(hag.getSpec().getService().getStandby())) {
      ensureService(hag, standby, actual);
    } else if (find(actual, standby.getMetadata().getName()).isPresent()) {
      client.services().resource(standby).delete();
    }
    String pdbName = Names.podDisruptionBudget(hag.getMetadata().getName());
    boolean hasPdb =
        context.getSecondaryResources(PodDisruptionBudget.class).stream()
            .anyMatch(p -> p.getMetadata().getName().equals(pdbName));
    if (!hasPdb) {
      createIgnoringConflict(
          () ->
              client
                  .policy()
                  .v1()
                  .podDisruptionBudget()
                  .resource(PodDisruptionBudgetFactory.pdb(hag))
                  .create());
    }
  }

  private void ensureService(HighAvailabilityGroup hag, Service desired, List<Service> actual) {
    Optional<Service> current = find(actual, desired.getMetadata().getName());
    if (current.isEmpty()) {
      createIgnoringConflict(() -> client.services().resource(desired).create());
      log.atInfo()
          .addKeyValue("group", key(hag))
          .addKeyValue("service", desired.getMetadata().getName())
          .log("service created");
    } else if (ServiceFactory.selectorDrifted(current.get(), desired)) {
      Service fixed = current.get();
      fixed.getSpec().setSelector(desired.getSpec().getSelector());
      fixed.getSpec().setPorts(desired.getSpec().getPorts());
      fixed.getSpec().setType(desired.getSpec().getType());
      client.services().resource(fixed).update();
      log.atWarn()
          .addKeyValue("group", key(hag))
          .addKeyValue("service", desired.getMetadata().getName())
          .log("service selector drifted; reverted it so only the master gets traffic");
    }
  }

  private static Optional<Service> find(List<Service> services, String name) {
    return services.stream().filter(s -> s.getMetadata().getName().equals(name)).findFirst();
  }

  /** Applies role labels: every demotion first, the promotion only after they all succeeded. */
  List<Pod> applyRoles(HighAvailabilityGroup hag, List<Pod> pods, RoleAssignment roles) {
    List<Pod> result = new ArrayList<>(pods);
    for (String pod : roles.demote()) {
      replace(result, label(hag, pod, Labels.ROLE_STANDBY));
      log.atInfo().addKeyValue("group", key(hag)).addKeyValue("pod", pod).log("demoted to standby");
    }
    for (String pod : roles.standby()) {
      replace(result, label(hag, pod, Labels.ROLE_STANDBY));
    }
    roles
        .promote()
        .ifPresent(
            pod -> {
              replace(result, label(hag, pod, Labels.ROLE_MASTER));
              log.atInfo()
                  .addKeyValue("group", key(hag))
                  .addKeyValue("pod", pod)
                  .log("promoted to master");
            });
    return result;
  }

  private Pod label(HighAvailabilityGroup hag, String pod, String role) {
    String patch = "{\"metadata\":{\"labels\":{\"" + Labels.ROLE + "\":\"" + role + "\"}}}";
    return client
        .pods()
        .inNamespace(hag.getMetadata().getNamespace())
        .withName(pod)
        .patch(MERGE, patch);
  }

  private static void replace(List<Pod> pods, Pod updated) {
    if (updated != null) {
      pods.replaceAll(p -> PodState.name(p).equals(PodState.name(updated)) ? updated : p);
    }
  }

  /**
   * Replaces the group's status with one JSON merge patch of the status subresource. Every
   * top-level field is sent, nulls included, so a field that became empty is removed.
   */
  void patchStatus(HighAvailabilityGroup hag, HighAvailabilityGroupStatus status) {
    Map<String, Object> body = Map.of("status", NULL_KEEPING.convertValue(status, Map.class));
    client
        .resources(HighAvailabilityGroup.class)
        .inNamespace(hag.getMetadata().getNamespace())
        .withName(hag.getMetadata().getName())
        .subresource("status")
        .patch(MERGE, Serialization.asJson(body));
  }

  /** Removes one annotation of the group (a JSON merge patch; an absent one is no error). */
  void removeAnnotation(HighAvailabilityGroup hag, String annotation) {
    client
        .resources(HighAvailabilityGroup.class)
        .inNamespace(hag.getMetadata().getNamespace())
        .withName(hag.getMetadata().getName())
        .patch(
            MERGE,
            "{\"metadata\":{\"annotations\":{" + Serialization.asJson(annotation) + ":null}}}");
  }

  void createPod(HighAvailabilityGroup hag, int index) {
    Pod pod = PodFactory.pod(hag, index, defaults);
    createIgnoringConflict(() -> client.pods().resource(pod).create());
    log.atInfo()
        .addKeyValue("group", key(hag))
        .addKeyValue("pod", pod.getMetadata().getName())
        .addKeyValue("zone", pod.getMetadata().getLabels().get(Labels.ZONE))
        .log("pod created");
  }

  void deletePod(HighAvailabilityGroup hag, String pod) {
    client.pods().inNamespace(hag.getMetadata().getNamespace()).withName(pod).delete();
  }

  /** Deletes everything a group owns (a real cluster's garbage collector would too). */
  void deleteOwned(HighAvailabilityGroup hag) {
    String ns = hag.getMetadata().getNamespace();
    String selector = Labels.GROUP + "=" + hag.getMetadata().getName();
    client.pods().inNamespace(ns).withLabelSelector(selector).delete();
    client.services().inNamespace(ns).withLabelSelector(selector).delete();
    client.policy().v1().podDisruptionBudget().inNamespace(ns).withLabelSelector(selector).delete();
  }

  // The informer cache can lag behind our own writes: an object that already exists is fine.
  private static void createIgnoringConflict(Runnable create) {
    try {
      create.run();
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
