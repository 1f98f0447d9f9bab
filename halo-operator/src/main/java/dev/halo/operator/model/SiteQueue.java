package dev.halo.operator.model;

import dev.halo.common.MemberIdentity;
import dev.halo.operator.election.Candidate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The order a group spread over sites wants its standbys queued in, and which of this site's
 * standbys should queue again (resign and campaign anew, which puts their key at the back) to get
 * there. Standbys of the master's own site come first, so that a failover keeps the master, and the
 * traffic, on that site when it can; then those of {@code spec.site.preferred}; then the others'. A
 * site moves only its own standbys, and only backwards: one of them is re-queued when a campaigning
 * standby of a site that comes first is queued behind it. The master is never re-queued, nor
 * anything while the leader is not a member of the shared group.
 *
 * <p>Each site's operator decides from its own spec and the election alone, so the order settles
 * after at most one re-queue per standby as long as every site names the same preferred site.
 */
public final class SiteQueue {
  /** Rank of the master's own site. */
  private static final int MASTER_SITE = 0;

  /** Rank of the preferred site, when it does not hold the master. */
  private static final int PREFERRED_SITE = 1;

  /** Rank of every other site. */
  private static final int OTHER_SITE = 2;

  private SiteQueue() {}

  /**
   * One of this site's standbys to re-queue.
   *
   * @param standby its candidate key (one of this site's pods, not the leader)
   * @param before the first campaigning standby of a site that comes first, queued behind it
   * @param leader the leader's key when this was decided: the re-queue is asked only while that key
   *     still leads, so that it never reaches a standby that has just become master
   */
  public record Requeue(Candidate standby, Candidate before, Candidate leader) {
    /** The site of {@link #before}. */
    public String beforeSite() {
      return siteOf(before);
    }
  }

  /**
   * The standbys of this site that are queued ahead of a campaigning standby of a site that comes
   * first, oldest first; empty for a group of one cluster, while there is no leader, or while the
   * leader is no member of the shared group (a foreign key).
   */
  public static List<Requeue> plan(Membership members, Optional<String> preferred) {
    Optional<String> site = members.site();
    Optional<Candidate> leader = members.leader();
    if (site.isEmpty() || leader.isEmpty()) {
      return List.of();
    }
    Optional<String> masterSite = masterSite(members, site.get());
    if (masterSite.isEmpty()) {
      return List.of();
    }
    int ownRank = rank(site.get(), masterSite.get(), preferred);
    if (ownRank == MASTER_SITE) {
      return List.of();
    }
    List<Candidate> better =
        members.remote().stream()
            .filter(c -> !c.key().equals(leader.get().key()))
            .filter(SiteQueue::campaigns)
            .filter(c -> rank(siteOf(c), masterSite.get(), preferred) < ownRank)
            .toList();
    List<Requeue> plan = new ArrayList<>();
    for (Candidate own : ownKeys(members)) {
      if (own.key().equals(leader.get().key())) {
        continue;
      }
      better.stream()
          .filter(b -> b.createRevision() > own.createRevision())
          .min(Comparator.comparingLong(Candidate::createRevision))
          .ifPresent(b -> plan.add(new Requeue(own, b, leader.get())));
    }
    return List.copyOf(plan);
  }

  /** The site whose member leads: this one when one of its pods does, else the remote leader's. */
  static Optional<String> masterSite(Membership members, String site) {
    if (members.leaderPod().isPresent()) {
      return Optional.of(site);
    }
    return members.remoteLeader().map(SiteQueue::siteOf).filter(s -> !s.isEmpty());
  }

  private static int rank(String site, String masterSite, Optional<String> preferred) {
    if (site.equals(masterSite)) {
      return MASTER_SITE;
    }
    return preferred.filter(site::equals).isPresent() ? PREFERRED_SITE : OTHER_SITE;
  }

  private static List<Candidate> ownKeys(Membership members) {
    return members.campaigningPods().stream()
        .flatMap(pod -> members.keysOf(pod).stream())
        .sorted(Comparator.comparingLong(Candidate::createRevision))
        .toList();
  }

  // A key whose holder marked it as left is on its way out: nobody to queue behind.
  private static boolean campaigns(Candidate c) {
    return c.identity().flatMap(MemberIdentity::leftBecause).isEmpty();
  }

  private static String siteOf(Candidate c) {
    return c.identity().map(MemberIdentity::site).orElse("");
  }
}
