package dev.halo.operator.election;

import dev.halo.common.ElectionKeys;
import dev.halo.common.MemberIdentity;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The candidates of every election of one etcd cluster, as read and watched, with how keys left
 * ({@link DepartureLog}) and when the current leader became leader. One thread writes it; any
 * thread may read it. Watched changes are applied between {@link #watched} (their arrival time) and
 * {@link #settle}. Of the keys under {@code /halo/} it keeps candidates, member keys, fences and
 * cross-site switchover requests; others, such as the step-down requests beside them, change
 * nothing.
 */
final class ElectionCache {
  private static final String ROOT = "/halo/";
  private static final String ELECTION_SUFFIX = "/election";

  /**
   * Candidates of one election, the revision at which they last changed, the latest departures
   * (oldest first) and when the leader became leader.
   */
  record Entry(
      List<Candidate> candidates,
      long revision,
      List<KeyDeparture> departures,
      Optional<LeaderChange> leaderSince,
      List<Fence> fences,
      OptionalLong fenceGoneAtMillis,
      Optional<SwitchoverRequest> switchover) {}

  /** A member key as read: the identity it holds and the lease it is attached to. */
  record Member(String key, MemberIdentity identity, long leaseId) {}

  private record Stored(List<Candidate> candidates, long revision) {}

  private final Map<String, Stored> entries = new ConcurrentHashMap<>();
  private final Map<String, Member> members = new ConcurrentHashMap<>();
  // Elections someone asked about stay cached while empty; others are dropped once empty.
  private final Set<String> requested = ConcurrentHashMap.newKeySet();
  private final Map<String, LeaderChange> leaders = new ConcurrentHashMap<>();
  private final Map<String, Fence> fences = new ConcurrentHashMap<>();
  // Election → its cross-site switchover request.
  private final Map<String, SwitchoverRequest> switchovers = new ConcurrentHashMap<>();
  // When the watch last saw a fence of each election go (wall clock, ms).
  private final Map<String, Long> fenceGone = new ConcurrentHashMap<>();
  private final DepartureLog departures = new DepartureLog();
  // When the changes being applied arrived; empty while a full read is applied.
  private OptionalLong arrivedAtMillis = OptionalLong.empty();

  /** The election a candidate key belongs to: the key's parent, if that names an election. */
  static Optional<String> electionOf(String key) {
    int slash = key.lastIndexOf('/');
    if (!key.startsWith(ROOT) || slash <= ROOT.length() || slash == key.length() - 1) {
      return Optional.empty();
    }
    String election = key.substring(0, slash);
    return election.endsWith(ELECTION_SUFFIX) ? Optional.of(election) : Optional.empty();
  }

  /**
   * The candidates of an election, each with the identity published under its own lease: a member
   * key counts only when it is attached to the very lease its name gives, which only that lease's
   * holder can arrange.
   */
  Optional<Entry> get(String election) {
    Stored e = entries.get(election);
    List<Fence> fenced = fencesOf(election);
    // A group whose keys are all gone may still hold fences, which someone has to finish.
    if (e == null && fenced.isEmpty() && !switchovers.containsKey(election)) {
      return Optional.empty();
    }
    Long gone = fenceGone.get(election);
    return Optional.of(
        new Entry(
            e == null
                ? List.of()
                : e.candidates().stream().map(c -> identified(election, c)).toList(),
            e == null ? 0 : e.revision(),
            departures.of(election),
            Optional.ofNullable(leaders.get(election)),
            fenced,
            gone == null ? OptionalLong.empty() : OptionalLong.of(gone),
            Optional.ofNullable(switchovers.get(election))));
  }

  private List<Fence> fencesOf(String election) {
    return fences.values().stream()
        .filter(f -> ElectionKeys.electionOfFenceKey(f.key()).orElse("").equals(election))
        .sorted(Comparator.comparing(Fence::key))
        .toList();
  }

  /** Applies a put of a fence key; returns the election it belongs to. */
  Optional<String> putFence(Fence fence) {
    Optional<String> election = ElectionKeys.electionOfFenceKey(fence.key());
    election.ifPresent(e -> fences.put(fence.key(), fence));
    return election;
  }

  /** Applies a put of a switchover request key; returns the election it belongs to. */
  Optional<String> putSwitchover(ElectionKeyValues.Switchover switchover) {
    Optional<String> election = ElectionKeys.electionOfSwitchoverKey(switchover.key());
    election.ifPresent(
        e ->
            switchover
                .request()
                .ifPresentOrElse(r -> switchovers.put(e, r), () -> switchovers.remove(e)));
    return election;
  }

  /** The changes applied from now until {@link #settle} arrived on the watch at {@code millis}. */
  void watched(long millis) {
    arrivedAtMillis = OptionalLong.of(millis);
  }

  /** Ends a watch response: classifies the keys it deleted. */
  void settle() {
    departures.settle();
    arrivedAtMillis = OptionalLong.empty();
  }

  private Candidate identified(String election, Candidate c) {
    Member m = members.get(ElectionKeys.memberKey(election, c.leaseId()));
    return c.withIdentity(
        m != null && m.leaseId() == c.leaseId() ? Optional.of(m.identity()) : Optional.empty());
  }

  /** Applies a put of a member key at {@code revision}; returns the election it describes. */
  Optional<String> putMember(Member member, long revision) {
    Optional<String> election = ElectionKeys.electionOfMemberKey(member.key());
    election.ifPresent(
        e -> {
          members.put(member.key(), member);
          departures.identityPut(member.leaseId(), member.identity(), revision);
          store(e, candidatesOf(e), revision);
        });
    return election;
  }

  void request(String election) {
    requested.add(election);
  }

  void forget(String election) {
    requested.remove(election);
    entries.computeIfPresent(election, (e, entry) -> entry.candidates().isEmpty() ? null : entry);
    if (!entries.containsKey(election)) {
      departures.forget(election);
      leaders.remove(election);
    }
  }

  /** Elections asked about plus those seen in etcd. */
  Set<String> tracked() {
    Set<String> all = new HashSet<>(requested);
    all.addAll(entries.keySet());
    return all;
  }

  /** Applies a put of a candidate key at {@code revision}; returns the election it changed. */
  Optional<String> put(Candidate candidate, long revision) {
    Optional<String> election = electionOf(candidate.key());
    election.ifPresent(
        e -> {
          List<Candidate> next = new ArrayList<>(candidatesOf(e));
          next.removeIf(c -> c.key().equals(candidate.key()));
          next.add(candidate);
          store(e, next, revision);
        });
    return election;
  }

  /** Applies a delete of a key at {@code revision}; returns the election it changed. */
  Optional<String> delete(String key, long revision) {
    Optional<String> switchoverOf = ElectionKeys.electionOfSwitchoverKey(key);
    if (switchoverOf.isPresent()) {
      return switchovers.remove(switchoverOf.get()) != null ? switchoverOf : Optional.empty();
    }
    if (fences.remove(key) != null) {
      Optional<String> election = ElectionKeys.electionOfFenceKey(key);
      election.ifPresent(e -> arrivedAtMillis.ifPresent(at -> fenceGone.put(e, at)));
      return election;
    }
    Member gone = members.remove(key);
    if (gone != null) {
      departures.identityDeleted(gone.leaseId(), gone.identity(), revision);
      Optional<String> election =
          ElectionKeys.electionOfMemberKey(key).filter(entries::containsKey);
      election.ifPresent(e -> store(e, candidatesOf(e), revision));
      return election;
    }
    Optional<String> election = electionOf(key).filter(entries::containsKey);
    election.ifPresent(
        e -> {
          List<Candidate> before = candidatesOf(e);
          for (int i = 0; i < before.size(); i++) {
            Candidate c = before.get(i);
            if (c.key().equals(key) && arrivedAtMillis.isPresent()) {
              Member m = members.get(ElectionKeys.memberKey(e, c.leaseId()));
              Optional<MemberIdentity> identity =
                  m != null && m.leaseId() == c.leaseId()
                      ? Optional.of(m.identity())
                      : Optional.empty();
              departures.keyDeleted(e, c, revision, arrivedAtMillis.getAsLong(), i == 0, identity);
            }
          }
          List<Candidate> next = new ArrayList<>(before);
          next.removeIf(c -> c.key().equals(key));
          store(e, next, revision);
        });
    return election;
  }

  /**
   * Replaces everything with a full read taken at {@code revision}; returns the elections whose
   * candidates differ from before.
   */
  Set<String> replaceAll(Collection<Candidate> all, Collection<Member> read, long revision) {
    return replaceAll(all, read, List.of(), revision);
  }

  /** As above, with the fences read at the same revision. */
  Set<String> replaceAll(
      Collection<Candidate> all, Collection<Member> read, Collection<Fence> fenced, long revision) {
    return replaceAll(all, read, fenced, List.of(), revision);
  }

  /** As above, with the switchover requests read at the same revision. */
  Set<String> replaceAll(
      Collection<Candidate> all,
      Collection<Member> read,
      Collection<Fence> fenced,
      Collection<ElectionKeyValues.Switchover> requested,
      long revision) {
    Map<String, SwitchoverRequest> nextSwitchovers = new HashMap<>();
    for (ElectionKeyValues.Switchover s : requested) {
      ElectionKeys.electionOfSwitchoverKey(s.key())
          .ifPresent(e -> s.request().ifPresent(r -> nextSwitchovers.put(e, r)));
    }
    Set<String> switchoversChanged = new HashSet<>(switchovers.keySet());
    switchoversChanged.addAll(nextSwitchovers.keySet());
    switchoversChanged.removeIf(e -> Objects.equals(switchovers.get(e), nextSwitchovers.get(e)));
    switchovers.clear();
    switchovers.putAll(nextSwitchovers);
    Set<String> fencesChanged = new HashSet<>();
    Map<String, Fence> nextFences =
        fenced.stream().collect(Collectors.toMap(Fence::key, f -> f, (a, b) -> b));
    Set<String> fenceKeys = new HashSet<>(fences.keySet());
    fenceKeys.addAll(nextFences.keySet());
    for (String key : fenceKeys) {
      if (!Objects.equals(fences.get(key), nextFences.get(key))) {
        ElectionKeys.electionOfFenceKey(key).ifPresent(fencesChanged::add);
      }
    }
    fences.clear();
    fences.putAll(nextFences);
    Set<String> identitiesChanged = new HashSet<>();
    Map<String, Member> next =
        read.stream().collect(Collectors.toMap(Member::key, m -> m, (a, b) -> b));
    Set<String> keys = new HashSet<>(members.keySet());
    keys.addAll(next.keySet());
    for (String key : keys) {
      if (!Objects.equals(members.get(key), next.get(key))) {
        ElectionKeys.electionOfMemberKey(key).ifPresent(identitiesChanged::add);
      }
    }
    members.clear();
    members.putAll(next);
    departures.reset();
    arrivedAtMillis = OptionalLong.empty();
    Set<String> changed = replaceCandidates(all, revision);
    changed.addAll(fencesChanged);
    changed.addAll(switchoversChanged);
    identitiesChanged.stream()
        .filter(entries::containsKey)
        .forEach(
            e -> {
              changed.add(e);
              store(e, candidatesOf(e), revision);
            });
    return changed;
  }

  private Set<String> replaceCandidates(Collection<Candidate> all, long revision) {
    Map<String, List<Candidate>> read =
        all.stream()
            .filter(c -> electionOf(c.key()).isPresent())
            .collect(Collectors.groupingBy(c -> electionOf(c.key()).get()));
    Set<String> changed = new HashSet<>();
    Set<String> elections = new HashSet<>(entries.keySet());
    elections.addAll(read.keySet());
    for (String election : elections) {
      List<Candidate> next = sorted(read.getOrDefault(election, List.of()));
      if (!next.equals(candidatesOf(election))) {
        changed.add(election);
        store(election, next, revision);
      }
    }
    return changed;
  }

  private List<Candidate> candidatesOf(String election) {
    Stored entry = entries.get(election);
    return entry == null ? List.of() : entry.candidates();
  }

  private void store(String election, List<Candidate> candidates, long revision) {
    List<Candidate> queue = sorted(candidates);
    noteLeader(election, queue, revision);
    if (queue.isEmpty() && !requested.contains(election)) {
      entries.remove(election);
    } else {
      entries.put(election, new Stored(queue, revision));
    }
  }

  /** Remembers when a new key came to lead: the watch's arrival time, unknown for a full read. */
  private void noteLeader(String election, List<Candidate> queue, long revision) {
    if (queue.isEmpty()) {
      leaders.remove(election);
      return;
    }
    String key = queue.get(0).key();
    LeaderChange current = leaders.get(election);
    if (current == null || !current.key().equals(key)) {
      leaders.put(election, new LeaderChange(key, revision, arrivedAtMillis));
    }
  }

  private static List<Candidate> sorted(List<Candidate> candidates) {
    return candidates.stream().sorted(ElectionView.QUEUE_ORDER).toList();
  }
}
