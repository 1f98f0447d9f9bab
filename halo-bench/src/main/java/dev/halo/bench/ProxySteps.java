package dev.halo.bench;

import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The service proxy's endpoint update, in microseconds: a Service selecting {@value #ROUTE_LABEL}
 * {@code =on}; the label moves from one pod to another as the operator moves the master's (the old
 * one's set off, then the new one's on), and a client connecting in a tight loop through the proxy
 * times from the second patch's response to the first reply from the new pod.
 */
final class ProxySteps {
  static final String ROUTE_LABEL = "floor.halo.dev/route";
  static final String SERVICE = "floor-route";
  private static final int TIMEOUT_MS = 1000;
  private static final long ROUND_TIMEOUT_NANOS = Duration.ofSeconds(10).toNanos();

  private ProxySteps() {}

  static List<Long> moves(BenchRig rig, String namespace, String a, String b, int n) {
    KubernetesClient client = rig.client();
    ApiSteps.label(client, namespace, a, ROUTE_LABEL, "on");
    ApiSteps.label(client, namespace, b, ROUTE_LABEL, "off");
    client
        .services()
        .inNamespace(namespace)
        .resource(
            new ServiceBuilder()
                .withNewMetadata()
                .withName(SERVICE)
                .endMetadata()
                .withNewSpec()
                .addToSelector(ROUTE_LABEL, "on")
                .addNewPort()
                .withPort(80)
                .endPort()
                .endSpec()
                .build())
        .create();
    BenchRig.await(
        "the proxy to route " + SERVICE + " to " + a,
        Duration.ofSeconds(30),
        20,
        () ->
            rig.proxy.routes().stream().anyMatch(r -> r.service().equals(SERVICE))
                && request(rig.proxyPort(SERVICE)).filter(a::equals).isPresent());
    int port = rig.proxyPort(SERVICE);
    List<Long> micros = new ArrayList<>();
    String from = a;
    String to = b;
    for (int i = 0; i < n; i++) {
      ApiSteps.label(client, namespace, from, ROUTE_LABEL, "off");
      ApiSteps.label(client, namespace, to, ROUTE_LABEL, "on");
      long promoted = System.nanoTime();
      while (request(port).filter(to::equals).isEmpty()) {
        if (System.nanoTime() - promoted > ROUND_TIMEOUT_NANOS) {
          throw new IllegalStateException(
              "the proxy did not route " + SERVICE + " to " + to + " within 10 s");
        }
      }
      micros.add(EtcdSteps.micros(System.nanoTime() - promoted));
      String was = from;
      from = to;
      to = was;
    }
    client.services().inNamespace(namespace).withName(SERVICE).delete();
    return micros;
  }

  /** One {@code GET /} on a new connection: the pod that answered (the reply's first word). */
  static Optional<String> request(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), TIMEOUT_MS);
      socket.setSoTimeout(TIMEOUT_MS);
      OutputStream out = socket.getOutputStream();
      out.write(
          "GET / HTTP/1.0\r\nHost: floor\r\nConnection: close\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      int body = response.indexOf("\r\n\r\n");
      if (!response.startsWith("HTTP/1.") || !response.contains(" 200 ") || body < 0) {
        return Optional.empty();
      }
      String text = response.substring(body + 4).strip();
      return text.isEmpty() ? Optional.empty() : Optional.of(text.split("\\s+")[0]);
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
