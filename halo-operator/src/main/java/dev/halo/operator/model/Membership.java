package dev.halo.operator.model;

import dev.halo.common.AgentVariables;
import dev.halo.common.MemberIdentity;
import dev.halo.common.Names;
import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.ElectionView;
import dev.halo.operator.election.Fence;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Which candidate keys of a group's election belong to the group's own pods, and which do not. The
 * key's value (a pod name) proves nothing; a key is the group's own only when the identity its
 * lease carries ({@link MemberIdentity}) names this group (its UID) and one of its pod names:
 *
 * <ul>
 *   <li>{@link #keysOf current}: the identity's pod UID is the UID of the pod of that name now;
 *   <li>{@link #previous}: the group's, but of a pod that is gone from the API or was replaced by a
 *       pod of the same name (its UID differs): left behind by an agent that is gone;
 *   <li>{@link #remote}: for a group spread over sites ({@code spec.site}), a key whose identity
 *       names another site: a member of the same shared group that its own site's operator looks
 *       after. Never labelled, revoked, fenced or deleted here, and not reported as foreign;
 *   <li>{@link #foreign}: everything else, e.g. a stray {@code etcdctl elect}, or a group of the
 *       same namespace and name in another Kubernetes cluster sharing the etcd. The operator never
 *       labels, revokes or deletes a foreign key; it reports it.
 * </ul>
 *
 * An agent built before identities existed publishes none; its pod's agent container has no {@link
 * AgentVariables#POD_UID} variable, and only for such a pod a key is taken as its own by the name
 * it carries, so that an operator upgrade does not leave running groups without a master.
 */
public final class Membership {
  private final ElectionView view;
  private final Map<String, List<Candidate>> current;
  private final List<Candidate> previous;
  private final List<Candidate> remote;
  private final List<Candidate> foreign;
  private final String groupUid;
  private final String site;

  private Membership(
      ElectionView view,
      Map<String, List<Candidate>> current,
      List<Candidate> previous,
      List<Candidate> remote,
      List<Candidate> foreign,
      String groupUid,
      String site) {
    this.view = view;
    this.current = current;
    this.previous = previous;
    this.remote = remote;
    this.foreign = foreign;
    this.groupUid = groupUid;
    this.site = site;
  }

  /** Sorts the keys of {@code view} for the group {@code group} (UID {@code groupUid}). */
  public static Membership of(String group, String groupUid, List<Pod> pods, ElectionView view) {
    return of(group, groupUid, "", pods, view);
  }

  /**
   * Sorts the keys of {@code view} for the group {@code group} (UID {@code groupUid}) on site
   * {@code site} of a group spread over sites; {@code site} empty: a group of one cluster.
   */
  public static Membership of(
      String group, String groupUid, String site, List<Pod> pods, ElectionView view) {
    Map<String, Pod> byName =
        pods.stream().collect(Collectors.toMap(PodState::name, Function.identity(), (a, b) -> a));
    Map<String, List<Candidate>> current = new TreeMap<>();
    List<Candidate> previous = new ArrayList<>();
    List<Candidate> remote = new ArrayList<>();
    List<Candidate> foreign = new ArrayList<>();
    for (Candidate c : view.candidates()) {
      Pod pod = byName.get(c.member());
      Optional<MemberIdentity> id = c.identity();
      boolean ours =
          id.isPresent()
              && !groupUid.isEmpty()
              && id.get().groupUid().equals(groupUid)
              && id.get().pod().equals(c.member())
              && Names.podIndex(group, c.member()) >= 0;
      if (ours && pod != null && id.get().podUid().equals(uid(pod))) {
        current.computeIfAbsent(c.member(), m -> new ArrayList<>()).add(c);
      } else if (ours) {
        previous.add(c);
      } else if (isRemote(site, id)) {
        remote.add(c);
      } else if (id.isEmpty() && pod != null && publishesNoIdentity(pod)) {
        current.computeIfAbsent(c.member(), m -> new ArrayList<>()).add(c);
      } else {
        foreign.add(c);
      }
    }
    return new Membership(
        view,
        current,
        List.copyOf(previous),
        List.copyOf(remote),
        List.copyOf(foreign),
        groupUid,
        site);
  }

  // Another site's member names its own site; one that names this site but is not this group's
  // is foreign (two clusters that claim the same site are a mistake to report).
  private static boolean isRemote(String site, Optional<MemberIdentity> id) {
    return !site.isEmpty()
        && id.flatMap(MemberIdentity::siteName).filter(s -> !s.equals(site)).isPresent();
  }

  public ElectionView view() {
    return view;
  }

  /** The current keys of pod {@code pod}, in queue order (normally one). */
  public List<Candidate> keysOf(String pod) {
    return current.getOrDefault(pod, List.of());
  }

  /** The pod names that hold a current key. */
  public Set<String> campaigningPods() {
    return current.keySet();
  }

  /** Whether pod {@code pod} campaigns with a key of its own. */
  public boolean isCampaigning(String pod) {
    return !keysOf(pod).isEmpty();
  }

  /** Keys the group's agents left behind: their pod is gone or was replaced. */
  public List<Candidate> previous() {
    return previous;
  }

  /** Keys of the shared group's members on other sites: never touched, not foreign. */
  public List<Candidate> remote() {
    return remote;
  }

  /** The leader when it is a member on another site: no pod of this site is master. */
  public Optional<Candidate> remoteLeader() {
    return view.leader().filter(remote::contains);
  }

  /** This group's site when it spans several, else empty. */
  public Optional<String> site() {
    return site.isEmpty() ? Optional.empty() : Optional.of(site);
  }

  /**
   * Whether this group's operator may finish {@code fence} (revoke the fenced lease again and arm
   * it) at once: for a group on one site any fence of its election, as before sites existed; for a
   * group spread over sites only a fence of its own member, since another site's is that site's to
   * finish (this site takes it over only once that site left it too long: KeyRemover).
   */
  public boolean finishes(Fence fence) {
    return site.isEmpty()
        || fence
            .value()
            .filter(v -> !groupUid.isEmpty() && groupUid.equals(v.groupUid()))
            .isPresent();
  }

  /** Keys that are no pod's of this group: reported, never touched. */
  public List<Candidate> foreign() {
    return foreign;
  }

  /** The election's leader, whoever holds it. */
  public Optional<Candidate> leader() {
    return view.leader();
  }

  /** The pod whose own current key leads the election, if one does. */
  public Optional<String> leaderPod() {
    return view.leader()
        .filter(l -> keysOf(l.member()).stream().anyMatch(c -> c.key().equals(l.key())))
        .map(Candidate::member);
  }

  /** The leader when it is a foreign key: no pod can be master until it goes. */
  public Optional<Candidate> foreignLeader() {
    return view.leader().filter(foreign::contains);
  }

  /** The newest current key of {@code pod} first: older ones are stale keys of an agent restart. */
  static List<Candidate> newestFirst(List<Candidate> keys) {
    return keys.stream()
        .sorted(Comparator.comparingLong(Candidate::createRevision).reversed())
        .toList();
  }

  private static String uid(Pod pod) {
    return Objects.toString(pod.getMetadata().getUid(), "");
  }

  private static boolean publishesNoIdentity(Pod pod) {
    if (pod.getSpec() == null || pod.getSpec().getContainers() == null) {
      return false;
    }
    return pod.getSpec().getContainers().stream()
        .filter(c -> Names.AGENT_CONTAINER.equals(c.getName()))
        .findFirst()
        .map(Membership::withoutPodUid)
        .orElse(false);
  }

  private static boolean withoutPodUid(Container agent) {
    return agent.getEnv() == null
        || agent.getEnv().stream().noneMatch(e -> AgentVariables.POD_UID.equals(e.getName()));
  }
}
