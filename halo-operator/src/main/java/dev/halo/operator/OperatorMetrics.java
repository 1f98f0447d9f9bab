package dev.halo.operator;

import dev.halo.api.v1alpha1.HighAvailabilityGroupStatus;
import dev.halo.api.v1alpha1.MemberStatus;
import dev.halo.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The operator's Prometheus metrics: totals over the groups, and per group ({@code namespace},
 * {@code group} labels) its conditions, members and failovers, which the chart's alerts and
 * dashboard use (docs/observability.md).
 */
public final class OperatorMetrics {
  private static final List<String> PHASES =
      List.of("Pending", "Electing", "Running", "Degraded", "Invalid", "Paused");

  /** The condition types {@code halo_operator_group_condition} reports, each group alike. */
  static final List<String> CONDITION_TYPES =
      List.of(
          Conditions.READY,
          Conditions.MASTER_ELECTED,
          Conditions.ETCD_REACHABLE,
          Conditions.VALID,
          Conditions.PODS_CREATED,
          Conditions.OBJECTS_APPLIED,
          Conditions.FOREIGN_CANDIDATES,
          Conditions.LEASE_TTL_SAFE,
          Conditions.SITE_ACTIVE,
          Conditions.PAUSED);

  /** What the per-group gauges read: the group's last status, as numbers. */
  record GroupFigures(
      Map<String, Boolean> conditions, int members, int readyMembers, int notCampaigning) {
    static GroupFigures of(HighAvailabilityGroupStatus status) {
      Map<String, Boolean> conditions = new ConcurrentHashMap<>();
      for (Condition c : status.getConditions()) {
        if ("True".equals(c.getStatus()) || "False".equals(c.getStatus())) {
          conditions.put(c.getType(), "True".equals(c.getStatus()));
        }
      }
      int ready = 0;
      int notCampaigning = 0;
      for (MemberStatus m : status.getMembers()) {
        boolean isReady = Boolean.TRUE.equals(m.getReady());
        ready += isReady ? 1 : 0;
        // Members that never become master do not campaign by design.
        notCampaigning +=
            isReady && !Boolean.TRUE.equals(m.getCampaigning()) && m.getExcluded() == null ? 1 : 0;
      }
      return new GroupFigures(conditions, status.getMembers().size(), ready, notCampaigning);
    }

    double condition(String type) {
      Boolean value = conditions.get(type);
      return value == null ? Double.NaN : value ? 1 : 0;
    }
  }

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<String, String> phaseByGroup = new ConcurrentHashMap<>();
  private final Map<String, GroupFigures> figuresByGroup = new ConcurrentHashMap<>();
  private final Set<String> unreadable = ConcurrentHashMap.newKeySet();
  private final Set<String> onOutdatedEtcd = ConcurrentHashMap.newKeySet();
  private final Set<String> paused = ConcurrentHashMap.newKeySet();
  private final Timer reconcile;
  private final Counter reconcileErrors;
  private final Counter watchRelabels;

  public OperatorMetrics() {
    reconcile =
        Timer.builder("halo.operator.reconcile")
            .description("time to reconcile one group")
            .publishPercentileHistogram()
            .register(registry);
    reconcileErrors =
        Counter.builder("halo.operator.reconcile.errors")
            .description("reconciles that failed and will be retried")
            .register(registry);
    watchRelabels =
        Counter.builder("halo.operator.watch.relabels")
            .description("relabellings on an election watch event, ahead of the reconcile")
            .register(registry);
    Gauge.builder("halo.operator.groups.unreadable", unreadable, Set::size)
        .description("groups whose stored spec does not fit the model (skipped until fixed)")
        .register(registry);
    Gauge.builder("halo.operator.groups.etcd.outdated", onOutdatedEtcd, Set::size)
        .description("groups whose etcd runs a server version with known lease or auth bugs")
        .register(registry);
    Gauge.builder("halo.operator.groups.paused", paused, Set::size)
        .description("groups with spec.paused: the operator changes none of their pods")
        .register(registry);
    for (String phase : PHASES) {
      Gauge.builder(
              "halo.operator.groups",
              phaseByGroup,
              m -> m.values().stream().filter(phase::equals).count())
          .description("groups by phase")
          .tag("phase", phase)
          .register(registry);
    }
  }

  /** Registers the age of the oldest write of the operator's not yet seen on its watch. */
  void watchFreshness(java.util.function.Supplier<Duration> oldestUnseen) {
    Gauge.builder(
            "halo.operator.watch.unseen.write", oldestUnseen, d -> d.get().toMillis() / 1000.0)
        .description(
            "seconds the oldest write of the operator's (a pod, a group's status) has waited to"
                + " come back on its watch (0: none waits); past HALO_WATCH_STALE_SECONDS /healthz"
                + " fails")
        .baseUnit("seconds")
        // Gauges hold their object weakly; nothing else holds this supplier.
        .strongReference(true)
        .register(registry);
  }

  void reconciled(Duration took) {
    reconcile.record(took);
  }

