package dev.halo.operator.validation;

import static dev.halo.operator.validation.Problems.quote;

import dev.halo.api.v1alpha1.AgentSpec;
import dev.halo.api.v1alpha1.HighAvailabilityGroupSpec;
import dev.halo.api.v1alpha1.ServiceSpec;
import dev.halo.common.AgentDefaults;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/** Checks the Service settings and the agent's port against the workload's ports. */
final class ServiceRules {
  static final Set<String> TYPES = Set.of("ClusterIP", "NodePort", "LoadBalancer");

  private ServiceRules() {}

  static void check(HighAvailabilityGroupSpec spec, Problems problems) {
    List<Container> workload = TemplateRules.containers(spec.getTemplate());
    service(Optional.ofNullable(spec.getService()).orElseGet(ServiceSpec::new), workload, problems);
    agentPort(spec.getAgent(), workload, problems);
  }

  private static void service(ServiceSpec service, List<Container> workload, Problems problems) {
    String type = service.getType();
    if (type != null && !TYPES.contains(type)) {
      problems.add(
          Rule.SERVICE_TYPE,
          "spec.service.type",
          quote(type) + " is not supported; use ClusterIP, NodePort or LoadBalancer");
    }
    String name = service.getName();
    if (name != null && !name.isBlank() && !Dns.isDns1035Label(name)) {
      problems.add(
          Rule.SERVICE_NAME,
          "spec.service.name",
          quote(name) + " is not a valid Service name; use " + Dns.DNS_1035_RULE);
    }
    boolean noPorts = service.getPorts() == null || service.getPorts().isEmpty();
    if (noPorts && !workload.isEmpty() && ports(workload).isEmpty()) {
      problems.add(
          Rule.SERVICE_PORTS,
          "spec.service.ports",
          "is empty and the workload containers declare no containerPort; list the Service's"
              + " ports or add containerPorts to the workload");
    }
  }

  private static void agentPort(AgentSpec agent, List<Container> workload, Problems problems) {
    Integer configured = agent == null ? null : agent.getPort();
    if (configured != null) {
      HealthRules.port("spec.agent.port", configured, problems);
    }
    int port = configured == null ? AgentDefaults.PORT : configured;
    for (Container container : workload) {
      if (ports(List.of(container)).contains(port)) {
        String which = port == AgentDefaults.PORT ? port + " (the default)" : String.valueOf(port);
        problems.add(
            Rule.AGENT_PORT_IN_USE,
            "spec.agent.port",
            which
                + " is also a containerPort of container "
                + quote(container.getName())
                + "; set spec.agent.port to a port the workload does not use");
      }
    }
  }

  private static List<Integer> ports(List<Container> containers) {
    return containers.stream()
        .flatMap(c -> Optional.ofNullable(c.getPorts()).orElse(List.of()).stream())
        .filter(Objects::nonNull)
        .map(ContainerPort::getContainerPort)
        .filter(Objects::nonNull)
        .toList();
  }
}
