package dev.halo.operator.model;

import dev.halo.api.v1alpha1.AgentSpec;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.AgentDefaults;
import dev.halo.common.Names;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Builds the elector agent container that Halo appends to every pod. */
final class AgentContainer {
  /** The name of the agent's container port, which the liveness probe targets. */
  static final String PORT_NAME = "halo-agent";

  static final long RUN_AS_USER = 10001L;

  private AgentContainer() {}

  static Container build(HighAvailabilityGroup hag, OperatorDefaults defaults) {
    AgentSpec agent = agentSpec(hag);
    int port = port(agent);
    return new ContainerBuilder()
        .withName(Names.AGENT_CONTAINER)
        .withImage(image(agent, defaults))
        .withCommand(command(agent, defaults))
        .withEnv(AgentEnvVars.of(hag, defaults, port))
        .addNewPort()
        .withName(PORT_NAME)
        .withContainerPort(port)
        .withProtocol("TCP")
        .endPort()
        .withLivenessProbe(liveness())
        .withResources(resources(agent))
        .withSecurityContext(securityContext())
        .addNewVolumeMount()
        .withName(Names.ROLE_VOLUME)
        .withMountPath(Names.ROLE_MOUNT_PATH)
        .endVolumeMount()
        .addAllToVolumeMounts(EtcdSecretVolumes.mounts(EtcdSecrets.of(hag.getSpec(), defaults)))
        .build();
  }

  static AgentSpec agentSpec(HighAvailabilityGroup hag) {
    return Optional.ofNullable(hag.getSpec().getAgent()).orElseGet(AgentSpec::new);
  }

  static int port(AgentSpec agent) {
    return agent.getPort() == null ? AgentDefaults.PORT : agent.getPort();
  }

  private static String image(AgentSpec agent, OperatorDefaults defaults) {
    String image = agent.getImage();
    return image == null || image.isBlank() ? defaults.agentImage() : image;
  }

  private static List<String> command(AgentSpec agent, OperatorDefaults defaults) {
    List<String> command = new ArrayList<>();
    command.add("java");
    command.addAll(defaults.agentJvmOptions());
    Optional.ofNullable(agent.getJvmOptions()).ifPresent(command::addAll);
    command.addAll(List.of("-jar", PodFactory.AGENT_JAR, "agent"));
    return command;
  }

  private static Probe liveness() {
    return new ProbeBuilder()
        .withNewHttpGet()
        .withPath("/healthz")
        .withPort(new IntOrString(PORT_NAME))
        .endHttpGet()
        .withPeriodSeconds(10)
        .withFailureThreshold(3)
        .withTimeoutSeconds(2)
        .build();
  }

  private static ResourceRequirements resources(AgentSpec agent) {
    if (agent.getResources() != null) {
      return ModelJson.copy(agent.getResources());
    }
    return new ResourceRequirementsBuilder()
        .addToRequests("cpu", new Quantity("50m"))
        .addToRequests("memory", new Quantity("96Mi"))
        .addToLimits("memory", new Quantity("128Mi"))
        .build();
  }

  private static SecurityContext securityContext() {
    return new SecurityContextBuilder()
        .withRunAsNonRoot(true)
        .withRunAsUser(RUN_AS_USER)
        .withAllowPrivilegeEscalation(false)
        .withReadOnlyRootFilesystem(true)
        .withNewCapabilities()
        .withDrop("ALL")
        .endCapabilities()
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .build();
  }
}
