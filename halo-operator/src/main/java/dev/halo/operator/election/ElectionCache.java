package dev.halo.operator.election;

import dev.halo.common.ElectionKeys;
import dev.halo.common.MemberIdentity;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The candidates of every election of one etcd cluster, as read and watched. One thread writes it;
 * any thread may read it. Of the keys under {@code /halo/} it keeps candidates and member keys;
 * others, such as the step-down requests beside them, change nothing.
 */
final class ElectionCache {
  private static final String ROOT = "/halo/";
  private static final String ELECTION_SUFFIX = "/election";

  /** Candidates of one election and the revision at which they last changed. */
  record Entry(List<Candidate> candidates, long revision) {}

  /** A member key as read: the identity it holds and the lease it is attached to. */
  record Member(String key, MemberIdentity identity, long leaseId) {}

  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private final Map<String, Member> members = new ConcurrentHashMap<>();
  // Elections someone asked about stay cached while empty; others are dropped once empty.
  private final Set<String> requested = ConcurrentHashMap.newKeySet();

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
    return Optional.ofNullable(entries.get(election))
        .map(
            e ->
                new Entry(
                    e.candidates().stream().map(c -> identified(election, c)).toList(),
                    e.revision()));
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
    if (members.remove(key) != null) {
      Optional<String> election =
          ElectionKeys.electionOfMemberKey(key).filter(entries::containsKey);
      election.ifPresent(e -> store(e, candidatesOf(e), revision));
      return election;
    }
    Optional<String> election = electionOf(key).filter(entries::containsKey);
    election.ifPresent(
        e -> {
          List<Candidate> next = new ArrayList<>(candidatesOf(e));
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
    Set<String> changed = replaceCandidates(all, revision);
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
    Entry entry = entries.get(election);
    return entry == null ? List.of() : entry.candidates();
  }

  private void store(String election, List<Candidate> candidates, long revision) {
    if (candidates.isEmpty() && !requested.contains(election)) {
      entries.remove(election);
    } else {
      entries.put(election, new Entry(sorted(candidates), revision));
    }
  }

  private static List<Candidate> sorted(List<Candidate> candidates) {
    return candidates.stream().sorted(ElectionView.QUEUE_ORDER).toList();
  }
}
