package dev.halo.operator;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The operator's Prometheus metrics. */
public final class OperatorMetrics {
  private static final List<String> PHASES =
      List.of("Pending", "Electing", "Running", "Degraded", "Invalid", "Paused");

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<String, String> phaseByGroup = new ConcurrentHashMap<>();
  private final Set<String> unreadable = ConcurrentHashMap.newKeySet();
  private final Set<String> onOutdatedEtcd = ConcurrentHashMap.newKeySet();
  private final Set<String> paused = ConcurrentHashMap.newKeySet();
  private final Timer reconcile;
  private final Counter reconcileErrors;

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

  void paused(String group, boolean isPaused) {
    if (isPaused) {
      paused.add(group);
    } else {
      paused.remove(group);
    }
  }

  void forget(String group) {
    phaseByGroup.remove(group);
    paused.remove(group);
    unreadable.remove(group);
    onOutdatedEtcd.remove(group);
  }

  /** A failover; {@code durationMillis} is null when it is not known (then not recorded). */
  void failover(String reason, Long durationMillis) {
    Counter.builder("halo.operator.failovers")
        .description("master changes by reason")
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
