package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessPeersTest {
  @Test
  void listsEveryPodsContainerPortsSortedOnePerLine() {
    assertThat(
            ProcessPeers.render(
                Map.of(
                    "redis-1", Map.of(6379, 41001), "redis-0", Map.of(9121, 41003, 6379, 41000))))
        .isEqualTo(
            "redis-0:6379=127.0.0.1:41000\n"
                + "redis-0:9121=127.0.0.1:41003\n"
                + "redis-1:6379=127.0.0.1:41001\n");
  }

  @Test
  void theFileFollowsPodsStartingAndStopping(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("peers");
    ProcessPeers peers = new ProcessPeers(file);
    peers.put("redis-0", Map.of(6379, 41000));
    peers.put("redis-1", Map.of(6379, 41001));
    assertThat(Files.readString(file))
        .isEqualTo("redis-0:6379=127.0.0.1:41000\nredis-1:6379=127.0.0.1:41001\n");
    assertThat(peers.localPorts(6379))
        .containsExactly(Map.entry("redis-0", 41000), Map.entry("redis-1", 41001));
    assertThat(peers.localPorts(9121)).isEmpty();
    peers.remove("redis-0");
    assertThat(Files.readString(file)).isEqualTo("redis-1:6379=127.0.0.1:41001\n");
    peers.put("redis-0", Map.of(6379, 41005));
    assertThat(Files.readString(file)).startsWith("redis-0:6379=127.0.0.1:41005\n");
    assertThat(Files.list(dir)).containsExactly(file);
  }
}
