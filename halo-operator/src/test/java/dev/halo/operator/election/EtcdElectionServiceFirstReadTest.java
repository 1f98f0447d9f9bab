package dev.halo.operator.election;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class EtcdElectionServiceFirstReadTest {
  private static final String ELECTION = "/halo/shop/web/election";

  @Test
  void givesNoVerdictBeforeTheFirstReadAndTellsListenersWhenItEnds() throws IOException {
    List<String> endpoints = List.of("http://127.0.0.1:" + freePort());
    Set<String> changed = ConcurrentHashMap.newKeySet();
    try (EtcdElectionService service =
        new EtcdElectionService(Duration.ofSeconds(1), Duration.ofMillis(500))) {
      service.addListener(changed::add);

      ElectionView first = service.view(endpoints, ELECTION);

      assertThat(first.known()).isFalse();
      await().atMost(Duration.ofSeconds(20)).until(() -> changed.contains(ELECTION));
      ElectionView after = service.view(endpoints, ELECTION);
      assertThat(after.known()).isTrue();
      assertThat(after.reachable()).isFalse();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
