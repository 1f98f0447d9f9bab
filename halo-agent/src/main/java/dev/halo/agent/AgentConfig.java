package dev.halo.agent;

import dev.halo.common.AgentDefaults;
import dev.halo.common.MemberIdentity;
import dev.halo.etcd.EtcdSecurity;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The agent's validated configuration (see {@link AgentConfigParser} for the variables). {@code
 * podUid} and {@code groupUid} go into the agent's {@link dev.halo.common.MemberIdentity}; empty
 * when not set (an agent run outside a Halo pod). {@code etcdSecurity} says how to reach a secured
 * etcd (TLS, client certificate, user and password file). {@code roleHistory} is the file that gets
 * one line per role transition ({@code HALO_ROLE_HISTORY}), for test harnesses. {@code site} and
 * {@code siteAddress} ({@code HALO_SITE}, {@code HALO_SITE_ADDRESS}) are set only for a group that
 * spans several sites; they go into the identity too.
 */
public record AgentConfig(
    List<URI> etcdEndpoints,
    EtcdSecurity etcdSecurity,
    String election,
    String member,
    int leaseTtlSeconds,
    String bindAddress,
    int port,
    Optional<HealthCheck> health,
    Duration healthPeriod,
    int healthFailures,
    Optional<Path> roleFile,
    Optional<URI> roleWebhook,
    String podUid,
    String groupUid,
    Optional<Path> roleHistory,
    String site,
    String siteAddress) {

  /** A configuration of an agent of a group on one site. */
  public AgentConfig(
      List<URI> etcdEndpoints,
      EtcdSecurity etcdSecurity,
      String election,
      String member,
      int leaseTtlSeconds,
      String bindAddress,
      int port,
      Optional<HealthCheck> health,
      Duration healthPeriod,
      int healthFailures,
      Optional<Path> roleFile,
      Optional<URI> roleWebhook,
      String podUid,
      String groupUid,
      Optional<Path> roleHistory) {
    this(
        etcdEndpoints,
        etcdSecurity,
        election,
        member,
        leaseTtlSeconds,
        bindAddress,
        port,
        health,
        healthPeriod,
        healthFailures,
        roleFile,
        roleWebhook,
        podUid,
        groupUid,
        roleHistory,
        "",
        "");
  }

  /** A configuration without a role history. */
  public AgentConfig(
      List<URI> etcdEndpoints,
      EtcdSecurity etcdSecurity,
      String election,
      String member,
      int leaseTtlSeconds,
      String bindAddress,
      int port,
      Optional<HealthCheck> health,
      Duration healthPeriod,
      int healthFailures,
      Optional<Path> roleFile,
      Optional<URI> roleWebhook,
      String podUid,
      String groupUid) {
    this(
        etcdEndpoints,
        etcdSecurity,
        election,
        member,
        leaseTtlSeconds,
        bindAddress,
        port,
        health,
        healthPeriod,
        healthFailures,
        roleFile,
        roleWebhook,
        podUid,
        groupUid,
        Optional.empty());
  }

  /** How the agent probes its workload: an HTTP GET or a TCP connect. */
  public sealed interface HealthCheck {
    /** Healthy when a GET of the URL answers 200..399. */
    record Http(URI url) implements HealthCheck {}

    /** Healthy when a TCP connection to host:port opens. */
    record Tcp(String host, int port) implements HealthCheck {}
  }

  /**
   * The identity this agent publishes beside its candidate key: with its site and address when its
   * group spans several sites.
   */
  public MemberIdentity identity() {
    MemberIdentity id = new MemberIdentity(member, podUid, groupUid);
    return site.isEmpty() ? id : id.atSite(site, siteAddress);
  }

  public Duration leaseTtl() {
    return Duration.ofSeconds(leaseTtlSeconds);
  }

  /**
   * How long before the server could expire the lease the agent stops claiming master: max(1 s,
   * TTL/5), which covers the keepalive round trip and clock rate differences.
   */
  public Duration deadlineMargin() {
    return AgentDefaults.deadlineMargin(leaseTtl());
  }

  /**
   * How often the lease is renewed: eight renewals fit into TTL − margin, so a stall of several
   * renewals (an etcd raft election takes 1–3 s) does not reach the deadline.
   */
  public Duration keepAliveInterval() {
    long ms = leaseTtl().minus(deadlineMargin()).toMillis() / 8;
    return Duration.ofMillis(Math.max(200, Math.min(2000, ms)));
  }

  /**
   * How often a standby renews: its lease only keeps its key and its place in the queue, so three
   * renewals in TTL − margin are enough (etcd's own clients renew at TTL/3). A promoted agent
   * renews at once and then at {@link #keepAliveInterval()}.
   */
  public Duration standbyKeepAliveInterval() {
    long ms = leaseTtl().minus(deadlineMargin()).toMillis() / 3;
    return Duration.ofMillis(Math.max(keepAliveInterval().toMillis(), ms));
  }

  /**
   * How often a master rewrites {@code validUntil} in {@code <role file>.json}: half of TTL −
   * margin (2 s at TTL 5), so while renewals flow the stated bound stays at least about that far
   * ahead, at one small write per interval instead of one per renewal.
   */
  public Duration roleJsonRefreshInterval() {
    return leaseTtl().minus(deadlineMargin()).dividedBy(2);
  }

  /** The timeout of a single etcd call. */
  public Duration callTimeout() {
    return leaseTtl().minus(deadlineMargin());
  }
}
