package dev.halo.sandbox;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A workload process's readiness probe, as a kubelet runs it but on this machine: {@code exec} as a
 * local command (the container's environment, its working directory), {@code tcpSocket} and {@code
 * httpGet} against 127.0.0.1 at the local port the probe's container port maps to.
 */
final class WorkloadProbe {
  private static final int DEFAULT_TIMEOUT_SECONDS = 1;

  private WorkloadProbe() {}

  /** Whether one try of {@code probe} succeeds. */
  static boolean passes(Probe probe, WorkloadProcess wp, List<ContainerPort> declared) {
    Duration timeout =
        Duration.ofSeconds(
            Objects.requireNonNullElse(probe.getTimeoutSeconds(), DEFAULT_TIMEOUT_SECONDS));
    if (probe.getExec() != null) {
      return exec(probe.getExec().getCommand(), wp, timeout);
    }
    if (probe.getTcpSocket() != null) {
      return connects(localPort(probe.getTcpSocket().getPort(), wp, declared), timeout);
    }
    if (probe.getHttpGet() != null) {
      String path = Objects.requireNonNullElse(probe.getHttpGet().getPath(), "/");
      int port = localPort(probe.getHttpGet().getPort(), wp, declared);
      return Http.get("http://" + KubeletPod.IP + ":" + port + path, timeout).isPresent();
    }
    return true; // a probe of a kind not run here (grpc) does not hold the pod back
  }

  /**
   * The local port a probe's port stands for: a container port (by number or by name) maps to its
   * local port; any other number is taken as it is.
   */
  static int localPort(IntOrString port, WorkloadProcess wp, List<ContainerPort> declared) {
    Integer number = port == null ? null : port.getIntVal();
    if (number == null && port != null && port.getStrVal() != null) {
      number =
          declared.stream()
              .filter(p -> port.getStrVal().equals(p.getName()))
              .map(ContainerPort::getContainerPort)
              .findFirst()
              .orElse(null);
    }
    if (number == null) {
      return wp.localPort();
    }
    return wp.ports.getOrDefault(number, number);
  }

  private static boolean connects(int port, Duration timeout) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(KubeletPod.IP, port), (int) timeout.toMillis());
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean exec(List<String> command, WorkloadProcess wp, Duration timeout) {
    if (command == null || command.isEmpty()) {
      return false;
    }
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(wp.workDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    builder.environment().clear();
    builder.environment().putAll(wp.env);
    try {
      Process p = builder.start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        return false;
      }
      return p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
