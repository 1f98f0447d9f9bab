package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.halo.common.Threads;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The proxy forwards both ways, cuts like a partition (black hole), heals, and delays. */
class TcpProxyTest {
  private ServerSocket echo;
  private TcpProxy proxy;

  @BeforeEach
  void start() throws IOException {
    echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Threads.daemon("echo", this::echoLoop).start();
    proxy = TcpProxy.to("127.0.0.1", echo.getLocalPort());
  }

  @AfterEach
  void stop() throws IOException {
    proxy.close();
    echo.close();
  }

  private void echoLoop() {
    while (!echo.isClosed()) {
      try {
        Socket s = echo.accept();
        Threads.daemon("echo-conn", () -> echoOne(s)).start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private static void echoOne(Socket s) {
    try (s) {
      s.getInputStream().transferTo(s.getOutputStream());
    } catch (IOException e) {
      // closed
    }
  }

  private Socket connect() throws IOException {
    Socket s = new Socket("127.0.0.1", proxy.port());
    s.setSoTimeout(2000);
    return s;
  }

  private static String roundTrip(Socket s, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    OutputStream out = s.getOutputStream();
    out.write(bytes);
    out.flush();
    return new String(s.getInputStream().readNBytes(bytes.length), StandardCharsets.UTF_8);
  }

  @Test
  void forwardsBytesBothWays() throws IOException {
    try (Socket s = connect()) {
      assertThat(roundTrip(s, "hello")).isEqualTo("hello");
      assertThat(roundTrip(s, "again")).isEqualTo("again");
      assertThat(proxy.connections()).isEqualTo(1);
    }
  }

  @Test
  void cutClosesEveryConnectionAndBlackHolesNewOnes() throws IOException {
    try (Socket before = connect()) {
      assertThat(roundTrip(before, "x")).isEqualTo("x");

      proxy.cut();

      assertThat(endOfStreamOrReset(before))
          .as("the connection open at the cut is closed")
          .isTrue();
      try (Socket during = connect()) {
        await().atMost(Duration.ofSeconds(5)).until(() -> proxy.held() == 1);
        during.setSoTimeout(300);
        during.getOutputStream().write("lost".getBytes(StandardCharsets.UTF_8));
        // Accepted, never answered: the client waits for its own timeout.
        assertThatThrownBy(() -> during.getInputStream().read())
            .isInstanceOf(SocketTimeoutException.class);
      }
      assertThat(proxy.isCut()).isTrue();
      assertThat(proxy.connections()).isZero();
    }
  }

  @Test
  void healForwardsAgainAndClosesTheBlackHoledConnections() throws IOException {
    proxy.cut();
    try (Socket held = connect()) {
      await().atMost(Duration.ofSeconds(5)).until(() -> proxy.held() == 1);
      proxy.heal();

      assertThat(endOfStreamOrReset(held)).as("a held connection is let go at the heal").isTrue();
      try (Socket after = connect()) {
        assertThat(roundTrip(after, "back")).isEqualTo("back");
      }
    }
  }

  @Test
  void silencedConnectionsStayOpenAndDeliverNothingWhileNewOnesWork() throws IOException {
    try (Socket before = connect()) {
      assertThat(roundTrip(before, "x")).isEqualTo("x");

      assertThat(proxy.silenceOpenConnections()).isEqualTo(1);

      before.setSoTimeout(300);
      before.getOutputStream().write("lost".getBytes(StandardCharsets.UTF_8));
      // Neither closed nor answered: the client learns nothing until its own timeout.
      assertThatThrownBy(() -> before.getInputStream().read())
          .isInstanceOf(SocketTimeoutException.class);
      try (Socket after = connect()) {
        assertThat(roundTrip(after, "new")).isEqualTo("new");
      }

      proxy.heal();

      before.setSoTimeout(2000);
      assertThat(endOfStreamOrReset(before))
          .as("a silenced connection is let go at the heal")
          .isTrue();
    }
  }

  @Test
  void cutFromClosesThePickedClientsOnlyAndHoldsTheirNewConnectionsUntilHealed()
      throws IOException {
    try (Socket picked = connect();
        Socket spared = connect()) {
      assertThat(roundTrip(picked, "a")).isEqualTo("a");
      assertThat(roundTrip(spared, "b")).isEqualTo("b");
      int sparedPort = spared.getLocalPort();
      proxy.cutFrom(accepted -> accepted.getPort() != sparedPort);

      assertThat(endOfStreamOrReset(picked)).isTrue();
      assertThat(roundTrip(spared, "still")).isEqualTo("still");
      try (Socket fresh = connect()) {
        fresh.getOutputStream().write('x');
        assertThatThrownBy(() -> fresh.getInputStream().read())
            .isInstanceOf(SocketTimeoutException.class);
        await().atMost(Duration.ofSeconds(5)).until(() -> proxy.held() == 1);
      }
      proxy.heal();
      try (Socket again = connect()) {
        assertThat(roundTrip(again, "healed")).isEqualTo("healed");
      }
    }
  }

  @Test
  void latencyDelaysEachDirection() throws IOException {
    proxy.latency(Duration.ofMillis(100));
    try (Socket s = connect()) {
      long start = System.nanoTime();
      assertThat(roundTrip(s, "slow")).isEqualTo("slow");
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .isGreaterThanOrEqualTo(Duration.ofMillis(200));
    }
  }

  @Test
  void aConnectionClosedByTheTargetIsClosedForTheClient() throws IOException {
    try (Socket s = connect()) {
      assertThat(roundTrip(s, "x")).isEqualTo("x");
      s.shutdownOutput(); // the echo server closes its side once it read everything

      assertThat(s.getInputStream().read()).isEqualTo(-1);
      await().atMost(Duration.ofSeconds(5)).until(() -> proxy.connections() == 0);
    }
  }

  /** Whether reading {@code s} ends (end of stream or reset) rather than timing out. */
  private static boolean endOfStreamOrReset(Socket s) {
    try {
      InputStream in = s.getInputStream();
      return in.read() == -1;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset
    } catch (UncheckedIOException e) {
      return true;
    }
  }
}
