package dev.halo.operator.model;

import dev.halo.api.v1alpha1.ElectionSpec;
import dev.halo.api.v1alpha1.HighAvailabilityGroupSpec;
import dev.halo.common.MemberIdentity;
import dev.halo.operator.election.Candidate;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;

/**
 * Which zones of a group of one cluster should hold the master ({@code spec.election.preferred},
 * most preferred first): the queue order it wants (a standby queued ahead of a Ready, campaigning
 * standby of a more preferred zone queues again, the {@link SiteQueue} re-queue, so that a failover
 * goes to the preferred zone when it can without waiting), and the failback to a more preferred
 * zone than the master's once a standby there has campaigned for {@code failbackAfterSeconds}. A
 * zone the list does not name comes after every zone it names; a group with {@code spec.site} has
 * the site order instead ({@link SiteQueue}, {@link SiteFailback}).
 */
public final class ZonePreference {
  /** The failback window when {@code spec.election.failbackAfterSeconds} is absent. */
  public static final int DEFAULT_FAILBACK_SECONDS = 60;

  private ZonePreference() {}

  /** The preferred zones of a group of one cluster; empty: no preference. */
  public static List<String> of(HighAvailabilityGroupSpec spec) {
    if (spec == null || spec.getElection() == null || GroupElection.site(spec).isPresent()) {
      return List.of();
    }
    List<String> preferred = spec.getElection().getPreferred();
    return preferred == null ? List.of() : List.copyOf(preferred);
  }

  /** How long a more preferred standby campaigns before the master fails back; empty: never. */
  public static OptionalLong failbackWindowMillis(HighAvailabilityGroupSpec spec) {
    if (of(spec).isEmpty()) {
      return OptionalLong.empty();
    }
    ElectionSpec election = spec.getElection();
    int seconds =
        election.getFailbackAfterSeconds() == null
            ? DEFAULT_FAILBACK_SECONDS
            : election.getFailbackAfterSeconds();
    return seconds <= 0 ? OptionalLong.empty() : OptionalLong.of(seconds * 1000L);
  }

  /** 0 for the most preferred zone, then 1, ...; every zone not listed after them all. */
  static int rank(List<String> preferred, String zone) {
    int i = preferred.indexOf(zone);
    return i < 0 ? preferred.size() : i;
  }

  /**
   * The standbys to re-queue: each of the group's own keys (not the leader's) queued ahead of a
   * Ready, campaigning standby of a more preferred zone, with the first such standby; empty without
   * a preference or a leader.
   */
  public static List<SiteQueue.Requeue> plan(
      Membership members, List<Pod> pods, List<String> preferred) {
    Optional<Candidate> leader = members.leader();
    if (preferred.isEmpty() || leader.isEmpty()) {
      return List.of();
    }
    Map<String, Pod> byName = byName(pods);
    List<Candidate> ready = readyStandbys(members, byName, leader.get());
    List<SiteQueue.Requeue> plan = new ArrayList<>();
    for (Candidate own : standbys(members, leader.get())) {
      int rank = rank(preferred, zone(byName, own));
      ready.stream()
          .filter(b -> b.createRevision() > own.createRevision())
          .filter(b -> rank(preferred, zone(byName, b)) < rank)
          .min(Comparator.comparingLong(Candidate::createRevision))
          .ifPresent(b -> plan.add(new SiteQueue.Requeue(own, b, leader.get())));
    }
    return List.copyOf(plan);
  }

