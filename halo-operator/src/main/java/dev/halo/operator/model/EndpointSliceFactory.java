package dev.halo.operator.model;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.RemoteMaster;
import dev.halo.common.Labels;
import dev.halo.common.Names;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Builds the EndpointSlice that sends this site's master Service to a master on another site: the
 * remote master's published address and the Service's ports, labelled so that Kubernetes serves it
 * for the (then selector-less) master Service and its own EndpointSlice controller leaves it alone.
 */
public final class EndpointSliceFactory {
  public static final String IPV4 = "IPv4";
  public static final String IPV6 = "IPv6";
  public static final String FQDN = "FQDN";

  private EndpointSliceFactory() {}

  /** The slice listing {@code master} for the group's master Service. */
  public static EndpointSlice remoteMaster(HighAvailabilityGroup hag, RemoteMaster master) {
    String service = ServiceFactory.masterName(hag);
    ObjectMeta meta = GroupMeta.owned(hag, Names.remoteMasterSlice(service));
    meta.getLabels().put(Labels.SERVICE_NAME, service);
    meta.getLabels().put(Labels.ENDPOINT_SLICE_MANAGED_BY, Labels.ENDPOINT_SLICE_MANAGER);
    Endpoint endpoint =
        new EndpointBuilder()
            .withAddresses(master.getAddress())
            .withNewConditions()
            .withReady(true)
            .withServing(true)
            .withTerminating(false)
            .endConditions()
            .build();
    return new EndpointSliceBuilder()
        .withMetadata(meta)
        .withAddressType(addressType(master.getAddress()))
        .withEndpoints(endpoint)
        .withPorts(ports(hag))
        .build();
  }

  /** IPv6 for an address with a colon, IPv4 for a dotted quad, else a DNS name (FQDN). */
  static String addressType(String address) {
    if (address.contains(":")) {
      return IPV6;
    }
    return address.matches("\\d{1,3}(\\.\\d{1,3}){3}") ? IPV4 : FQDN;
  }

  /**
   * The Service's ports as the remote pod serves them: each targetPort, a named one resolved
   * against the workload's containers as the remote site builds the same pods; the Service port
   * where neither says more.
   */
  static List<EndpointPort> ports(HighAvailabilityGroup hag) {
    return ServicePorts.of(hag).stream()
        .map(
            p ->
                new EndpointPortBuilder()
                    .withName(Optional.ofNullable(p.getName()).orElse(""))
                    .withPort(targetPort(hag, p))
                    .withProtocol(Optional.ofNullable(p.getProtocol()).orElse("TCP"))
                    .withAppProtocol(p.getAppProtocol())
                    .build())
        .toList();
  }

  private static int targetPort(HighAvailabilityGroup hag, ServicePort port) {
    IntOrString target = port.getTargetPort();
    if (target == null) {
      return port.getPort();
    }
    if (target.getIntVal() != null) {
      return target.getIntVal();
    }
    return hag.getSpec().getTemplate().getSpec().getContainers().stream()
        .map(Container::getPorts)
        .filter(Objects::nonNull)
        .flatMap(List::stream)
        .filter(c -> target.getStrVal().equals(c.getName()))
        .map(ContainerPort::getContainerPort)
        .findFirst()
        .orElse(port.getPort());
  }

  /** Whether an observed slice lists other addresses, address type or ports than desired. */
  public static boolean drifted(EndpointSlice actual, EndpointSlice desired) {
    return !Objects.equals(actual.getAddressType(), desired.getAddressType())
        || !addresses(actual).equals(addresses(desired))
        || !portsOf(actual).equals(portsOf(desired));
  }

  private static List<List<String>> addresses(EndpointSlice slice) {
    return Optional.ofNullable(slice.getEndpoints()).orElse(List.of()).stream()
        .map(e -> Optional.ofNullable(e.getAddresses()).orElse(List.of()))
        .toList();
  }

  private static List<String> portsOf(EndpointSlice slice) {
    return Optional.ofNullable(slice.getPorts()).orElse(List.of()).stream()
        .map(p -> p.getName() + "/" + p.getPort() + "/" + p.getProtocol())
        .toList();
  }
}
