package dev.halo.sandbox;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Picks a free loopback port for a process that binds it later (an agent binds its port seconds
 * after the kubelet chose it). A port the kernel hands out for {@code bind(0)} lies in its
 * ephemeral range, where every outgoing connection and every other {@code bind(0)} listener (a test
 * proxy, a workload) also gets its port, and one of them took an agent's port before the agent
 * bound it. So the port comes from below the ephemeral range (read from {@code
 * /proc/sys/net/ipv4/ip_local_port_range} on Linux), where only explicit picks land, and is not
 * handed out twice within a minute.
 */
final class FreePorts {
  private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
  private static final int LOWEST = 10_000;
  private static final int ATTEMPTS = 50;
  private static final long REUSE_AFTER_NANOS = TimeUnit.MINUTES.toNanos(1);
  private static final Map<Integer, Long> handedOut = new ConcurrentHashMap<>();

  private FreePorts() {}

  static int pick() {
    int below = ephemeralLow();
    if (below - LOWEST >= 1000) {
      for (int i = 0; i < ATTEMPTS; i++) {
        int port = ThreadLocalRandom.current().nextInt(LOWEST, below);
        if (reserve(port) && bindable(port)) {
          return port;
        }
      }
    }
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free port", e);
    }
  }

  private static boolean reserve(int port) {
    long now = System.nanoTime();
    Long before = handedOut.putIfAbsent(port, now);
    return before == null
        || now - before > REUSE_AFTER_NANOS && handedOut.replace(port, before, now);
  }

  private static boolean bindable(int port) {
    try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The lower end of the kernel's ephemeral port range (32768, Linux's default, if unknown). */
  static int ephemeralLow() {
    try {
      // readString gets only the first byte of this sysctl file; a line reader gets all of it.
      return Integer.parseInt(Files.readAllLines(EPHEMERAL_RANGE).get(0).trim().split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return 32_768;
    }
  }
}
