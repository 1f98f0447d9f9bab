package dev.halo.operator.model;

import static dev.halo.common.AgentVariables.AGENT_PORT;
import static dev.halo.common.AgentVariables.ELECTION;
import static dev.halo.common.AgentVariables.ETCD_ENDPOINTS;
import static dev.halo.common.AgentVariables.GROUP_UID;
import static dev.halo.common.AgentVariables.HEALTH_FAILURES;
import static dev.halo.common.AgentVariables.HEALTH_HTTP;
import static dev.halo.common.AgentVariables.HEALTH_PERIOD_MS;
import static dev.halo.common.AgentVariables.HEALTH_TCP;
import static dev.halo.common.AgentVariables.LEASE_TTL_SECONDS;
import static dev.halo.common.AgentVariables.MEMBER;
import static dev.halo.common.AgentVariables.POD_NAME;
import static dev.halo.common.AgentVariables.POD_UID;
import static dev.halo.common.AgentVariables.ROLE_FILE;
import static dev.halo.common.AgentVariables.SITE;
import static dev.halo.common.AgentVariables.SITE_ADDRESS;

import dev.halo.api.v1alpha1.HealthSpec;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.HighAvailabilityGroupSpec;
import dev.halo.common.AgentDefaults;
import dev.halo.common.Names;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Builds the agent container's environment variables ({@link dev.halo.common.AgentVariables}); a
 * test parses the built environment with the agent's own parser to keep both sides in step.
 */
public final class AgentEnvVars {
  private static final String LOCALHOST = "127.0.0.1";

  private AgentEnvVars() {}

  static List<EnvVar> of(HighAvailabilityGroup hag, OperatorDefaults defaults, int agentPort) {
    HighAvailabilityGroupSpec spec = hag.getSpec();
    List<EnvVar> env = new ArrayList<>();
    env.add(podName(POD_NAME));
    env.add(podName(MEMBER));
    env.add(fieldRef(POD_UID, "metadata.uid"));
    env.add(plain(GROUP_UID, Objects.toString(hag.getMetadata().getUid(), "")));
    env.add(plain(ETCD_ENDPOINTS, String.join(",", EtcdEndpoints.of(spec, defaults))));
    env.addAll(EtcdSecretVolumes.env(EtcdSecrets.of(spec, defaults)));
    env.add(plain(ELECTION, GroupElection.name(hag)));
    GroupElection.site(spec)
        .ifPresent(
            site -> {
              // Where the other sites would reach this member; routing between sites is the
              // user's network (docs/multi-site.md).
              env.add(plain(SITE, site.getName()));
              env.add(fieldRef(SITE_ADDRESS, "status.podIP"));
            });
    env.add(plain(LEASE_TTL_SECONDS, leaseTtlSeconds(spec)));
    env.add(plain(AGENT_PORT, Integer.toString(agentPort)));
    env.add(plain(ROLE_FILE, Names.ROLE_FILE));
    if (spec.getHealth() != null) {
      env.addAll(health(spec.getHealth()));
    }
    return env;
  }

  private static String leaseTtlSeconds(HighAvailabilityGroupSpec spec) {
    return Integer.toString(leaseTtl(spec));
  }

  /** The lease TTL the group's agents run with, in seconds. */
  public static int leaseTtl(HighAvailabilityGroupSpec spec) {
    Integer ttl = spec.getElection() == null ? null : spec.getElection().getLeaseTTLSeconds();
    return ttl == null ? AgentDefaults.LEASE_TTL_SECONDS : ttl;
  }

  private static List<EnvVar> health(HealthSpec health) {
    List<EnvVar> env = new ArrayList<>();
    if (health.getHttpGet() != null) {
      String path = Optional.ofNullable(health.getHttpGet().getPath()).orElse("/");
      String url = "http://" + LOCALHOST + ":" + health.getHttpGet().getPort() + path;
      env.add(plain(HEALTH_HTTP, url));
    } else if (health.getTcpSocket() != null) {
      env.add(plain(HEALTH_TCP, LOCALHOST + ":" + health.getTcpSocket().getPort()));
    }
    env.add(plain(HEALTH_PERIOD_MS, Objects.toString(health.getPeriodMillis(), "1000")));
    env.add(plain(HEALTH_FAILURES, Objects.toString(health.getFailureThreshold(), "3")));
    return env;
  }

  private static EnvVar podName(String name) {
    return fieldRef(name, "metadata.name");
  }

  private static EnvVar fieldRef(String name, String path) {
    return new EnvVarBuilder()
        .withName(name)
        .withNewValueFrom()
        .withNewFieldRef()
        .withFieldPath(path)
        .endFieldRef()
        .endValueFrom()
        .build();
  }

  private static EnvVar plain(String name, String value) {
    return new EnvVarBuilder().withName(name).withValue(value).build();
  }
}
