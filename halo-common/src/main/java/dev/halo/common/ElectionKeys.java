package dev.halo.common;

import java.util.Optional;

/**
 * The etcd key layout of a group's election, shared by the operator and the agent.
 *
 * <p>It follows etcd's {@code concurrency.Election}: candidates live under {@code <election>/},
 * each at {@code <election>/<lease id in lowercase hex>} with the pod name as value, and the leader
 * is the live key with the lowest create revision.
 *
 * <p>Every key of a group lives under its {@link #groupPrefix} ({@code
 * /halo/<namespace>/<group>/}), so one etcd {@code readwrite --prefix} grant covers everything a
 * group's agents write, and nothing of another group.
 *
 * <p>A planned hand-over asks the master to step down rather than revoking its lease from outside,
 * so that the old master demotes before anyone else can be elected: the operator puts {@link
 * #stepDownKey} of the master's lease, attached to that same lease (it vanishes with it); the agent
 * holding the lease watches that key, demotes, then revokes its lease. etcd lets a lease be revoked
 * only by a user who may write every key attached to it, so the request lives beside the candidate
 * under the group's prefix, not elsewhere.
 *
 * <p>Next to its candidate key every agent puts {@link #memberKey}, attached to the same lease, in
 * the same transaction: its {@link MemberIdentity}. It lives outside the election prefix, so it is
 * never taken for a candidate, and beside it under the group's prefix.
 *
 * <p>When the operator removes a key whose holder may still run, it first puts {@link #fenceKey} of
 * that key's lease ({@link FenceValue}): no agent whose own key is younger than the fenced one
 * becomes master while the fence exists, and the fence lives until the removed holder's own
 * deadline has passed (docs/fencing.md). It lives outside the election prefix too.
 */
public final class ElectionKeys {
  private static final String MEMBERS = "/members";
  private static final String STEP_DOWN = "/stepdown";
  private static final String ELECTION_SEGMENT = "/election";
  private static final String FENCES = "/fence";
  private static final String HOLDS = "/hold";
  private static final String MEMBER_HOLDS = "/_hold";
  private static final String SWITCHOVER = "/switchover";
  private static final String ROUTED = "/routed";

  /**
   * The path segment under {@code /halo/} of the multi-site groups' elections. It is no DNS label
   * (a namespace is one), so a multi-site group's keys never meet those of a namespace's group.
   */
  public static final String SITES_SEGMENT = "_sites";

  private ElectionKeys() {}

  /** The election name of a group: {@code /halo/<namespace>/<group>/election}. */
  public static String electionName(String namespace, String group) {
    return "/halo/" + namespace + "/" + group + ELECTION_SEGMENT;
  }

  /**
   * The election of a group spread over several sites (clusters), each its own
   * HighAvailabilityGroup with {@code spec.site.group = siteGroup}: {@code
   * /halo/_sites/<siteGroup>/election}. It comes from the shared group's name alone, so every
   * site's operator and agents find the same election whatever the namespace and name of their
   * cluster's group.
   */
  public static String siteElectionName(String siteGroup) {
    return "/halo/" + SITES_SEGMENT + "/" + siteGroup + ELECTION_SEGMENT;
  }

  /** The prefix under which candidate keys of an election live. */
  public static String prefix(String election) {
    return election + "/";
  }

  /** The candidate key of a lease in an election. */
  public static String candidateKey(String election, long leaseId) {
    return prefix(election) + Long.toHexString(leaseId);
  }

  /**
   * The step-down request for a lease: {@code <election's parent>/stepdown/<lease id hex>}, e.g.
   * {@code /halo/shop/web/stepdown/694d8c5e2a1b0f07} for the election {@code
   * /halo/shop/web/election}; outside the election's prefix (and outside {@code etcdctl get
   * <election> --prefix}) so that it is never taken for a candidate.
   */
  public static String stepDownKey(String election, long leaseId) {
    return stepDownPrefix(election) + Long.toHexString(leaseId);
  }

  /** The prefix of {@link #stepDownKey}s of an election. */
  public static String stepDownPrefix(String election) {
    return parent(election) + STEP_DOWN + "/";
  }

  /**
   * The fence of a removed candidate key's lease: {@code <election's parent>/fence/<lease id hex>},
   * e.g. {@code /halo/shop/web/fence/694d8c5e2a1b0f07}; its value is a {@link FenceValue}.
   */
  public static String fenceKey(String election, long leaseId) {
    return fencePrefix(election) + Long.toHexString(leaseId);
  }

  /** The prefix of the {@link #fenceKey}s of an election, which an agent reads with the leader. */
  public static String fencePrefix(String election) {
    return parent(election) + FENCES + "/";
  }

  /**
   * The hold of a site of a group spread over sites: {@code <election's parent>/hold/<site>}, e.g.
   * {@code /halo/_sites/orders/hold/lyon}. While it exists, that site's agents do not campaign (a
   * master among them stays); its own site's operator puts it in {@code spec.site.failover: Manual}
   * while the master is on another site, and deletes it when the site is let in. It is attached to
   * no lease, so it holds while that operator is gone; {@code etcdctl del} it to let the site in by
   * hand.
   */
  public static String siteHoldKey(String election, String site) {
    return parent(election) + HOLDS + "/" + site;
  }

