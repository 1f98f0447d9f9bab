package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FreePortsTest {
  @Test
  void picksBindablePortsBelowTheEphemeralRangeNeverTheSameTwice() throws IOException {
    Set<Integer> picked = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      int port = FreePorts.pick();
      assertThat(port).isBetween(10_000, FreePorts.ephemeralLow() - 1);
      assertThat(picked.add(port)).as("port %d handed out twice", port).isTrue();
    }
    int port = FreePorts.pick();
    try (ServerSocket bound = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      assertThat(bound.getLocalPort()).isEqualTo(port);
    }
  }

  @Test
  void aPortInUseIsNotPicked() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      for (int i = 0; i < 200; i++) {
        assertThat(FreePorts.pick()).isNotEqualTo(taken.getLocalPort());
      }
    }
  }
}
