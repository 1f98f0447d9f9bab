package dev.halo.sandbox;

import dev.halo.common.Threads;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP proxy on a free loopback port to one target (an etcd member, say) that a test can cut, to
 * partition whoever connects through it, and heal; it can also delay every byte.
 *
 * <p>{@link #cut()} closes every connection at once and then black-holes new ones: it accepts them
 * and never forwards or answers a byte, until {@link #heal()}. A client sees its connection drop,
 * then every call on a new connection hangs until its own timeout, as across a network partition
 * where packets are dropped: it learns nothing from the other side, not even a refusal. Refusing
 * new connections instead (closing them at once) would tell the client within a millisecond that it
 * cannot get through, a faster and kinder signal than a real partition gives, so a test would not
 * see what a client does while it waits. {@link #heal()} closes the black-holed connections, so
 * clients reconnect, and forwards again.
 *
 * <p>{@link #silenceOpenConnections()} is the quieter failure: every connection open now stays open
 * but forwards nothing more, in either direction, while new connections work. A client then holds a
 * connection that looks alive and never delivers, as when a middlebox forgets a connection without
 * resetting it; only its own timeouts or pings can tell. {@link #heal()} closes them.
 *
 * <p>{@link #cutFrom} is {@link #cut()} for some clients only: those a predicate picks by their
 * accepted socket (e.g. {@link SocketOwner}: the connections a given process opened).
 *
 * <p>A connection that either side closes is closed on both. {@link #latency} delays each chunk by
 * the same amount in both directions, in order.
 */
public final class TcpProxy implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TcpProxy.class);
  private static final int CONNECT_TIMEOUT_MS = 1000;
  private static final int CHUNK = 16 * 1024;

  private final InetSocketAddress target;
  private final ServerSocket server;
  private final ExecutorService threads =
      Executors.newCachedThreadPool(Threads.daemons("tcp-proxy"));
  private final ScheduledExecutorService delays =
      Executors.newSingleThreadScheduledExecutor(Threads.daemons("tcp-proxy-delay"));
  private final Set<Link> links = ConcurrentHashMap.newKeySet();
  private final Set<Socket> blackholed = ConcurrentHashMap.newKeySet();
  private volatile boolean cut;
  // Clients cut by cutFrom(); never matches when nothing is cut that way.
  private volatile Predicate<Socket> cutClients = s -> false;
  private volatile long latencyNanos;
  private volatile boolean closed;

  private TcpProxy(InetSocketAddress target) throws IOException {
    this.target = target;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    threads.execute(this::acceptLoop);
  }

  /** A proxy to {@code host:port}, listening on a free loopback port. */
  public static TcpProxy to(String host, int port) {
    try {
      return new TcpProxy(new InetSocketAddress(host, port));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen for a proxy to " + host + ":" + port, e);
    }
  }

  /** A proxy to the host and port of {@code endpoint}, e.g. {@code http://127.0.0.1:2379}. */
  public static TcpProxy to(URI endpoint) {
    return to(endpoint.getHost(), endpoint.getPort());
  }

  /** The loopback port clients connect to. */
  public int port() {
    return server.getLocalPort();
  }

  /** The proxy as an endpoint of the target's scheme, e.g. {@code http://127.0.0.1:41234}. */
  public URI endpoint(String scheme) {
    return URI.create(scheme + "://127.0.0.1:" + port());
  }

  /** Closes every connection and black-holes new ones until {@link #heal()}. */
  public synchronized void cut() {
    cut = true;
    links.forEach(Link::close);
    log.atInfo().addKeyValue("port", port()).addKeyValue("target", target).log("proxy: cut");
  }

  /**
   * Closes the connections of the clients {@code from} picks (by their accepted socket) and
   * black-holes their new ones until {@link #heal()}; other clients are forwarded as before.
   */
  public synchronized void cutFrom(Predicate<Socket> from) {
    cutClients = from;
    links.stream().filter(l -> from.test(l.client)).toList().forEach(Link::close);
    log.atInfo()
        .addKeyValue("port", port())
        .addKeyValue("target", target)
        .log("proxy: cut for some clients");
  }

  /**
   * Makes every connection open now go silent: it stays open and forwards nothing more either way.
   * New connections are forwarded as usual. Returns how many went silent.
   */
  public synchronized int silenceOpenConnections() {
    links.forEach(l -> l.silent = true);
    log.atInfo()
        .addKeyValue("port", port())
        .addKeyValue("target", target)
        .addKeyValue("connections", links.size())
        .log("proxy: open connections silenced");
    return links.size();
  }

  /**
   * Forwards again; connections black-holed or silenced meanwhile are closed, so their clients
   * reconnect.
   */
  public synchronized void heal() {
    cut = false;
    cutClients = s -> false;
    links.stream().filter(l -> l.silent).toList().forEach(Link::close);
    blackholed.forEach(TcpProxy::quietly);
    blackholed.clear();
    log.atInfo().addKeyValue("port", port()).addKeyValue("target", target).log("proxy: healed");
  }

  public boolean isCut() {
    return cut;
  }

  /** Delays every chunk by {@code oneWay} in each direction (zero: none). */
  public void latency(Duration oneWay) {
    latencyNanos = oneWay.toNanos();
  }

  /** Connections being forwarded now. */
  public int connections() {
    return links.size();
  }

  /** Connections accepted while cut and held without an answer. */
  public int held() {
    return blackholed.size();
  }

  @Override
  public synchronized void close() {
    closed = true;
    quietly(server);
    links.forEach(Link::close);
    blackholed.forEach(TcpProxy::quietly);
    threads.shutdownNow();
    delays.shutdownNow();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        if (!closed) {
          log.atWarn().addKeyValue("error", e.toString()).log("proxy: accept failed");
        }
        return;
      }
      try {
        threads.execute(() -> connect(client));
      } catch (RejectedExecutionException e) {
        quietly(client);
      }
    }
  }

  private void connect(Socket client) {
    boolean cutClient = cutClients.test(client);
    if (holdIfCut(client, cutClient)) {
      return;
    }
    Socket upstream = new Socket();
    try {
      upstream.connect(target, CONNECT_TIMEOUT_MS);
      upstream.setTcpNoDelay(true);
      client.setTcpNoDelay(true);
    } catch (IOException e) {
      quietly(upstream);
      quietly(client);
      log.atDebug().addKeyValue("target", target).log("proxy: target refused");
      return;
    }
    Link link = new Link(client, upstream);
    synchronized (this) {
      cutClient = cutClient || cutClients.test(client);
      if (cut || cutClient || closed) {
        quietly(upstream);
        if (!holdIfCut(client, cutClient)) {
          quietly(client);
        }
        return;
      }
      links.add(link);
    }
    try {
      threads.execute(() -> link.pump(client, upstream));
      threads.execute(() -> link.pump(upstream, client));
    } catch (RejectedExecutionException e) {
      link.close();
    }
  }

  /**
   * Black-holes {@code client} when the proxy is cut, for all or for this client ({@code
   * cutClient}); returns whether it did.
   */
  private synchronized boolean holdIfCut(Socket client, boolean cutClient) {
    if (closed) {
      quietly(client);
      return true;
    }
    if (cut || cutClient) {
      blackholed.add(client);
      return true;
    }
    return false;
  }

  private static void quietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // already closed
    }
  }

  /** One forwarded connection: the client's socket and the one to the target. */
  private final class Link {
    private final Socket client;
    private final Socket upstream;
    // Per direction, the time the last delayed chunk is due: later chunks never overtake it.
    private final long[] lastDue = new long[2];
    // Silenced: open, but what either side sends is dropped.
    volatile boolean silent;

    Link(Socket client, Socket upstream) {
      this.client = client;
      this.upstream = upstream;
    }

    void pump(Socket from, Socket to) {
      int direction = from == client ? 0 : 1;
      byte[] buffer = new byte[CHUNK];
      try {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        int n;
        while ((n = in.read(buffer)) >= 0) {
          if (!silent) {
            forward(out, Arrays.copyOf(buffer, n), direction);
          }
        }
        closeAfterDelayed(direction);
      } catch (IOException | RejectedExecutionException e) {
        close(); // closed by cut(), close() or the other side
      }
    }

    /** Closes the link once the chunks still delayed in {@code direction} went out. */
    private void closeAfterDelayed(int direction) {
      long wait;
      synchronized (lastDue) {
        wait = lastDue[direction] - System.nanoTime();
      }
      if (wait <= 0) {
        close();
      } else {
        delays.schedule(this::close, wait, TimeUnit.NANOSECONDS);
      }
    }

    private void forward(OutputStream out, byte[] chunk, int direction) throws IOException {
      long latency = latencyNanos;
      if (latency <= 0) {
        out.write(chunk);
        out.flush();
        return;
      }
      long now = System.nanoTime();
      long due;
      synchronized (lastDue) {
        due = Math.max(now + latency, lastDue[direction]);
        lastDue[direction] = due;
      }
      delays.schedule(
          () -> {
            try {
              out.write(chunk);
              out.flush();
            } catch (IOException e) {
              close();
            }
          },
          due - now,
          TimeUnit.NANOSECONDS);
    }

    void close() {
      links.remove(this);
      quietly(client);
      quietly(upstream);
    }
  }
}