  /**
   * The standby a failback would go to, whatever the time: the Ready, campaigning standby of the
   * most preferred zone, more preferred than the master's (the first in the queue among equals);
   * empty without a preference, with failback off, or when none is more preferred.
   */
  public static Optional<Candidate> failbackCandidate(
      HighAvailabilityGroupSpec spec, List<Pod> pods, Membership members) {
    List<String> preferred = of(spec);
    Optional<Candidate> leader = members.leader();
    Optional<String> master = members.leaderPod();
    if (failbackWindowMillis(spec).isEmpty() || leader.isEmpty() || master.isEmpty()) {
      return Optional.empty();
    }
    Map<String, Pod> byName = byName(pods);
    int masterRank =
        rank(
            preferred,
            Optional.ofNullable(byName.get(master.get())).map(PodState::zone).orElse(""));
    return readyStandbys(members, byName, leader.get()).stream()
        .filter(c -> rank(preferred, zone(byName, c)) < masterRank)
        .min(
            Comparator.comparingInt((Candidate c) -> rank(preferred, zone(byName, c)))
                .thenComparingLong(Candidate::createRevision));
  }

  /**
   * How long until the master fails back ({@link #failbackCandidate}): 0 when due now, empty when
   * there is nothing to fail back to.
   *
   * @param campaigningForMillis how long a key has been seen Ready and campaigning
   * @param sinceLastFailbackMillis how long ago the group's last failback handed over
   */
  public static OptionalLong failbackDueInMillis(
      HighAvailabilityGroupSpec spec,
      List<Pod> pods,
      Membership members,
      ToLongFunction<Candidate> campaigningForMillis,
      long sinceLastFailbackMillis) {
    Optional<Candidate> candidate = failbackCandidate(spec, pods, members);
    if (candidate.isEmpty()) {
      return OptionalLong.empty();
    }
    long window = failbackWindowMillis(spec).getAsLong();
    long campaigning = window - campaigningForMillis.applyAsLong(candidate.get());
    long anotherFailback = window - sinceLastFailbackMillis;
    return OptionalLong.of(Math.max(0, Math.max(campaigning, anotherFailback)));
  }

  /**
   * The pod to fail back to now: the {@link #failbackCandidate} once it has campaigned for the
   * window and the last failback is that long ago; empty while there is nothing to do.
   */
  public static Optional<String> failbackTarget(
      HighAvailabilityGroupSpec spec,
      List<Pod> pods,
      Membership members,
      ToLongFunction<Candidate> campaigningForMillis,
      long sinceLastFailbackMillis) {
    OptionalLong due =
        failbackDueInMillis(spec, pods, members, campaigningForMillis, sinceLastFailbackMillis);
    return due.isPresent() && due.getAsLong() == 0
        ? failbackCandidate(spec, pods, members).map(Candidate::member)
        : Optional.empty();
  }

  /** The zone of a key's pod, for events: {@code a}, or empty. */
  public static String zoneOf(List<Pod> pods, String pod) {
    return Optional.ofNullable(byName(pods).get(pod)).map(PodState::zone).orElse("");
  }

  /**
   * The group's own campaigning keys other than the leader's whose pod is Ready and not
   * terminating, in queue order; a key marked as leaving is on its way out and not counted.
   */
  public static List<Candidate> readyStandbys(
      Membership members, Map<String, Pod> byName, Candidate leader) {
    return standbys(members, leader).stream()
        .filter(
            c ->
                Optional.ofNullable(byName.get(c.member()))
                    .filter(p -> PodState.ready(p) && !PodState.terminating(p))
                    .isPresent())
        .toList();
  }

  /** The group's own campaigning keys but the leader's, not marked as leaving, in queue order. */
  private static List<Candidate> standbys(Membership members, Candidate leader) {
    return members.campaigningPods().stream()
        .flatMap(pod -> members.keysOf(pod).stream())
        .filter(c -> !c.key().equals(leader.key()))
        .filter(c -> c.identity().flatMap(MemberIdentity::leftBecause).isEmpty())
        .sorted(Comparator.comparingLong(Candidate::createRevision))
        .toList();
  }

  /** The group's pods by name. */
  public static Map<String, Pod> byName(List<Pod> pods) {
    return pods.stream()
        .collect(Collectors.toMap(PodState::name, Function.identity(), (a, b) -> a));
  }

  private static String zone(Map<String, Pod> byName, Candidate c) {
    return Optional.ofNullable(byName.get(c.member())).map(PodState::zone).orElse("");
  }
}
