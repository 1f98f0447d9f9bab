package dev.halo.operator.model;

import dev.halo.api.v1alpha1.ElectionSpec;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.HighAvailabilityGroupSpec;
import dev.halo.common.AgentVariables;
import dev.halo.common.Annotations;
import dev.halo.common.DrainHook;
import dev.halo.common.Labels;
import dev.halo.common.Names;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.LifecycleBuilder;
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
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Builds the desired pod of one replica: the workload from the template plus the elector agent.
 *
 * <p>Like the other factories here it expects a group that {@code HighAvailabilityGroupValidator}
 * accepts.
 *
 * <p>Graceful deletion ordering (drain before stop): when a pod is deleted, Kubernetes runs each
 * container's preStop hook and then sends it SIGTERM. The agent's hook and each workload
 * container's hook are an {@code httpGet} of the agent's {@code /drain} ({@link DrainHook}): a
 * master hands over at once (demotes, leaves the election) and the hooks return once the operator
 * has labelled the successor, plus a settle time, so the workload serves until the Service points
 * elsewhere and only then gets SIGTERM. A template's own {@code sleep} preStop runs after the
 * hand-over; its {@code exec} or {@code httpGet} preStop is kept and runs beside it (it may call
 * {@code /drain} itself first). {@code httpGet} hooks need no binary in the image and every
 * supported server takes them. The grace period is the template's (default 30 s) but at least 7 s;
 * the hook waits at most what it leaves after {@link #MIN_SHUTDOWN_SECONDS}, the settle time and
 * the template's sleep.
 */
public final class PodFactory {
  /** Where the Halo jar lives in the agent image. */
  public static final String AGENT_JAR = "/opt/halo/halo-agent.jar";

  /** The shortest time a workload gets to shut down after its preStop hook. */
  static final long MIN_SHUTDOWN_SECONDS = 5;

  static final long DEFAULT_GRACE_SECONDS = 30;

  private static final int HASH_LENGTH = 10;

  private PodFactory() {}

  /** The pod of replica {@code index}, which starts as a standby. */
  public static Pod pod(HighAvailabilityGroup hag, int index, OperatorDefaults defaults) {
    PodSpec spec = ModelJson.copy(hag.getSpec().getTemplate().getSpec());
    String defaultContainer = spec.getContainers().get(0).getName();
    List<Container> containers = new ArrayList<>(spec.getContainers());
    long grace = gracePeriod(spec.getTerminationGracePeriodSeconds());
    WorkloadContainers.DrainTarget drain =
        new WorkloadContainers.DrainTarget(
            AgentContainer.port(AgentContainer.agentSpec(hag)),
            DrainHook.token(
                Objects.toString(hag.getMetadata().getUid(), ""),
                Names.pod(hag.getMetadata().getName(), index)),
            grace);
    containers.forEach(c -> WorkloadContainers.prepare(c, drain));
    Container agent = AgentContainer.build(hag, defaults);
    agent.setLifecycle(new LifecycleBuilder().withPreStop(drain.hook(0)).build());
    containers.add(agent);
    spec.setContainers(containers);
    List<Volume> volumes = withRoleVolume(spec.getVolumes());
    volumes.addAll(EtcdSecretVolumes.volumes(EtcdSecrets.of(hag.getSpec(), defaults), spec));
    spec.setVolumes(volumes);
    Optional<String> zone = zoneOf(hag, index);
    zone.ifPresent(z -> ZoneAffinity.pin(spec, z));
    spec.setTerminationGracePeriodSeconds(grace);
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
    return Math.max(
        requested,
        WorkloadContainers.MIN_DRAIN_SECONDS
            + WorkloadContainers.SETTLE_MILLIS / 1000
            + MIN_SHUTDOWN_SECONDS);
  }
}