  void reconcileFailed() {
    reconcileErrors.increment();
  }

  /** A group was relabelled on its election's watch event ({@link ElectionRelabels}). */
  void watchRelabel() {
    watchRelabels.increment();
  }

  void phase(String group, String phase) {
    phaseByGroup.put(group, phase);
  }

  void unreadable(String group, boolean isUnreadable) {
    if (isUnreadable) {
      unreadable.add(group);
    } else {
      unreadable.remove(group);
    }
  }

  void etcdOutdated(String group, boolean outdated) {
    if (outdated) {
      onOutdatedEtcd.add(group);
    } else {
      onOutdatedEtcd.remove(group);
    }
  }

  /**
   * The group's status as numbers: {@code halo_operator_group_condition{namespace, group, type}} (1
   * True, 0 False, NaN not set), {@code halo_operator_group_members}, {@code
   * halo_operator_group_members_ready} and {@code halo_operator_group_members_not_campaigning}
   * (Ready members whose agent has no candidate key and that may be master).
   */
  void group(String group, HighAvailabilityGroupStatus status) {
    if (figuresByGroup.put(group, GroupFigures.of(status)) != null) {
      return;
    }
    Tags tags = groupTags(group);
    for (String type : CONDITION_TYPES) {
      Gauge.builder(
              "halo.operator.group.condition",
              figuresByGroup,
              m -> m.getOrDefault(group, NONE).condition(type))
          .description("the group's status condition: 1 True, 0 False, NaN not set")
          .tags(tags)
          .tag("type", type)
          .register(registry);
    }
    groupGauge(group, tags, "halo.operator.group.members", "pods of the group", f -> f.members());
    groupGauge(
        group,
        tags,
        "halo.operator.group.members.ready",
        "Ready pods of the group",
        f -> f.readyMembers());
    groupGauge(
        group,
        tags,
        "halo.operator.group.members.not.campaigning",
        "Ready pods of the group whose agent has no candidate key in etcd and may be master",
        f -> f.notCampaigning());
  }

  private static final GroupFigures NONE = new GroupFigures(Map.of(), 0, 0, 0);

  private void groupGauge(
      String group,
      Tags tags,
      String name,
      String description,
      java.util.function.ToDoubleFunction<GroupFigures> value) {
    Gauge.builder(name, figuresByGroup, m -> value.applyAsDouble(m.getOrDefault(group, NONE)))
        .description(description)
        .tags(tags)
        .register(registry);
  }

  /** {@code namespace} and {@code group} of a {@code <namespace>/<name>} key. */
  static Tags groupTags(String group) {
    int slash = group.indexOf('/');
    return slash < 0
        ? Tags.of("namespace", "", "group", group)
        : Tags.of("namespace", group.substring(0, slash), "group", group.substring(slash + 1));
  }

  void paused(String group, boolean isPaused) {
    if (isPaused) {
      paused.add(group);
    } else {
      paused.remove(group);
    }
  }

  void forget(String group) {
    if (figuresByGroup.remove(group) != null) {
      Tags tags = groupTags(group);
      for (Meter meter : List.copyOf(registry.getMeters())) {
        // The group's gauges and its failover counts.
        if (tags.stream().allMatch(t -> t.getValue().equals(meter.getId().getTag(t.getKey())))) {
          registry.remove(meter);
        }
      }
    }
    phaseByGroup.remove(group);
    paused.remove(group);
    unreadable.remove(group);
    onOutdatedEtcd.remove(group);
  }

  /**
   * A failover of {@code group}; {@code durationMillis} is null when it is not known (then not
   * recorded).
   */
  void failover(String group, String reason, Long durationMillis) {
    Counter.builder("halo.operator.failovers")
        .description("master changes by group and reason")
        .tags(groupTags(group))
        .tag("reason", reason)
        .register(registry)
        .increment();
    if (durationMillis == null) {
      return;
    }
    DistributionSummary.builder("halo.operator.failover.duration")
        .description(
            "from the first sign of losing the old master to the new master's election in etcd")
        .baseUnit("seconds")
        .publishPercentileHistogram()
        .register(registry)
        .record(durationMillis / 1000.0);
  }

  /** The agent of a gone pod of {@code group} campaigned again after its lease was revoked. */
  void goneMemberCampaign(String group) {
    Counter.builder("halo.operator.gone.member.campaigns")
        .description("campaigns of agents whose pod is gone, after their lease was revoked")
        .tag("group", group)
        .register(registry)
        .increment();
  }

  /**
   * A key the operator removed, by the path it took ({@code immediate}, {@code never-leader},
   * {@code fenced}): {@code halo_lease_removals_total{path}}.
   */
  void leaseRemoved(String path) {
    Counter.builder("halo.lease.removals")
        .description("candidate keys the operator removed, by path (docs/fencing.md)")
        .tag("path", path)
        .register(registry)
        .increment();
  }

  public String scrape() {
    return registry.scrape();
  }
}
