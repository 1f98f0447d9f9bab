package dev.halo.sandbox;

import dev.halo.common.Threads;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays kube-proxy for one namespace: every Service port gets a local port on 127.0.0.1 that
 * forwards each TCP connection to a Service endpoint, i.e. a pod the Service's selector matches
 * that is Ready and not terminating (its {@link DemoWorkload} port, from the kubelet), or, while
 * there is none, one that is terminating but still Ready (serving), as kube-proxy does since
 * Kubernetes 1.28 (KEP-1669): a master that drains before it stops keeps its traffic until its
 * successor is labelled. Endpoints are chosen per connection (round robin), and a connection whose
 * pod stops being an endpoint is closed, so clients reconnect to the new master instead of talking
 * to the old one.
 */
public final class ServiceProxy implements AutoCloseable {
  /** A Service port and the local port that reaches it. */
  public record Route(String service, int servicePort, int localPort) {}

  private static final Logger log = LoggerFactory.getLogger(ServiceProxy.class);
  private static final int CONNECT_TIMEOUT_MS = 1000;

  private final KubernetesClient client;
  private final String namespace;
  private final LocalKubelet kubelet;
  private final int firstPort;
  private final Map<String, Listener> listeners = new ConcurrentHashMap<>();
  // "<service>:<port>" to the local port it had: a group deleted and created again (its Services
  // with it) gets the ports printed before, while they are free.
  private final Map<String, Integer> remembered = new ConcurrentHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  // Pipes run on reused threads: a curl-like client opens a connection per request, and two new
  // threads per connection cost more CPU than the copying itself.
  private final ExecutorService pipes =
      Executors.newCachedThreadPool(Threads.daemons("proxy-pipe"));
  // Set once each informer is started; the pods' informer may call refresh before the other is.
  private volatile SharedIndexInformer<Service> services;
  private volatile SharedIndexInformer<Pod> pods;

  private ServiceProxy(
      KubernetesClient client, String namespace, LocalKubelet kubelet, int firstPort) {
    this.client = client;
    this.namespace = namespace;
    this.kubelet = kubelet;
    this.firstPort = firstPort;
  }

  /**
   * Starts proxying the Services of {@code namespace}; local ports are {@code firstPort}, {@code
   * firstPort + 1}, ... in the order Services appear, or free ports when {@code firstPort} is 0. A
   * Service port deleted and created again gets the local port it had, if that port is free.
   */
  public static ServiceProxy start(
      KubernetesClient client, String namespace, LocalKubelet kubelet, int firstPort) {
    if (firstPort > 0) {
      requireFree(firstPort);
    }
    ServiceProxy proxy = new ServiceProxy(client, namespace, kubelet, firstPort);
    proxy.pods = client.pods().inNamespace(namespace).inform(handler(proxy::refresh), 0);
    proxy.services = client.services().inNamespace(namespace).inform(handler(proxy::refresh), 0);
    proxy.refresh(); // what the informers told before both were set
    return proxy;
  }

