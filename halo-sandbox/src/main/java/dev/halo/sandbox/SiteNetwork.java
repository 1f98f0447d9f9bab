package dev.halo.sandbox;

import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WAN between the sites of a multi-site sandbox: one etcd member per site (member {@code i} on
 * site {@code i}), a {@link TcpProxy} in front of each member's peer port (what the other members
 * dial) and, for each site, one in front of each member's client port (what that site's operator
 * and agents dial). Every link between two sites is delayed by half the round-trip time each way; a
 * site's own member is reached without delay. {@link #cut} isolates a site: its member and its
 * clients lose the other sites and the other sites lose it, while its own clients still reach its
 * own member (which, alone, has no quorum).
 */
public final class SiteNetwork implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SiteNetwork.class);

  private final List<String> sites;
  private Duration oneWay;
  private final TcpProxy[] peers;
  // clients.get(s).get(m): site s's way to member m.
  private final List<List<TcpProxy>> clients = new ArrayList<>();
  private final Set<Integer> cut = new TreeSet<>();
  private String scheme = "http";
  private EtcdCluster etcd;

  private SiteNetwork(List<String> sites, Duration rtt) {
    this.sites = List.copyOf(sites);
    this.oneWay = rtt.dividedBy(2);
    this.peers = new TcpProxy[sites.size()];
  }

  /** A network for {@code sites} (one etcd member each) with {@code rtt} between any two. */
  public static SiteNetwork between(List<String> sites, Duration rtt) {
    return new SiteNetwork(sites, rtt);
  }

  /**
   * Where the members' peer URLs point: a proxy per member, replaced if etcd picks new ports (a
   * port clash at start), for {@link EtcdCluster.Peering}.
   */
  public synchronized EtcdCluster.PeerFront peerFront() {
    return (member, peerPort) -> {
      synchronized (this) {
        if (peers[member] != null) {
          peers[member].close();
        }
        peers[member] = TcpProxy.to("127.0.0.1", peerPort);
        peers[member].latency(oneWay);
        return "http://127.0.0.1:" + peers[member].port();
      }
    };
  }

  /**
   * etcd's timing for this network's RTT as docs/multi-site.md advises, with the peer proxies of
   * {@link #peerFront}: heartbeat about the RTT, election timeout ten times it.
   */
  public EtcdCluster.Peering etcdPeering() {
    Duration rtt = rtt();
    return new EtcdCluster.Peering(heartbeatMillis(rtt), electionTimeoutMillis(rtt), peerFront());
  }

  /** etcd's heartbeat for {@code rtt}: the RTT, never below etcd's default 100 ms. */
  static int heartbeatMillis(Duration rtt) {
    return (int) Math.max(100, rtt.toMillis());
  }

  /** etcd's election timeout for {@code rtt}: 10 × RTT, never below etcd's default 1000 ms. */
  static int electionTimeoutMillis(Duration rtt) {
    return (int) Math.max(1000, 10 * rtt.toMillis());
  }

  /**
   * Puts the client proxies in front of {@code etcd}'s members (their https ports when {@code
   * secure}), once it runs; needed before {@link #endpoints} and {@link #cut}.
   */
  public synchronized void attach(EtcdCluster etcd, boolean secure) {
    if (etcd.size() != sites.size()) {
      throw new IllegalArgumentException(
          "etcd has " + etcd.size() + " members for " + sites.size() + " sites");
    }
    this.etcd = etcd;
    for (int s = 0; s < sites.size(); s++) {
      List<TcpProxy> row = new ArrayList<>();
      for (int m = 0; m < sites.size(); m++) {
        TcpProxy proxy =
            TcpProxy.to(java.net.URI.create(secure ? etcd.secureUrl(m) : etcd.clientUrl(m)));
        proxy.latency(s == m ? Duration.ZERO : oneWay);
        row.add(proxy);
      }
      clients.add(row);
    }
    scheme = secure ? "https" : "http";
  }

  /** The site names, by etcd member index. */
  public List<String> sites() {
    return sites;
  }

  /** The round-trip time between two sites. */
  public synchronized Duration rtt() {
    return oneWay.multipliedBy(2);
  }

  /**
   * Changes the round-trip time between sites on every proxy at once (etcd keeps the timing it
   * started with).
   */
  public synchronized void rtt(Duration rtt) {
    oneWay = rtt.dividedBy(2);
    for (TcpProxy peer : peers) {
      peer.latency(oneWay);
    }
    for (int s = 0; s < clients.size(); s++) {
      for (int m = 0; m < sites.size(); m++) {
        clients.get(s).get(m).latency(s == m ? Duration.ZERO : oneWay);
      }
    }
  }

  /** The etcd endpoints of {@code site}'s clients: its own member first, then the others. */
  public synchronized List<String> endpoints(String site) {
    int s = index(site);
    List<String> endpoints = new ArrayList<>();
    endpoints.add(clients.get(s).get(s).endpoint(scheme).toString());
    for (int m = 0; m < sites.size(); m++) {
      if (m != s) {
        endpoints.add(clients.get(s).get(m).endpoint(scheme).toString());
      }
    }
    return endpoints;
  }

  /** Cuts {@code site} off from every other site until {@link #heal}. */
  public synchronized void cut(String site) {
    cut.add(index(site));
    apply();
    log.atWarn().addKeyValue("site", site).log("sandbox: site cut off from the other sites");
  }

  /** Connects {@code site} to the others again. */
  public synchronized void heal(String site) {
    cut.remove(index(site));
    apply();
    log.atInfo().addKeyValue("site", site).log("sandbox: site reconnected");
  }

  /** Whether {@code site} is cut off now. */
  public synchronized boolean isCut(String site) {
    return cut.contains(index(site));
  }

  /** The index of {@code site}, or an exception naming the sites there are. */
  public int index(String site) {
    int i = sites.indexOf(site);
    if (i < 0) {
      throw new IllegalArgumentException(
          "no site " + site + "; the sites are " + String.join(", ", sites));
    }
    return i;
  }

  /** Makes every proxy match {@link #cut}: healed, then cut again where a cut site is involved. */
  private void apply() {
    if (etcd == null) {
      throw new IllegalStateException("the site network is not attached to etcd yet");
    }
    List<Integer> isolated = List.copyOf(cut);
    Predicate<Socket> fromIsolated =
        socket ->
            isolated.stream().anyMatch(i -> SocketOwner.openedBy(() -> etcd.pid(i)).test(socket));
    for (int m = 0; m < peers.length; m++) {
      peers[m].heal();
      if (cut.contains(m)) {
        peers[m].cut();
      } else if (!isolated.isEmpty()) {
        peers[m].cutFrom(fromIsolated);
      }
    }
    for (int s = 0; s < clients.size(); s++) {
      for (int m = 0; m < sites.size(); m++) {
        TcpProxy proxy = clients.get(s).get(m);
        proxy.heal();
        if (s != m && (cut.contains(s) || cut.contains(m))) {
          proxy.cut();
        }
      }
    }
  }

  @Override
  public synchronized void close() {
    for (TcpProxy peer : peers) {
      if (peer != null) {
        peer.close();
      }
    }
    clients.forEach(row -> row.forEach(TcpProxy::close));
  }
}
