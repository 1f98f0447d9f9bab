package dev.halo.operator.model;

import dev.halo.api.v1alpha1.ElectionSpec;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.HighAvailabilityGroupSpec;
import dev.halo.common.AgentVariables;
import dev.halo.common.Annotations;
import dev.halo.common.Labels;
import dev.halo.common.Names;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Builds the desired pod of one replica: the workload from the template plus the elector agent.
 *
 * <p>Like the other factories here it expects a group that {@code HighAvailabilityGroupValidator}
 * accepts.
 *
 * <p>Graceful deletion ordering: when a pod is deleted, Kubernetes runs the preStop hooks and then
 * sends SIGTERM to every container at once. The agent has no preStop hook, so it resigns at once
 * (about 50 ms) and a standby takes over the election; each workload container without its own
 * preStop hook gets a native {@code sleep} preStop action of 2 s (no shell needed), so it keeps
 * serving in-flight requests while the Service moves to the new master, and only then gets SIGTERM.
 * The grace period is the template's (default 30 s) but at least the 2 s sleep plus 5 s to shut
 * down.
 *
 * <p>API servers before 1.30 refuse the {@code sleep} action ({@link
 * ServerVersion#acceptsSleepAction}), so there the workload gets no preStop hook and SIGTERM at the
 * same moment as the agent: an {@code exec} of {@code sleep} would fail in images without that
 * binary, and the agent's image is not the workload's. The hash leaves the server version out: the
 * pods of a cluster upgraded to 1.30 are not rolled for it, and get the sleep when next replaced.
 */
public final class PodFactory {
  /** Where the Halo jar lives in the agent image. */
  public static final String AGENT_JAR = "/opt/halo/halo-agent.jar";

  /** The shortest time a workload gets to shut down after its preStop sleep. */
  static final long MIN_SHUTDOWN_SECONDS = 5;

  static final long DEFAULT_GRACE_SECONDS = 30;

  private static final int HASH_LENGTH = 10;

  private PodFactory() {}

  /** The pod of replica {@code index}, which starts as a standby. */
  public static Pod pod(HighAvailabilityGroup hag, int index, OperatorDefaults defaults) {
    PodSpec spec = ModelJson.copy(hag.getSpec().getTemplate().getSpec());
    String defaultContainer = spec.getContainers().get(0).getName();
    List<Container> containers = new ArrayList<>(spec.getContainers());
    containers.forEach(c -> WorkloadContainers.prepare(c, defaults.serverVersion()));
    containers.add(AgentContainer.build(hag, defaults));
    spec.setContainers(containers);
    List<Volume> volumes = withRoleVolume(spec.getVolumes());
    volumes.addAll(EtcdSecretVolumes.volumes(EtcdSecrets.of(hag.getSpec(), defaults), spec));
    spec.setVolumes(volumes);
    Optional<String> zone = zoneOf(hag, index);
    zone.ifPresent(z -> ZoneAffinity.pin(spec, z));
    spec.setTerminationGracePeriodSeconds(gracePeriod(spec.getTerminationGracePeriodSeconds()));
    if (spec.getAutomountServiceAccountToken() == null) {
      // The agent talks only to etcd and never needs Kubernetes credentials.
      spec.setAutomountServiceAccountToken(false);
    }
    return new PodBuilder()
        .withMetadata(metadata(hag, index, zone, templateHash(hag, defaults), defaultContainer))
        .withSpec(spec)
        .build();
  }

  /**
   * A stable hash of everything the pods are built from except the replica count and the Service,
   * so that a pod whose hash differs from the group's must be replaced. The operator's defaults
   * count too: a new agent image or default etcd endpoints roll the pods that use them.
   */
  public static String templateHash(HighAvailabilityGroup hag, OperatorDefaults defaults) {
    HighAvailabilityGroupSpec spec = hag.getSpec();
    Map<String, Object> inputs = new LinkedHashMap<>();
    inputs.put("template", spec.getTemplate());
    inputs.put("zones", spec.getZones());
    inputs.put("election", podInputs(spec.getElection()));
    if (EtcdEndpoints.usesOperatorDefault(spec)) {
      // Only then: a group that lists its own endpoints keeps the hash it had before defaults.
      inputs.put("operatorEtcdEndpoints", defaults.etcdEndpoints());
    }
    EtcdSecrets secrets = EtcdSecrets.of(spec, defaults);
    if (!secrets.isEmpty()) {
      // Only then, so that groups without etcd Secrets keep their hash; the operator's defaults
      // for groups count here, the group's own settings also through "election".
      inputs.put("etcdSecrets", secrets.asMap());
    }
    inputs.put("health", spec.getHealth());
    inputs.put("agent", spec.getAgent());
    inputs.put("agentImage", defaults.agentImage());
    inputs.put("agentJvmOptions", defaults.agentJvmOptions());
    // The agent's command line and the identity it publishes: pods of an older operator run
    // another jar path without the member identity, and must be replaced, not left to restart
    // into an image that no longer has their jar.
    inputs.put("agentJar", AGENT_JAR);
    inputs.put("agentIdentity", List.of(AgentVariables.POD_UID, AgentVariables.GROUP_UID));
    return ModelJson.hash(inputs, HASH_LENGTH);
  }

  /**
   * The election settings the pods are built from: all but what reaches the pods another way, so
   * that changing it rolls no pod: the master preference ({@code preferred}, {@code
   * failbackAfterSeconds}), which the operator alone acts on, and {@code neverMaster}, which
   * reaches the agents through hold keys in etcd. An omitted election builds the same pods as an
   * empty one.
   */
  private static ElectionSpec podInputs(ElectionSpec election) {
    ElectionSpec copy = ModelJson.copy(Optional.ofNullable(election).orElseGet(ElectionSpec::new));
    copy.setPreferred(null);
    copy.setFailbackAfterSeconds(null);
    copy.setNeverMaster(null);
    return copy;
  }

  /** The zone of replica {@code index}: {@code zones[index mod zones]}, empty without zones. */
  public static Optional<String> zoneOf(HighAvailabilityGroup hag, int index) {
    List<String> zones = hag.getSpec().getZones();
    if (zones == null || zones.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(zones.get(index % zones.size()));
  }

  private static ObjectMeta metadata(
      HighAvailabilityGroup hag,
      int index,
      Optional<String> zone,
      String hash,
      String defaultContainer) {
    ObjectMeta template =
        Optional.ofNullable(hag.getSpec().getTemplate().getMetadata()).orElseGet(ObjectMeta::new);
    Map<String, String> labels = copyOf(template.getLabels());
    labels.putAll(GroupMeta.labels(hag));
    labels.put(Labels.INDEX, Integer.toString(index));
    zone.ifPresent(z -> labels.put(Labels.ZONE, z));
    labels.put(Labels.ROLE, Labels.ROLE_STANDBY);
    Map<String, String> annotations = copyOf(template.getAnnotations());
    annotations.put(Annotations.TEMPLATE_HASH, hash);
    annotations.putIfAbsent(Annotations.DEFAULT_CONTAINER, defaultContainer);
    ObjectMeta meta = GroupMeta.owned(hag, Names.pod(GroupMeta.group(hag), index));
    meta.setLabels(labels);
    meta.setAnnotations(annotations);
    return meta;
  }

  private static Map<String, String> copyOf(Map<String, String> map) {
    return map == null ? new TreeMap<>() : new TreeMap<>(map);
  }

  private static List<Volume> withRoleVolume(List<Volume> volumes) {
    List<Volume> all = new ArrayList<>();
    Optional.ofNullable(volumes).ifPresent(all::addAll);
    all.add(
        new VolumeBuilder()
            .withName(Names.ROLE_VOLUME)
            .withNewEmptyDir()
            .withMedium("Memory")
            .withSizeLimit(new Quantity("1Mi"))
            .endEmptyDir()
            .build());
    return all;
  }

  private static long gracePeriod(Long template) {
    long requested = template == null ? DEFAULT_GRACE_SECONDS : template;
    return Math.max(requested, WorkloadContainers.PRE_STOP_SLEEP_SECONDS + MIN_SHUTDOWN_SECONDS);
  }
}
