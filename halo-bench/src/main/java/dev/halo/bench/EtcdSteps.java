package dev.halo.bench;

import dev.halo.sandbox.EtcdCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * etcd's own steps on the rig's cluster, each sample in microseconds: a put and a range read (one
 * round trip each), a lease revoke, a watch event (a put's response → another client's watch
 * delivering it), and a lease running out (its grant's response → the watch delivering its key's
 * deletion). A writer and a watcher client, as the operator and an agent are.
 */
final class EtcdSteps implements AutoCloseable {
  private static final String PREFIX = "/halo-floor/";
  private static final long EVENT_TIMEOUT_S = 10;

  private final Client writer;
  private final Client watcher;
  private final Map<String, CompletableFuture<Long>> awaited = new ConcurrentHashMap<>();
  private final Watch.Watcher watch;

  EtcdSteps(EtcdCluster etcd) {
    writer = etcd.admin();
    watcher = etcd.admin();
    watch =
        watcher
            .getWatchClient()
            .watch(
                bytes(PREFIX),
                WatchOption.builder().isPrefix(true).build(),
                Watch.listener(
                    response -> {
                      long at = System.nanoTime();
                      for (WatchEvent e : response.getEvents()) {
                        CompletableFuture<Long> f =
                            awaited.remove(
                                e.getEventType()
                                    + " "
                                    + e.getKeyValue().getKey().toString(StandardCharsets.UTF_8));
                        if (f != null) {
                          f.complete(at);
                        }
                      }
                    }));
    // The watch is set up asynchronously: the first samples must not be lost to it.
    BenchRig.await(
        "the floor watch on etcd",
        java.time.Duration.ofSeconds(10),
        50,
        () -> {
          CompletableFuture<Long> seen = expect(WatchEvent.EventType.PUT, PREFIX + "ready");
          join(writer.getKVClient().put(bytes(PREFIX + "ready"), bytes("1")));
          try {
            seen.get(200, TimeUnit.MILLISECONDS);
            return true;
          } catch (Exception e) {
            return false;
          }
        });
  }

  List<Long> puts(int n) {
    List<Long> micros = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long t = System.nanoTime();
      join(writer.getKVClient().put(bytes(PREFIX + "put/" + i), bytes("v" + i)));
      micros.add(micros(System.nanoTime() - t));
    }
    return micros;
  }

  List<Long> ranges(int n) {
    List<Long> micros = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long t = System.nanoTime();
      join(writer.getKVClient().get(bytes(PREFIX + "put/" + i)));
      micros.add(micros(System.nanoTime() - t));
    }
    return micros;
  }

  List<Long> revokes(int n) {
    List<Long> micros = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long lease = join(writer.getLeaseClient().grant(60)).getID();
      join(
          writer
              .getKVClient()
              .put(
                  bytes(PREFIX + "revoke/" + i),
                  bytes("v"),
                  PutOption.builder().withLeaseId(lease).build()));
      long t = System.nanoTime();
      join(writer.getLeaseClient().revoke(lease));
      micros.add(micros(System.nanoTime() - t));
    }
    return micros;
  }

  /** A put's response → the watcher's event for it (negative when the event came first). */
  List<Long> watchEvents(int n) {
    List<Long> micros = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String key = PREFIX + "watch/" + i;
      CompletableFuture<Long> seen = expect(WatchEvent.EventType.PUT, key);
      join(writer.getKVClient().put(bytes(key), bytes("v")));
      long answered = System.nanoTime();
      micros.add(micros(join(seen) - answered));
    }
    return micros;
  }

  /**
   * Grants {@code n} leases of {@code ttlSeconds}, one every {@code spacingMillis} so that they
   * fall on every phase of etcd's expiry check, each with a key; the samples come when the keys go.
   */
  List<CompletableFuture<Long>> startExpiries(int ttlSeconds, int n, long spacingMillis)
      throws InterruptedException {
    List<CompletableFuture<Long>> samples = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String key = PREFIX + "expiry/" + ttlSeconds + "/" + i;
      CompletableFuture<Long> gone = expect(WatchEvent.EventType.DELETE, key);
      long lease = join(writer.getLeaseClient().grant(ttlSeconds)).getID();
      long granted = System.nanoTime();
      join(
          writer
              .getKVClient()
              .put(bytes(key), bytes("v"), PutOption.builder().withLeaseId(lease).build()));
      samples.add(gone.thenApply(at -> micros(at - granted)));
      Thread.sleep(spacingMillis); // pacing the grants, not waiting for anything
    }
    return samples;
  }

  static List<Long> collect(List<CompletableFuture<Long>> samples, long timeoutSeconds) {
    return samples.stream()
        .map(
            f -> {
              try {
                return f.get(timeoutSeconds, TimeUnit.SECONDS);
              } catch (Exception e) {
                throw new IllegalStateException("a lease's key did not go: " + e, e);
              }
            })
        .toList();
  }

  private CompletableFuture<Long> expect(WatchEvent.EventType type, String key) {
    CompletableFuture<Long> f = new CompletableFuture<>();
    awaited.put(type + " " + key, f);
    return f;
  }

  private static <T> T join(CompletableFuture<T> f) {
    try {
      return f.get(EVENT_TIMEOUT_S, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (Exception e) {
      throw new IllegalStateException("etcd did not answer in " + EVENT_TIMEOUT_S + " s: " + e, e);
    }
  }

  static long micros(long nanos) {
    return nanos / 1_000;
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    watch.close();
    watcher.close();
    writer.close();
  }
}
