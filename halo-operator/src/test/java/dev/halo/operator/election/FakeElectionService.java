package dev.halo.operator.election;

import dev.halo.common.ElectionKeys;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * An in-memory {@link ElectionService} for tests: they set the views, fire changes by hand and read
 * back what was removed. Removals only record; they change no view.
 */
public final class FakeElectionService implements ElectionService {
  private static final long FIRST_LEASE = 0x694d7a1c2b3e0100L;

  private final Map<String, ElectionView> views = new ConcurrentHashMap<>();
  private final Map<String, List<String>> endpointsAskedFor = new ConcurrentHashMap<>();
  private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
  private final List<Long> revoked = new CopyOnWriteArrayList<>();
  private final List<KeyRemoval> removals = new CopyOnWriteArrayList<>();
  private final List<String> finished = new CopyOnWriteArrayList<>();
  private final List<Long> stepDowns = new CopyOnWriteArrayList<>();
  private final List<Long> legacyStepDowns = new CopyOnWriteArrayList<>();
  private final List<Long> requeues = new CopyOnWriteArrayList<>();
  private volatile Throwable failure;
  private volatile boolean closed;

  /** An unset election is reachable and has no candidates. */
  @Override
  public ElectionView view(List<String> endpoints, String election) {
    endpointsAskedFor.put(election, List.copyOf(endpoints));
    return views.getOrDefault(election, new ElectionView(election, true, List.of(), 0, ""));
  }

  /**
   * Records the removal (its lease among {@link #revoked} too) and says it took its path; changes
   * no view.
   */
  @Override
  public CompletableFuture<Removed> remove(
      List<String> endpoints, String election, KeyRemoval removal) {
    if (failure != null) {
      return CompletableFuture.failedFuture(failure);
    }
    removals.add(removal);
    revoked.add(removal.key().leaseId());
    return CompletableFuture.completedFuture(new Removed(removal.path(), 3, true));
  }

  /** Records the fence as finished; changes no view. */
  @Override
  public CompletableFuture<Removed> finishFence(List<String> endpoints, Fence fence) {
    if (failure != null) {
      return CompletableFuture.failedFuture(failure);
    }
    finished.add(fence.key());
    return CompletableFuture.completedFuture(new Removed(RemovalPath.FENCED, 3, true));
  }

  /** The removals asked for, in order. */
  public List<KeyRemoval> removals() {
    return List.copyOf(removals);
  }

  /** The fence keys asked to be finished, in order. */
  public List<String> finishedFences() {
    return List.copyOf(finished);
  }

  /** Records the request; no agent answers it. */
  @Override
  public CompletableFuture<Void> requestStepDown(
      List<String> endpoints, String election, long leaseId, String reason) {
    if (failure != null) {
      return CompletableFuture.failedFuture(failure);
    }
    stepDowns.add(leaseId);
    return CompletableFuture.completedFuture(null);
  }

  /** Records a request for an agent of release 0.1.0 too. */
  @Override
  public CompletableFuture<Void> requestStepDown(
      List<String> endpoints, String election, long leaseId, String reason, boolean legacyAgent) {
    if (legacyAgent && failure == null) {
      legacyStepDowns.add(leaseId);
    }
    return requestStepDown(endpoints, election, leaseId, reason);
  }

  /** Records a re-queue request as put (the leader guard always holds here). */
  @Override
  public CompletableFuture<Boolean> requestRequeue(
      List<String> endpoints,
      String election,
      long leaseId,
      String leaderKey,
      long leaderCreateRevision) {
    if (failure != null) {
      return CompletableFuture.failedFuture(failure);
    }
    requeues.add(leaseId);
    return CompletableFuture.completedFuture(true);
  }

  /** The leases asked to queue again, in order. */
  public List<Long> requeueRequests() {
    return List.copyOf(requeues);
  }

  /** The leases asked to step down also where an agent of release 0.1.0 watches. */
  public List<Long> legacyStepDownRequests() {
    return List.copyOf(legacyStepDowns);
  }

  @Override
  public void addListener(Consumer<String> listener) {
    listeners.add(listener);
  }

  @Override
  public void close() {
    closed = true;
  }

  /** Sets what {@link #view} returns for {@code election}, without telling listeners. */
  public void setView(String election, ElectionView view) {
    views.put(election, view);
  }

  /**
   * Sets a reachable view whose candidates are {@code members} in queue order (the first leads),
   * each with its own lease, and returns it.
   */
  public ElectionView setCandidates(String election, String... members) {
    List<Candidate> candidates = new ArrayList<>();
    for (int i = 0; i < members.length; i++) {
      long lease = FIRST_LEASE + i;
      candidates.add(
          new Candidate(ElectionKeys.candidateKey(election, lease), members[i], 100L + i, lease));
    }
    ElectionView view = new ElectionView(election, true, candidates, 100L + members.length, "");
    setView(election, view);
    return view;
  }

  /** Makes {@code election} unreachable with {@code error}. */
  public void setUnreachable(String election, String error) {
    setView(election, ElectionView.unreachable(election, error));
  }

  /** Tells every listener that {@code election} changed, on the calling thread. */
  public void fire(String election) {
    listeners.forEach(l -> l.accept(election));
  }

  /** Sets the view and tells the listeners. */
  public void update(String election, ElectionView view) {
    setView(election, view);
    fire(election);
  }

  /**
   * Makes removals and step-down requests fail with {@code error}; {@code null} lets them succeed.
   */
  public void failCalls(Throwable error) {
    this.failure = error;
  }

  /** The leases of the keys passed to {@link #remove}, in order. */
  public List<Long> revoked() {
    return List.copyOf(revoked);
  }

  /** Lease ids passed to {@link #requestStepDown}, in order. */
  public List<Long> stepDownRequests() {
    return List.copyOf(stepDowns);
  }

  /** The endpoints of the latest {@link #view} call for {@code election}. */
  public Optional<List<String>> endpointsAskedFor(String election) {
    return Optional.ofNullable(endpointsAskedFor.get(election));
  }

  public int listenerCount() {
    return listeners.size();
  }

  public boolean isClosed() {
    return closed;
  }
}
