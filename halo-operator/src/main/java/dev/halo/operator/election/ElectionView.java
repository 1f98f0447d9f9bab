package dev.halo.operator.election;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Predicate;

/**
 * An election as the operator last saw it; candidates are ordered by create revision, so the first
 * is the leader.
 *
 * @param election the election name, {@code /halo/<namespace>/<group>/election}
 * @param reachable whether etcd answered and the view is current; when false nothing is known
 * @param candidates the live candidate keys, lowest create revision first
 * @param revision the etcd revision at which this election last changed (0: never seen)
 * @param error why etcd is not reachable; empty when it is
 * @param known whether there is a verdict on etcd at all: false until the first read of that etcd
 *     has completed or failed, when neither "reachable" nor "unreachable" would be true
 * @param failureReason why etcd cannot be read, as a condition reason: {@code Unreachable}, {@code
 *     TLSFailed}, {@code CertificateExpired}, {@code AuthFailed} or {@code PermissionDenied}; empty
 *     when reachable
 * @param departures the latest keys that left, as the watch saw them, oldest first
 * @param leaderSince when the current leader became leader
 * @param fences the group's fences ({@link Fence}): candidates younger than a fenced key must not
 *     be master while it exists
 * @param fenceGoneAtMillis when the watch last saw one of the group's fences go (wall clock, ms)
 * @param switchover the cross-site switchover under way in the group, if any
 */
public record ElectionView(
    String election,
    boolean reachable,
    List<Candidate> candidates,
    long revision,
    String error,
    boolean known,
    String failureReason,
    List<KeyDeparture> departures,
    Optional<LeaderChange> leaderSince,
    List<Fence> fences,
    OptionalLong fenceGoneAtMillis,
    Optional<SwitchoverRequest> switchover) {
  /** etcd's election order: lowest create revision first. */
  static final Comparator<Candidate> QUEUE_ORDER =
      Comparator.comparingLong(Candidate::createRevision).thenComparing(Candidate::key);

  public ElectionView {
    candidates = candidates.stream().sorted(QUEUE_ORDER).toList();
    error = error == null ? "" : error;
    failureReason =
        reachable || failureReason == null || failureReason.isBlank()
            ? (reachable ? "" : UNREACHABLE)
            : failureReason;
    departures = List.copyOf(departures);
    fences = List.copyOf(fences);
  }

  private static final String UNREACHABLE = "Unreachable";

  /** A view with no history of departures or leader changes. */
  public ElectionView(
      String election,
      boolean reachable,
      List<Candidate> candidates,
      long revision,
      String error,
      boolean known) {
    this(
        election,
        reachable,
        candidates,
        revision,
        error,
        known,
        "",
        List.of(),
        Optional.empty(),
        List.of(),
        OptionalLong.empty(),
        Optional.empty());
  }

  /** A view with a verdict: etcd answered ({@code reachable}) or was found unreachable. */
  public ElectionView(
      String election, boolean reachable, List<Candidate> candidates, long revision, String error) {
    this(election, reachable, candidates, revision, error, true);
  }

  /** This view with what the watch saw of departures and of the leader's arrival. */
  public ElectionView withHistory(
      List<KeyDeparture> departures, Optional<LeaderChange> leaderSince) {
    return new ElectionView(
        election,
        reachable,
        candidates,
        revision,
        error,
        known,
        failureReason,
        departures,
        leaderSince,
        fences,
        fenceGoneAtMillis,
        switchover);
  }

  /** This view with the group's fences and when the watch last saw one go. */
  public ElectionView withFences(List<Fence> fences, OptionalLong fenceGoneAtMillis) {
    return new ElectionView(
        election,
        reachable,
        candidates,
        revision,
        error,
        known,
        failureReason,
        departures,
        leaderSince,
        fences,
        fenceGoneAtMillis,
        switchover);
  }

  /** This view with the group's cross-site switchover request. */
  public ElectionView withSwitchover(Optional<SwitchoverRequest> switchover) {
    return new ElectionView(
        election,
        reachable,
        candidates,
        revision,
        error,
        known,
        failureReason,
        departures,
        leaderSince,
        fences,
        fenceGoneAtMillis,
        switchover);
  }

  /**
   * The fence that keeps the holder of {@code candidate} from being master: one whose fenced key is
   * older (or whose value cannot be read).
   */
  public Optional<Fence> fenceHoldingBack(Candidate candidate) {
    return fences.stream().filter(f -> f.holdsBack(candidate.createRevision())).findFirst();
  }

  /**
   * The last departure of a key that led the election when it went and was held by pod {@code
   * member} of this site, {@code site} (empty for a group on one site): a key whose identity named
   * that site or none. A pod of the same name on another site is another member.
   */
  public Optional<KeyDeparture> lastLeaderDeparture(String member, String site) {
    return lastLeaderDeparture(member, d -> d.site().isEmpty() || d.site().equals(site));
  }

  /**
   * The last departure of a leading key held by pod {@code member} of another site, {@code site}:
   * only a key whose identity named that site.
   */
  public Optional<KeyDeparture> lastRemoteLeaderDeparture(String site, String member) {
    return lastLeaderDeparture(member, d -> d.site().equals(site));
  }

  private Optional<KeyDeparture> lastLeaderDeparture(
      String member, Predicate<KeyDeparture> ofSite) {
    for (int i = departures.size() - 1; i >= 0; i--) {
      KeyDeparture d = departures.get(i);
      if (d.wasLeader() && d.member().equals(member) && ofSite.test(d)) {
        return Optional.of(d);
      }
    }
    return Optional.empty();
  }

  /** A view of an election whose etcd cannot be read: no candidates, and the reason. */
  public static ElectionView unreachable(String election, String error) {
    return unreachable(election, error, UNREACHABLE);
  }

  /** As {@link #unreachable(String, String)}, with the kind of failure as a condition reason. */
  public static ElectionView unreachable(String election, String error, String failureReason) {
    String reason = error == null || error.isBlank() ? "etcd unreachable" : error;
    return new ElectionView(
        election,
        false,
        List.of(),
        0,
        reason,
        true,
        failureReason,
        List.of(),
        Optional.empty(),
        List.of(),
        OptionalLong.empty(),
        Optional.empty());
  }

  /**
   * A view of an election whose etcd has not been tried yet (its first read is under way): no
   * candidates and no verdict, so nobody should act on it or report it as an outage.
   */
  public static ElectionView notKnownYet(String election, String why) {
    return new ElectionView(election, false, List.of(), 0, why, false);
  }

  /** The leader, if etcd is reachable and anyone campaigns. */
  public Optional<Candidate> leader() {
    return reachable && !candidates.isEmpty() ? Optional.of(candidates.get(0)) : Optional.empty();
  }

  /** All keys whose value is {@code member}, in queue order (a pod normally holds one). */
  public List<Candidate> candidatesOf(String member) {
    return candidates.stream().filter(c -> c.member().equals(member)).toList();
  }

  /** Whether {@code member} holds a key in the election. */
  public boolean isCampaigning(String member) {
    return candidates.stream().anyMatch(c -> c.member().equals(member));
  }
}