  /**
   * The hold of one member: {@code <election's parent>/_hold/<pod>}, e.g. {@code
   * /halo/shop/web/_hold/web-2}, or {@code <election's parent>/_hold/<site>/<pod>} for a group
   * spread over sites (pod names may repeat across sites). While it exists, that member's agent
   * does not campaign (a master stays until asked to step down); its value says why (e.g. {@code
   * spec.election.neverMaster.zones: c}). The group's operator puts it for each member the spec
   * never wants as master and deletes it otherwise; attached to no lease, so it holds while that
   * operator is gone. {@code _hold} is no DNS label, so it never meets a site's {@link
   * #siteHoldKey}.
   */
  public static String memberHoldKey(String election, String site, String member) {
    return parent(election) + MEMBER_HOLDS + "/" + (site.isEmpty() ? "" : site + "/") + member;
  }

  /**
   * A switchover to a chosen member under way: {@code <election's parent>/switchover}, e.g. {@code
   * /halo/shop/web/switchover}, value {@code <pod> <lease id hex>} (the member to hand over to and
   * its lease), or for a group spread over sites {@code /halo/_sites/orders/switchover}, value
   * {@code <site>/<pod> <lease id hex>}. The master's (site's) operator puts it attached to the
   * master's lease, so it goes with that master; every site's operator re-queues its own standbys
   * that are queued ahead of that member.
   */
  public static String switchoverKey(String election) {
    return parent(election) + SWITCHOVER;
  }

  /** The election a switchover request key belongs to, if {@code key} is one. */
  public static Optional<String> electionOfSwitchoverKey(String key) {
    if (!key.endsWith(SWITCHOVER)) {
      return Optional.empty();
    }
    String parent = key.substring(0, key.length() - SWITCHOVER.length());
    return parent.isEmpty() ? Optional.empty() : Optional.of(parent + ELECTION_SEGMENT);
  }

  /**
   * The prefix of every key of the group an election belongs to: {@code <election's parent>/}, e.g.
   * {@code /halo/shop/web/} for {@code /halo/shop/web/election}. The trailing slash keeps group
   * {@code web} apart from group {@code web-2}.
   */
  public static String groupPrefix(String election) {
    return parent(election) + "/";
  }

  /**
   * Where agents of release 0.1.0, which published no {@link #memberKey}, watch for their step-down
   * request: {@code /halo-stepdown<election>/<lease id hex>}, outside the group's prefix. The
   * operator also puts it for a lease without a member identity, so that a master started by 0.1.0
   * hands over while an upgrade rolls its pods.
   */
  public static String legacyStepDownKey(String election, long leaseId) {
    return "/halo-stepdown" + election + "/" + Long.toHexString(leaseId);
  }

  /**
   * The identity of a lease's holder: {@code <election's parent>/members/<lease id hex>}, e.g.
   * {@code /halo/shop/web/members/694d8c5e2a1b0f07} for the election {@code
   * /halo/shop/web/election}.
   */
  public static String memberKey(String election, long leaseId) {
    return membersPrefix(election) + Long.toHexString(leaseId);
  }

  /** The prefix of {@link #memberKey}s of an election. */
  public static String membersPrefix(String election) {
    return parent(election) + MEMBERS + "/";
  }

  /**
   * Whom the traffic goes to: {@code <election's parent>/routed}, e.g. {@code
   * /halo/shop/web/routed}, value {@code <pod> <term>} ({@link #routed}), put by the operator once
   * it has labelled a new master, attached to that master's lease. A master that drains ({@link
   * DrainHook}) waits for it to name another pod with a later term.
   */
  public static String routedKey(String election) {
    return parent(election) + ROUTED;
  }

  /** The value of {@link #routedKey}: the pod labelled master and its term. */
  public static String routed(String pod, long term) {
    return pod + " " + term;
  }

  /** The term of a {@link #routedKey} value naming a pod other than {@code self}; 0 otherwise. */
  public static long routedTermOfAnother(String value, String self) {
    int space = value.lastIndexOf(' ');
    if (space <= 0 || value.substring(0, space).equals(self)) {
      return 0;
    }
    try {
      return Long.parseLong(value.substring(space + 1));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static String parent(String election) {
    int slash = election.lastIndexOf('/');
    return slash <= 0 ? "" : election.substring(0, slash);
  }

  /** The election a member key belongs to, if {@code key} is one of the standard layout. */
  public static Optional<String> electionOfMemberKey(String key) {
    int slash = key.lastIndexOf('/');
    if (slash <= 0 || slash == key.length() - 1) {
      return Optional.empty();
    }
    String parent = key.substring(0, slash);
    if (!parent.endsWith(MEMBERS)) {
      return Optional.empty();
    }
    return Optional.of(parent.substring(0, parent.length() - MEMBERS.length()) + ELECTION_SEGMENT);
  }

  /** The election a fence key belongs to, if {@code key} is one of the standard layout. */
  public static Optional<String> electionOfFenceKey(String key) {
    int slash = key.lastIndexOf('/');
    if (slash <= 0 || slash == key.length() - 1) {
      return Optional.empty();
    }
    String parent = key.substring(0, slash);
    if (!parent.endsWith(FENCES)) {
      return Optional.empty();
    }
    return Optional.of(parent.substring(0, parent.length() - FENCES.length()) + ELECTION_SEGMENT);
  }

  /** The lease id a member or candidate key ends with, or 0 when it ends otherwise. */
  public static long leaseOf(String key) {
    try {
      return Long.parseUnsignedLong(key.substring(key.lastIndexOf('/') + 1), 16);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** A lease id in the form etcd tools print it (lowercase hex). */
  public static String leaseHex(long leaseId) {
    return Long.toHexString(leaseId);
  }
}
