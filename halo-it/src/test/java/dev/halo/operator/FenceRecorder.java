package dev.halo.operator;

import dev.halo.common.ElectionKeys;
import dev.halo.common.FenceValue;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Every write of a group's fence keys from now on, as etcd's watch delivers them. */
final class FenceRecorder implements AutoCloseable {
  /** A put of a fence ({@code value} empty when unreadable) or, with {@code deleted}, its end. */
  record Seen(String key, boolean deleted, FenceValue value) {}

  private final Client client;
  private final Watch.Watcher watcher;
  private final List<Seen> seen = new CopyOnWriteArrayList<>();

  FenceRecorder(Client client, String namespace, String group) {
    this.client = client;
    ByteSequence prefix =
        ByteSequence.from(
            ElectionKeys.fencePrefix(ElectionKeys.electionName(namespace, group)),
            StandardCharsets.UTF_8);
    this.watcher =
        client
            .getWatchClient()
            .watch(
                prefix,
                WatchOption.builder().isPrefix(true).build(),
                response -> response.getEvents().forEach(e -> seen.add(seen(e))));
  }

  private static Seen seen(WatchEvent e) {
    String key = e.getKeyValue().getKey().toString(StandardCharsets.UTF_8);
    boolean deleted = e.getEventType() == WatchEvent.EventType.DELETE;
    FenceValue value =
        deleted
            ? null
            : FenceValue.decode(e.getKeyValue().getValue().toString(StandardCharsets.UTF_8))
                .orElse(null);
    return new Seen(key, deleted, value);
  }

  List<Seen> seen() {
    return List.copyOf(seen);
  }

  /** The fences put armed: those the next master had to wait for. */
  List<FenceValue> armed() {
    return seen.stream()
        .filter(s -> s.value() != null && s.value().armed())
        .map(Seen::value)
        .toList();
  }

  @Override
  public void close() {
    watcher.close();
    client.close();
  }
}
