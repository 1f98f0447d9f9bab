package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Test;

/** The owner of a loopback connection is found from /proc: the process that opened it, no other. */
class SocketOwnerTest {
  @Test
  void picksTheConnectionsTheGivenProcessOpenedAndNoOtherProcess() throws Exception {
    Process other = new ProcessBuilder("sleep", "30").start();
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
        Socket accepted = server.accept()) {
      assertThat(SocketOwner.clientInode(accepted)).isPresent();
      assertThat(SocketOwner.openedBy(() -> ProcessHandle.current().pid()).test(accepted)).isTrue();
      assertThat(SocketOwner.openedBy(other::pid).test(accepted)).isFalse();
    } finally {
      other.destroyForcibly().waitFor();
    }
  }

  @Test
  void picksNothingOnceTheClientHasGone() throws IOException {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
      try (Socket accepted = server.accept()) {
        client.close();
        assertThat(SocketOwner.openedBy(() -> ProcessHandle.current().pid()).test(accepted))
            .isFalse();
      }
    }
  }
}