  /** Fails with one clear line when {@code port} cannot be bound on 127.0.0.1. */
  static void requireFree(int port) {
    try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      probe.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot listen on 127.0.0.1:"
              + port
              + " for the service proxy: "
              + e.getMessage()
              + "; pick another --proxy-port or stop what uses it");
    }
  }

  /** Every Service port proxied now, by Service name. */
  public List<Route> routes() {
    return listeners.values().stream()
        .map(Listener::route)
        .sorted(Comparator.comparing(Route::service).thenComparing(Route::servicePort))
        .toList();
  }

  /**
   * The pods {@code service} sends traffic to now: selected, Ready and not terminating, or when
   * none is, selected, Ready and terminating.
   */
  public List<String> endpoints(String service) {
    Service svc = services.getStore().getByKey(namespace + "/" + service);
    return svc == null ? List.of() : endpointsOf(svc);
  }

  private List<String> endpointsOf(Service service) {
    Map<String, String> selector = service.getSpec().getSelector();
    if (selector == null || selector.isEmpty()) {
      return List.of();
    }
    List<Pod> serving =
        pods.getStore().list().stream()
            .filter(p -> matches(selector, p.getMetadata().getLabels()))
            .filter(ServiceProxy::isReady)
            .toList();
    List<String> ready =
        serving.stream()
            .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
            .map(p -> p.getMetadata().getName())
            .sorted()
            .toList();
    return !ready.isEmpty()
        ? ready
        : serving.stream().map(p -> p.getMetadata().getName()).sorted().toList();
  }

  private static boolean matches(Map<String, String> selector, Map<String, String> labels) {
    return labels != null
        && selector.entrySet().stream()
            .allMatch(e -> Objects.equals(labels.get(e.getKey()), e.getValue()));
  }

  private static boolean isReady(Pod pod) {
    return pod.getStatus() != null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** Opens and closes listeners to match the Services, and drops connections to ex-endpoints. */
  private synchronized void refresh() {
    if (closed.get() || services == null || pods == null) {
      return;
    }
    Set<String> wanted = ConcurrentHashMap.newKeySet();
    for (Service service : services.getStore().list()) {
      List<ServicePort> ports =
          service.getSpec().getPorts() == null ? List.of() : service.getSpec().getPorts();
      for (ServicePort port : ports) {
        String key = service.getMetadata().getName() + ":" + port.getPort();
        wanted.add(key);
        listeners.computeIfAbsent(
            key, k -> open(k, new Route(service.getMetadata().getName(), port.getPort(), 0)));
      }
    }
    listeners.entrySet().removeIf(e -> !wanted.contains(e.getKey()) && e.getValue().close());
    for (Listener listener : listeners.values()) {
      listener.dropConnectionsNotTo(endpoints(listener.route.service()));
    }
  }

  private Listener open(String key, Route wanted) {
    Integer before = remembered.get(key);
    int port = before != null ? before : firstPort > 0 ? nextPort() : 0;
    ServerSocket socket;
    try {
      socket = bind(port);
    } catch (IOException e) {
      log.atWarn()
          .addKeyValue("service", wanted.service())
          .addKeyValue("port", port)
          .addKeyValue("error", e.getMessage())
          .log("service proxy: port taken, using a free one");
      try {
        socket = bind(0);
      } catch (IOException again) {
        throw new IllegalStateException("service proxy: no free port on 127.0.0.1", again);
      }
    }
    Route route = new Route(wanted.service(), wanted.servicePort(), socket.getLocalPort());
    remembered.put(key, route.localPort());
    Listener listener = new Listener(route, socket);
    listener.start();
    log.atInfo()
        .addKeyValue("service", route.service())
        .addKeyValue("servicePort", route.servicePort())
        .addKeyValue("url", "http://127.0.0.1:" + route.localPort())
        .log("service proxy: listening");
    return listener;
  }

  private int nextPort() {
    int port = firstPort;
    Set<Integer> used = ConcurrentHashMap.newKeySet();
    listeners.values().forEach(l -> used.add(l.route.localPort()));
    used.addAll(remembered.values()); // kept for the Services that had them
    while (used.contains(port)) {
      port++;
    }
    return port;
  }

  private static ServerSocket bind(int port) throws IOException {
    ServerSocket socket = new ServerSocket();
    socket.setReuseAddress(true);
    socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
    return socket;
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (services != null) {
      services.close();
    }
    if (pods != null) {
      pods.close();
    }
    listeners.values().forEach(Listener::close);
    listeners.clear();
    pipes.shutdownNow();
  }

  private static <T> ResourceEventHandler<T> handler(Runnable onChange) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        onChange.run();
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        onChange.run();
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        onChange.run();
      }
    };
  }

  /** One local port: accepts connections and pipes each to an endpoint of its Service. */
  private final class Listener {
    final Route route;
    final ServerSocket socket;
    final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    final AtomicInteger next = new AtomicInteger();

    Listener(Route route, ServerSocket socket) {
      this.route = route;
      this.socket = socket;
    }

    Route route() {
      return route;
    }

    void start() {
      Threads.daemon("proxy-" + route.service() + "-accept", this::acceptLoop).start();
    }

    private void acceptLoop() {
      while (!socket.isClosed()) {
        try {
          Socket downstream = socket.accept();
          connect(downstream);
        } catch (IOException e) {
          if (!socket.isClosed()) {
            log.atWarn().addKeyValue("error", e.getMessage()).log("service proxy: accept failed");
          }
        }
      }
    }

    private void connect(Socket downstream) {
      List<String> endpoints = endpoints(route.service());
      if (endpoints.isEmpty()) {
        closeQuietly(downstream); // like a Service without endpoints: nobody answers
        return;
      }
      String pod = endpoints.get(Math.floorMod(next.getAndIncrement(), endpoints.size()));
      Socket upstream = new Socket();
      try {
        upstream.connect(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), kubelet.workloadPort(pod)),
            CONNECT_TIMEOUT_MS);
      } catch (IOException | RuntimeException e) {
        closeQuietly(upstream);
        closeQuietly(downstream);
        return;
      }
      Connection connection = new Connection(pod, downstream, upstream);
      connections.add(connection);
      pipe(connection, downstream, upstream);
      pipe(connection, upstream, downstream);
    }

    private void pipe(Connection connection, Socket from, Socket to) {
      Runnable copy =
          () -> {
            byte[] buffer = new byte[8192];
            try (InputStream in = from.getInputStream()) {
              OutputStream out = to.getOutputStream();
              int n;
              while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
              }
            } catch (IOException e) {
              // the other side went away; closing both ends below ends the other direction
            } finally {
              connection.close();
              connections.remove(connection);
            }
          };
      try {
        pipes.execute(copy);
      } catch (RejectedExecutionException e) {
        connection.close(); // the proxy is closing
        connections.remove(connection);
      }
    }

    void dropConnectionsNotTo(List<String> endpoints) {
      for (Connection c : new ArrayList<>(connections)) {
        if (!endpoints.contains(c.pod)) {
          c.close();
          connections.remove(c);
        }
      }
    }

    boolean close() {
      closeQuietly(socket);
      connections.forEach(Connection::close);
      connections.clear();
      return true;
    }
  }

  /** One proxied connection. */
  private record Connection(String pod, Socket downstream, Socket upstream) {
    void close() {
      closeQuietly(downstream);
      closeQuietly(upstream);
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // closing a socket that already failed
    }
  }
}
