package dev.halo.operator.model;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.ServiceSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/** The ports of a group's Services, and whether observed ports still match the desired ones. */
final class ServicePorts {
  private static final String TCP = "TCP";

  private ServicePorts() {}

  /** The spec's ports, or one port per containerPort of the workload containers. */
  static List<ServicePort> of(HighAvailabilityGroup hag) {
    List<ServicePort> configured =
        Optional.ofNullable(hag.getSpec().getService())
            .map(ServiceSpec::getPorts)
            .orElse(List.of());
    if (!configured.isEmpty()) {
      return configured.stream().map(ModelJson::copy).collect(Collectors.toList());
    }
    List<ServicePort> ports = new ArrayList<>();
    for (Container container : hag.getSpec().getTemplate().getSpec().getContainers()) {
      Optional.ofNullable(container.getPorts()).orElse(List.of()).stream()
          .map(ServicePorts::fromContainerPort)
          .forEach(ports::add);
    }
    return ports;
  }

  private static ServicePort fromContainerPort(ContainerPort port) {
    String protocol = Optional.ofNullable(port.getProtocol()).orElse(TCP);
    // Service ports need unique names once there are several; protocol-port is unique.
    String name =
        Optional.ofNullable(port.getName())
            .orElse(protocol.toLowerCase(Locale.ROOT) + "-" + port.getContainerPort());
    return new ServicePortBuilder()
        .withName(name)
        .withPort(port.getContainerPort())
        .withTargetPort(new IntOrString(port.getContainerPort()))
        .withProtocol(protocol)
        .build();
  }

  /** Whether the observed ports serve as the desired ones, ignoring server-side defaults. */
  static boolean matches(List<ServicePort> actual, List<ServicePort> desired) {
    List<ServicePort> a = Optional.ofNullable(actual).orElse(List.of());
    List<ServicePort> d = Optional.ofNullable(desired).orElse(List.of());
    if (a.size() != d.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (!matches(a.get(i), d.get(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean matches(ServicePort actual, ServicePort desired) {
    return Objects.equals(actual.getName(), desired.getName())
        && Objects.equals(actual.getPort(), desired.getPort())
        && protocol(actual).equals(protocol(desired))
        && targetPort(actual).equals(targetPort(desired))
        && unsetOrEqual(desired.getNodePort(), actual.getNodePort())
        && unsetOrEqual(desired.getAppProtocol(), actual.getAppProtocol());
  }

  private static String protocol(ServicePort port) {
    return Optional.ofNullable(port.getProtocol()).orElse(TCP);
  }

  // The API server defaults targetPort to port.
  private static String targetPort(ServicePort port) {
    IntOrString target = port.getTargetPort();
    if (target == null) {
      return String.valueOf(port.getPort());
    }
    return target.getStrVal() != null ? target.getStrVal() : String.valueOf(target.getIntVal());
  }

  // A field the desired port leaves unset may be filled in by the server (e.g. nodePort).
  private static boolean unsetOrEqual(Object desired, Object actual) {
    return desired == null || desired.equals(actual);
  }
}
