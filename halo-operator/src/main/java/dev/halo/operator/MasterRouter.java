package dev.halo.operator;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.RemoteMaster;
import dev.halo.common.Annotations;
import dev.halo.common.Labels;
import dev.halo.operator.WriteRefusals.Write;
import dev.halo.operator.model.EndpointSliceFactory;
import dev.halo.operator.model.MasterRoute;
import dev.halo.operator.model.ServiceFactory;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Switches this site's master Service between its own master (selector) and a master on another
 * site (no selector, an EndpointSlice with the remote master's address), in an order that never
 * lets the Service reach two masters: to remote only once no pod here is labelled master, and its
 * slice only once no other slice of the Service lists a ready endpoint; back here by deleting the
 * slice before the selector returns (docs/multi-site.md). Its writes, the Service's switches
 * included, are one kind of write ({@code EndpointSliceRefused}): ObjectWriter settles the Service
 * writes it did not need at every reconcile, which would reset a refused switch's backoff.
 */
final class MasterRouter {
  private static final Logger log = LoggerFactory.getLogger(MasterRouter.class);

  private final KubernetesClient client;
  private final GuardedWrites writes;
  private final EventRecorder events;

  MasterRouter(KubernetesClient client, GuardedWrites writes, EventRecorder events) {
    this.client = client;
    this.writes = writes;
    this.events = events;
  }

  /**
   * Applies {@code route}; returns whether it waits for something no watch of the operator's
   * reports (Kubernetes' own slice of the Service still listing a ready pod).
   */
  boolean route(HighAvailabilityGroup hag, Context<HighAvailabilityGroup> context, MasterRoute r) {
    String name = ServiceFactory.masterName(hag);
    Optional<Service> service =
        context.getSecondaryResources(Service.class).stream()
            .filter(s -> s.getMetadata().getName().equals(name))
            .findFirst();
    Optional<EndpointSlice> slice =
        context.getSecondaryResources(EndpointSlice.class).stream()
            .filter(s -> name.equals(s.getMetadata().getLabels().get(Labels.SERVICE_NAME)))
            .findFirst();
    if (service.isEmpty()) {
      return false; // created by ensureServicesAndBudget; its event reconciles again
    }
    if (r instanceof MasterRoute.Remote remote) {
      return toRemote(hag, service.get(), slice, remote.master());
    }
    toLocal(hag, service.get(), slice);
    return false;
  }

  private boolean toRemote(
      HighAvailabilityGroup hag, Service current, Optional<EndpointSlice> slice, RemoteMaster m) {
    String wanted = ServiceFactory.remoteName(m);
    boolean switching =
        !ServiceFactory.remoteAnnotation(current).filter(wanted::equals).isPresent();
    if (switching) {
      Service selectorless =
          new ServiceBuilder(current)
              .editMetadata()
              .addToAnnotations(Annotations.REMOTE_MASTER, wanted)
              .endMetadata()
              .editSpec()
              .withSelector(null)
              .endSpec()
              .build();
      writes.send(
          hag,
          Write.ENDPOINT_SLICE,
          "remove the selector of Service " + name(current) + " (the master is on another site)",
          () -> conflictFree(() -> client.services().resource(selectorless).update()));
    }
    if (hasSelector(current)) {
      // The slice waits until the Service as watched has no selector: its update's event.
      return false;
    }
    EndpointSlice desired = EndpointSliceFactory.remoteMaster(hag, m);
    if (slice.isPresent() && !EndpointSliceFactory.drifted(slice.get(), desired)) {
      if (!switching) {
        writes.settled(hag, Write.ENDPOINT_SLICE);
      }
      return false;
    }
    if (anotherSliceServes(hag, name(current))) {
      log.atInfo()
          .addKeyValue("group", key(hag))
          .addKeyValue("service", name(current))
          .log("waiting for the Service's own EndpointSlice to drop this site's pods");
      return true;
    }
    boolean written =
        slice.isEmpty()
            ? writes.send(
                hag,
                Write.ENDPOINT_SLICE,
                "create EndpointSlice " + name(desired),
                () -> conflictFree(() -> client.resource(desired).create()))
            : replace(hag, slice.get(), desired);
    if (written) {
      events.normal(
          hag,
          "MasterServiceRemote",
          "Service "
              + name(current)
              + " sends to the master "
              + m.getPod()
              + " on site "
              + m.getSite()
              + " ("
              + m.getAddress()
              + ") through EndpointSlice "
              + name(desired));
      log.atInfo()
          .addKeyValue("group", key(hag))
          .addKeyValue("service", name(current))
          .addKeyValue("master", wanted)
          .addKeyValue("address", m.getAddress())
          .log("master Service routed to the remote master");
    }
    return false;
  }

  // An address type cannot change in place: such a slice is deleted and created anew.
  private boolean replace(HighAvailabilityGroup hag, EndpointSlice current, EndpointSlice desired) {
    if (!desired.getAddressType().equals(current.getAddressType())) {
      delete(hag, current);
      return false;
    }
    EndpointSlice updated =
        new EndpointSliceBuilder(current)
            .withEndpoints(desired.getEndpoints())
            .withPorts(desired.getPorts())
            .build();
    return writes.send(
        hag,
        Write.ENDPOINT_SLICE,
        "update EndpointSlice " + name(current),
        () -> conflictFree(() -> client.resource(updated).update()));
  }

  private void toLocal(HighAvailabilityGroup hag, Service current, Optional<EndpointSlice> slice) {
    if (slice.isPresent() && !delete(hag, slice.get())) {
      return; // the selector waits: the slice would send traffic beside this site's master
    }
    if (!ServiceFactory.routesRemote(current)) {
      if (slice.isEmpty()) {
        writes.settled(hag, Write.ENDPOINT_SLICE);
      }
      return;
    }
    Service desired = ServiceFactory.master(hag);
    Service selecting =
        new ServiceBuilder(current)
            .editMetadata()
            .removeFromAnnotations(Annotations.REMOTE_MASTER)
            .endMetadata()
            .editSpec()
            .withSelector(desired.getSpec().getSelector())
            .endSpec()
            .build();
    if (writes.send(
        hag,
        Write.ENDPOINT_SLICE,
        "restore the selector of Service " + name(current),
        () -> conflictFree(() -> client.services().resource(selecting).update()))) {
      events.normal(
          hag, "MasterServiceLocal", "Service " + name(current) + " selects this site's master");
      log.atInfo()
          .addKeyValue("group", key(hag))
          .addKeyValue("service", name(current))
          .log("master Service selects this site's master again");
    }
  }

  private boolean delete(HighAvailabilityGroup hag, EndpointSlice slice) {
    return writes.send(
        hag,
        Write.ENDPOINT_SLICE,
        "delete EndpointSlice " + name(slice),
        () -> {
          try {
            client.resource(slice).delete();
          } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
              throw e;
            }
          }
        });
  }

  /**
   * Whether another EndpointSlice of the Service (Kubernetes' own, from the selector it had) still
   * lists a ready endpoint: a read, since the operator watches only its own slices.
   */
  private boolean anotherSliceServes(HighAvailabilityGroup hag, String service) {
    try {
      return slicesServe(hag, service);
    } catch (KubernetesClientException e) {
      log.atWarn()
          .addKeyValue("group", key(hag))
          .addKeyValue("service", service)
          .addKeyValue("error", e.getMessage())
          .log("could not list the Service's EndpointSlices; its remote slice waits");
      return true;
    }
  }

  private boolean slicesServe(HighAvailabilityGroup hag, String service) {
    return client
        .discovery()
        .v1()
        .endpointSlices()
        .inNamespace(hag.getMetadata().getNamespace())
        .withLabel(Labels.SERVICE_NAME, service)
        .list()
        .getItems()
        .stream()
        .filter(
            s ->
                !Labels.ENDPOINT_SLICE_MANAGER.equals(
                    s.getMetadata().getLabels().get(Labels.ENDPOINT_SLICE_MANAGED_BY)))
        .flatMap(s -> Optional.ofNullable(s.getEndpoints()).stream().flatMap(List::stream))
        .anyMatch(
            e -> e.getConditions() == null || !Boolean.FALSE.equals(e.getConditions().getReady()));
  }

  // The informer cache can lag behind our own writes: a conflict is retried by its event.
  private static void conflictFree(Runnable write) {
    try {
      write.run();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }

  private static boolean hasSelector(Service service) {
    return service.getSpec() != null
        && service.getSpec().getSelector() != null
        && !service.getSpec().getSelector().isEmpty();
  }

  private static String name(HasMetadata o) {
    return o.getMetadata().getName();
  }

  private static String key(HighAvailabilityGroup hag) {
    return HighAvailabilityGroupReconciler.key(hag);
  }
}
