package dev.halo.operator.model;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.RemoteMaster;
import dev.halo.api.v1alpha1.ServiceSpec;
import dev.halo.common.Annotations;
import dev.halo.common.Labels;
import dev.halo.common.Names;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Builds a group's master Service and its optional standby Service. */
public final class ServiceFactory {
  public static final String CLUSTER_IP = "ClusterIP";

  private ServiceFactory() {}

  /** The Service that selects the group's master. */
  public static Service master(HighAvailabilityGroup hag) {
    String group = GroupMeta.group(hag);
    Optional<ServiceSpec> spec = Optional.ofNullable(hag.getSpec().getService());
    String type = spec.map(ServiceSpec::getType).filter(t -> !t.isBlank()).orElse(CLUSTER_IP);
    return service(hag, masterName(hag), Labels.masterSelector(group), type);
  }

  /**
   * The master Service while the master runs on another site: no selector, so that Kubernetes
   * serves the EndpointSlice the operator keeps ({@link EndpointSliceFactory}), and an annotation
   * naming that master, which also tells the next reconcile which mode the Service is in.
   */
  public static Service masterForRemote(HighAvailabilityGroup hag, RemoteMaster master) {
    Service service = master(hag);
    service.getSpec().setSelector(null);
    service
        .getMetadata()
        .setAnnotations(new TreeMap<>(Map.of(Annotations.REMOTE_MASTER, remoteName(master))));
    return service;
  }

  /** The master Service's name: spec.service.name, else the group's. */
  public static String masterName(HighAvailabilityGroup hag) {
    Optional<ServiceSpec> spec = Optional.ofNullable(hag.getSpec().getService());
    return Names.masterService(GroupMeta.group(hag), spec.map(ServiceSpec::getName).orElse(null));
  }

  /** Whether an observed master Service is in remote mode (selector-less, annotated). */
  public static boolean routesRemote(Service service) {
    return remoteAnnotation(service).isPresent();
  }

  /** The remote master an observed master Service is annotated with, if it is in remote mode. */
  public static Optional<String> remoteAnnotation(Service service) {
    return Optional.ofNullable(service.getMetadata().getAnnotations())
        .map(a -> a.get(Annotations.REMOTE_MASTER));
  }

  /** How the annotation names a remote master: {@code <site>/<pod>}. */
  public static String remoteName(RemoteMaster master) {
    return master.getSite() + "/" + master.getPod();
  }

  /** The ClusterIP Service that selects the group's standbys. */
  public static Service standby(HighAvailabilityGroup hag) {
    String group = GroupMeta.group(hag);
    return service(hag, Names.standbyService(group), Labels.standbySelector(group), CLUSTER_IP);
  }

  /** Whether an observed Service's selector, ports or type differ from the desired Service. */
  public static boolean selectorDrifted(Service actual, Service desired) {
    return !selector(actual).equals(selector(desired))
        || !type(actual).equals(type(desired))
        || !ServicePorts.matches(ports(actual), ports(desired));
  }

  private static Service service(
      HighAvailabilityGroup hag, String name, Map<String, String> selector, String type) {
    return new ServiceBuilder()
        .withMetadata(GroupMeta.owned(hag, name))
        .withNewSpec()
        .withType(type)
        .withSelector(new TreeMap<>(selector))
        .withPorts(ServicePorts.of(hag))
        .endSpec()
        .build();
  }

  private static Map<String, String> selector(Service service) {
    return Optional.ofNullable(service.getSpec()).map(s -> s.getSelector()).orElse(Map.of());
  }

  private static String type(Service service) {
    return Optional.ofNullable(service.getSpec()).map(s -> s.getType()).orElse(CLUSTER_IP);
  }

  private static List<ServicePort> ports(Service service) {
    return Optional.ofNullable(service.getSpec()).map(s -> s.getPorts()).orElse(List.of());
  }
}
