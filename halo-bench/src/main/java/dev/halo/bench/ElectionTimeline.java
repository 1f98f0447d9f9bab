package dev.halo.bench;

import dev.halo.agent.ElectionClient;
import dev.halo.common.ElectionKeys;
import dev.halo.common.Threads;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Every change of one election's leader as etcd sees it (the live key with the lowest create
 * revision), timestamped when the watch event arrived: the bench's reference clock for "the old
 * master lost the key" and "the new one is leader".
 */
final class ElectionTimeline implements AutoCloseable {
  /** The leader from {@code atNanos} on ({@code ""}: no candidate at all). */
  record Change(long atNanos, String leader) {}

  private final ElectionClient etcd;
  private final String prefix;
  private final List<Change> changes = new ArrayList<>();
  private final ExecutorService reader;
  private final AutoCloseable watch;
  private final AutoCloseable stepDownWatch;
  private final List<Long> stepDownRequests = new ArrayList<>();

  ElectionTimeline(ElectionClient etcd, String election) throws Exception {
    this.etcd = etcd;
    this.prefix = ElectionKeys.prefix(election);
    this.reader =
        Executors.newSingleThreadExecutor(r -> Threads.daemon("bench-election-" + election, r));
    ElectionClient.LeaderView first = etcd.leader(prefix).get(5, TimeUnit.SECONDS);
    record(System.nanoTime(), first);
    this.watch =
        etcd.watch(
            prefix,
            first.revision() + 1,
            new ElectionClient.WatchHandler() {
              @Override
              public void onChanges(List<ElectionClient.KeyChange> keyChanges) {
                long at = System.nanoTime();
                reader.execute(() -> read(at));
              }

              @Override
              public void onBroken(Throwable cause) {
                long at = System.nanoTime();
                reader.execute(() -> read(at));
              }
            });
    // The operator's step-down requests (a planned switchover starts with one): key puts only.
    this.stepDownWatch =
        etcd.watch(
            ElectionKeys.stepDownPrefix(election),
            first.revision() + 1,
            new ElectionClient.WatchHandler() {
              @Override
              public void onChanges(List<ElectionClient.KeyChange> keyChanges) {
                long at = System.nanoTime();
                if (keyChanges.stream().anyMatch(c -> !c.deleted())) {
                  recordStepDown(at);
                }
              }

              @Override
              public void onBroken(Throwable cause) {
                // a broken watch loses requests; the round then fails for want of one
              }
            });
  }

  private synchronized void recordStepDown(long atNanos) {
    stepDownRequests.add(atNanos);
  }

  /** When the operator first asked a master to step down after {@code sinceNanos}, if it did. */
  synchronized Long firstStepDownRequest(long sinceNanos) {
    return stepDownRequests.stream().filter(at -> at >= sinceNanos).findFirst().orElse(null);
  }

  private void read(long atNanos) {
    try {
      record(atNanos, etcd.leader(prefix).get(5, TimeUnit.SECONDS));
    } catch (Exception e) {
      // etcd busy: the next event reads again
    }
  }

  private synchronized void record(long atNanos, ElectionClient.LeaderView view) {
    String leader = view.leader().map(ElectionClient.Candidate::value).orElse("");
    if (changes.isEmpty() || !changes.get(changes.size() - 1).leader().equals(leader)) {
      changes.add(new Change(atNanos, leader));
    }
  }

  synchronized String leader() {
    return changes.get(changes.size() - 1).leader();
  }

  /** The first change after {@code sinceNanos} to a leader other than {@code old}, if any. */
  synchronized Change firstChangeAwayFrom(String old, long sinceNanos) {
    for (Change c : changes) {
      if (c.atNanos() >= sinceNanos && !c.leader().equals(old)) {
        return c;
      }
    }
    return null;
  }

  /** The first change after {@code sinceNanos} to a non-empty leader other than {@code old}. */
  synchronized Change firstNewLeader(String old, long sinceNanos) {
    for (Change c : changes) {
      if (c.atNanos() >= sinceNanos && !c.leader().equals(old) && !c.leader().isEmpty()) {
        return c;
      }
    }
    return null;
  }

  @Override
  public void close() {
    try {
      watch.close();
      stepDownWatch.close();
    } catch (Exception e) {
      // closing anyway
    }
    reader.shutdownNow();
  }
}
