package dev.halo.operator;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.operator.election.ElectionService;
import dev.halo.operator.election.ElectionView;
import dev.halo.operator.model.EtcdEndpoints;
import dev.halo.operator.model.GroupElection;
import dev.halo.operator.model.Membership;
import dev.halo.operator.model.OperatorDefaults;
import dev.halo.operator.validation.HighAvailabilityGroupValidator;
import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relabels a group's pods on the election watch event, without waiting for the reconcile that the
 * same event starts: that one queues behind any reconcile of the group still running, and labels
 * only after the steps before them. Here the labels alone follow the election ({@link
 * RoleLabeller#assign}: every demotion before the promotion), from the group and its pods as the
 * informers hold them; the reconcile still runs and does everything else.
 *
 * <p>Both paths label under one lock per group and each from the freshest election view at that
 * moment, so the labels never go back to an older election: a reconcile that read the election
 * before a relabel here labels from the newer one. Pods are read with the operator's own label
 * writes laid over the cache ({@link ObjectWriter#freshest}), so neither path repeats the other's
 * patches while the watch has not delivered them yet.
 *
 * <p>Only groups that a reconcile found valid are followed, and only while the election source runs
 * (this replica leads); events of one group coalesce while its relabel waits for a thread.
 */
final class ElectionRelabels implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ElectionRelabels.class);
  // Relabels are two or three API patches each: enough threads that a burst of crashed masters
  // over many groups is not relabelled one group at a time.
  static final int THREADS = 8;

  /** The group and its pods as the informers hold them now. */
  interface Cache {
    Optional<HighAvailabilityGroup> group(ResourceID id);

    List<Pod> pods(HighAvailabilityGroup hag);
  }

  /** Labels as assigned, and the membership they were planned from (perhaps a newer one). */
  record Assigned(Membership members, RoleLabeller.Labelled labelled) {}

  /** What labels a group's pods ({@link RoleLabeller#assign}). */
  @FunctionalInterface
  interface Labeller {
    RoleLabeller.Labelled assign(HighAvailabilityGroup hag, List<Pod> pods, Membership members);
  }

  private final ElectionService elections;
  private final OperatorDefaults defaults;
  private final Labeller labeller;
  private final UnaryOperator<List<Pod>> freshest;
  private final OperatorMetrics metrics;
  private final Executor executor;
  private final Map<String, Set<ResourceID>> followers = new ConcurrentHashMap<>();
  private final Map<ResourceID, Object> locks = new ConcurrentHashMap<>();
  private final Set<ResourceID> queued = ConcurrentHashMap.newKeySet();
  private volatile Cache cache;
  private volatile BooleanSupplier active = () -> false;

  /**
   * Labels with {@code labeller}, reading pods through {@code freshest} ({@link
   * ObjectWriter#freshest}), on {@value #THREADS} threads of its own.
   */
  ElectionRelabels(
      ElectionService elections,
      OperatorDefaults defaults,
      Labeller labeller,
      UnaryOperator<List<Pod>> freshest,
      OperatorMetrics metrics) {
    this(elections, defaults, labeller, freshest, metrics, threads());
  }

  /** As above, relabelling on {@code executor}. */
  ElectionRelabels(
      ElectionService elections,
      OperatorDefaults defaults,
      Labeller labeller,
      UnaryOperator<List<Pod>> freshest,
      OperatorMetrics metrics,
      Executor executor) {
    this.elections = elections;
    this.defaults = defaults;
    this.labeller = labeller;
    this.freshest = freshest;
    this.metrics = metrics;
    this.executor = executor;
  }

  private static ThreadPoolExecutor threads() {
    AtomicInteger threads = new AtomicInteger();
    ThreadPoolExecutor executor =
        new ThreadPoolExecutor(
            THREADS,
            THREADS,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "halo-relabel-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    executor.allowCoreThreadTimeOut(true);
    return executor;
  }

  /** Reads groups and pods from {@code cache}, and acts while {@code active} says so. */
  void start(Cache cache, BooleanSupplier active) {
    this.cache = cache;
    this.active = active;
  }

  /** A reconcile found {@code hag} valid: its election's events relabel it from now on. */
  void follow(HighAvailabilityGroup hag) {
    ResourceID id = ResourceID.fromResource(hag);
    followers.computeIfAbsent(GroupElection.name(hag), e -> ConcurrentHashMap.newKeySet()).add(id);
  }

  /** The group is invalid or gone: its election's events wait for the reconcile. */
  void unfollow(HighAvailabilityGroup hag) {
    ResourceID id = ResourceID.fromResource(hag);
    followers.values().forEach(ids -> ids.remove(id));
    followers.values().removeIf(Set::isEmpty);
  }

  /** Forgets a deleted group. */
  void forget(HighAvailabilityGroup hag) {
    unfollow(hag);
    locks.remove(ResourceID.fromResource(hag));
  }

  /** An election changed (on the etcd watch's thread; never blocks). */
  void electionChanged(String election) {
    Set<ResourceID> ids = followers.get(election);
    if (ids == null || cache == null || !active.getAsBoolean()) {
      return;
    }
    for (ResourceID id : ids) {
      if (queued.add(id)) {
        try {
          executor.execute(() -> relabel(id));
        } catch (RejectedExecutionException e) {
          queued.remove(id); // closing: the reconcile is stopping too
        }
      }
    }
  }

  /**
   * Labels as {@link RoleLabeller#assign} does, under the group's lock: from the freshest election
   * when it moved on since {@code members} was read, and from {@code pods} with the operator's own
   * label writes laid over them.
   */
  Assigned assign(HighAvailabilityGroup hag, List<Pod> pods, Membership members) {
    synchronized (lock(ResourceID.fromResource(hag))) {
      List<Pod> fresh = freshest.apply(pods);
      Membership latest = members;
      ElectionView now = elections.view(EtcdEndpoints.of(hag.getSpec(), defaults), election(hag));
      if (now.known() && now.reachable() && now.revision() > members.view().revision()) {
        latest = HighAvailabilityGroupReconciler.membership(hag, fresh, now);
      }
      return new Assigned(latest, labeller.assign(hag, fresh, latest));
    }
  }

  @Override
  public void close() {
    if (executor instanceof ExecutorService owned) {
      owned.shutdownNow();
    }
  }

  private void relabel(ResourceID id) {
    queued.remove(id);
    if (!active.getAsBoolean()) {
      return;
    }
    Optional<HighAvailabilityGroup> found = cache.group(id);
    if (found.isEmpty() || found.get().getMetadata().getDeletionTimestamp() != null) {
      return;
    }
    HighAvailabilityGroup hag = found.get();
    if (!HighAvailabilityGroupValidator.validate(hag, defaults).isEmpty()) {
      return; // the reconcile reports it; labels stay as they are meanwhile
    }
    List<String> endpoints = EtcdEndpoints.of(hag.getSpec(), defaults);
    if (endpoints.isEmpty()) {
      return;
    }
    ElectionView view = elections.view(endpoints, election(hag));
    if (!view.known() || !view.reachable()) {
      return; // fail static, as the reconcile does
    }
    long start = System.nanoTime();
    try {
      List<Pod> pods = cache.pods(hag);
      Assigned done =
          assign(hag, pods, HighAvailabilityGroupReconciler.membership(hag, pods, view));
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      metrics.watchRelabel();
      log.atDebug()
          .addKeyValue("group", HighAvailabilityGroupReconciler.key(hag))
          .addKeyValue("revision", done.members().view().revision())
          .addKeyValue("master", done.labelled().master().orElse(""))
          .addKeyValue("tookMs", tookMs)
          .log("relabelled from the election watch");
    } catch (RuntimeException e) {
      log.atWarn()
          .addKeyValue("group", HighAvailabilityGroupReconciler.key(hag))
          .addKeyValue("error", e.toString())
          .log("relabelling from the election watch failed; the reconcile labels instead");
    }
  }

  private Object lock(ResourceID id) {
    return locks.computeIfAbsent(id, i -> new Object());
  }

  private static String election(HighAvailabilityGroup hag) {
    return GroupElection.name(hag);
  }
}
