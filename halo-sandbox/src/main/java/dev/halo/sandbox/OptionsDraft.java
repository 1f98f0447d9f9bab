package dev.halo.sandbox;

import dev.halo.agent.AgentConfig;
import dev.halo.agent.ElectionClient;
import dev.halo.sandbox.LocalKubelet.Options;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** A mutable copy of the kubelet's {@link Options}, through which each wither changes one. */
final class OptionsDraft {
  boolean overrideEtcdEndpoints;
  boolean gracefulDeletion;
  Map<String, String> extraEnv;
  Optional<Duration> agentRestartDelay;
  Duration probePeriod;
  Duration readinessPeriod;
  Optional<Function<AgentConfig, ElectionClient>> electionClients;
  boolean workloadServers;
  boolean readinessRequests;
  boolean etcdProxies;

  OptionsDraft(Options o) {
    overrideEtcdEndpoints = o.overrideEtcdEndpoints();
    gracefulDeletion = o.gracefulDeletion();
    extraEnv = o.extraEnv();
    agentRestartDelay = o.agentRestartDelay();
    probePeriod = o.probePeriod();
    readinessPeriod = o.readinessPeriod();
    electionClients = o.electionClients();
    workloadServers = o.workloadServers();
    readinessRequests = o.readinessRequests();
    etcdProxies = o.etcdProxies();
  }

  Options build() {
    return new Options(
        overrideEtcdEndpoints,
        gracefulDeletion,
        extraEnv,
        agentRestartDelay,
        probePeriod,
        readinessPeriod,
        electionClients,
        workloadServers,
        readinessRequests,
        etcdProxies);
  }
}
