package dev.halo.operator.model;

import dev.halo.common.Annotations;
import dev.halo.common.MemberIdentity;
import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.ElectionView;
import dev.halo.operator.election.SwitchoverRequest;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A planned switchover to a named member ({@value Annotations#SWITCHOVER_TO}): a pod of a group of
 * one cluster ({@code web-2}), or, on the group of the master's site of a group spread over sites,
 * a member of any site ({@code <site>/<pod>}; a bare pod name is one of this site's). Whoever is
 * queued ahead of that member must queue again first, each by its own site's operator (on one
 * cluster: this operator), which learns of it from the request in etcd ({@link SwitchoverRequest});
 * once the member is next in line the master steps down, and the member is elected.
 */
public final class SiteSwitchover {
  private SiteSwitchover() {}

  /** Warning reason of a request that cannot be done. */
  public static final String REFUSED = "SwitchoverRefused";

  /** Warning reason of a request that does not fit this group. */
  public static final String IGNORED = "SwitchoverIgnored";

  /** What the master's site does about the request. */
  public sealed interface Step {
    /** Nothing yet (no master). */
    record Wait(String why) implements Step {}

    /** The request does not fit: a Warning, and the annotation goes. */
    record Refuse(String reason, String message) implements Step {}

    /** The member named leads: the annotation goes. */
    record Done(String member) implements Step {}

    /**
     * Members are queued ahead of the target: publish the request, so their sites re-queue them.
     */
    record Publish(SwitchoverRequest request, int ahead) implements Step {}

    /** The target is next in line: the master hands over. */
    record HandOver(String master, SwitchoverRequest request) implements Step {}
  }

  /**
   * What a refusal check looks at.
   *
   * @param target the member as asked
   * @param local whether the target is a pod of this site (of this group)
   * @param pod that pod, when it exists
   * @param key the target's campaigning key, when it has one
   * @param pods the group's pods (of this site), to name them in a refusal
   * @param master the master's pod
   * @param busy another switchover under way, described, when there is one
   * @param excluded this site's pods that never become master, with why ({@link NeverMaster})
   */
  record Ask(
      String target,
      boolean local,
      Optional<Pod> pod,
      Optional<Candidate> key,
      List<Pod> pods,
      String master,
      Optional<String> busy,
      Map<String, String> excluded) {}

  /** One reason to refuse a request; empty when it does not apply. */
  @FunctionalInterface
  interface Check {
    Optional<String> refusal(Ask ask);
  }

  /** The reasons to refuse, in the order they are told; one more reason is one more line. */
  private static final List<Check> CHECKS =
      List.of(
          SiteSwitchover::noSuchPod,
          SiteSwitchover::notReady,
          SiteSwitchover::excluded,
          SiteSwitchover::notCampaigning,
          SiteSwitchover::busy);

  /**
   * The step for the request {@code target} on this site's group.
   *
   * @param pods the group's pods (of this site)
   * @param busy another switchover under way (a hand-over of the master already asked, a request
   *     for another member), described; empty when none
   */
  public static Step plan(
      Membership members, String target, List<Pod> pods, Optional<String> busy) {
    return plan(members, target, pods, busy, Map.of());
  }

  /**
   * The same, refusing a target in {@code excluded} (this site's pods that never become master,
   * with why).
   */
  public static Step plan(
      Membership members,
      String target,
      List<Pod> pods,
      Optional<String> busy,
      Map<String, String> excluded) {
    int slash = target.indexOf('/');
    if (slash >= 0 && members.site().isEmpty()) {
      return new Step.Refuse(
          IGNORED,
          "\""
              + target
              + "\": this group spans no sites; name one of its pods, e.g. "
              + Annotations.SWITCHOVER_TO
              + "="
              + target.substring(slash + 1));
    }
    if (slash == 0 || slash == target.length() - 1) {
      return new Step.Refuse(
          IGNORED, "\"" + target + "\" is not <site>/<pod>, e.g. lyon/orders-lyon-1");
    }
    String site = slash < 0 ? members.site().orElse("") : target.substring(0, slash);
    String pod = target.substring(slash + 1);
    boolean local = members.site().orElse("").equals(site);
    Optional<Candidate> leader = members.leader();
    if (leader.isEmpty()) {
      return new Step.Wait("no master yet");
    }
    Optional<Candidate> wanted = find(members, local, site, pod);
    if (wanted.filter(w -> w.key().equals(leader.get().key())).isPresent()
        || (local && members.leaderPod().filter(pod::equals).isPresent())) {
      return new Step.Done(target);
    }
    Optional<String> master = members.leaderPod();
    if (master.isEmpty() && members.site().isPresent()) {
      return new Step.Refuse(
          IGNORED,
          "the master is not on this site ("
              + members.site().get()
              + "): annotate the group of the master's site");
    }
    if (master.isEmpty()) {
      return new Step.Wait("the leader is no pod of this group");
    }
    Optional<Pod> podObject =
        pods.stream().filter(p -> local && PodState.name(p).equals(pod)).findFirst();
    Ask ask = new Ask(target, local, podObject, wanted, pods, master.get(), busy, excluded);
    Optional<String> refusal =
        CHECKS.stream().map(c -> c.refusal(ask)).flatMap(Optional::stream).findFirst();
    if (refusal.isPresent()) {
      return new Step.Refuse(REFUSED, refusal.get());
    }
    SwitchoverRequest request =
        new SwitchoverRequest(site, pod, wanted.get().leaseId(), leader.get().leaseId());
    int ahead = ahead(members, wanted.get(), leader.get()).size();
    return ahead == 0 ? new Step.HandOver(master.get(), request) : new Step.Publish(request, ahead);
  }

  private static Optional<String> noSuchPod(Ask ask) {
    if (!ask.local() || ask.pod().isPresent()) {
      return Optional.empty();
    }
    return Optional.of(
        ask.target()
            + " is no pod of this group ("
            + ask.pods().stream().map(PodState::name).collect(Collectors.joining(", "))
            + "); name one of them; the master stays "
            + ask.master());
  }

  private static Optional<String> notReady(Ask ask) {
    return ask.pod()
        .filter(p -> !PodState.ready(p) || PodState.terminating(p))
        .map(
            p ->
                ask.target()
                    + " is not Ready; the master stays "
                    + ask.master()
                    + "; annotate again once kubectl get pod "
                    + ask.target()
                    + " shows it Ready");
  }

  private static Optional<String> excluded(Ask ask) {
    String pod = ask.target().substring(ask.target().indexOf('/') + 1);
    if (!ask.local() || !ask.excluded().containsKey(pod)) {
      return Optional.empty();
    }
    return Optional.of(
        pod
            + " never becomes master ("
            + ask.excluded().get(pod)
            + "); the master stays "
            + ask.master()
            + "; name another pod, or take it out of spec.election.neverMaster first");
  }

  private static Optional<String> notCampaigning(Ask ask) {
    if (ask.key().isPresent()) {
      return Optional.empty();
    }
    return Optional.of(
        ask.local()
            ? ask.target()
                + " is Ready but its agent does not campaign (no key of its own in the"
                + " election); the master stays "
                + ask.master()
                + "; check the agent's log (kubectl logs "
                + ask.target()
                + " -c halo-agent), then annotate again"
            : ask.target()
                + " is not campaigning (no such member, not Ready, or its site is held out);"
                + " the master stays "
                + ask.master());
  }

  private static Optional<String> busy(Ask ask) {
    return ask.busy()
        .map(
            b ->
                "another switchover is under way ("
                    + b
                    + "); the master stays "
                    + ask.master()
                    + " for now; annotate again once it is done");
  }

  /**
   * This site's standbys queued ahead of the member {@code request} names, which must queue again;
   * empty when that member does not campaign (any more) or a standby of this site is not ahead.
   */
  public static List<SiteQueue.Requeue> requeues(Membership members, SwitchoverRequest request) {
    Optional<Candidate> leader = members.leader();
    Optional<Candidate> wanted =
        members.view().candidates().stream()
            .filter(c -> c.leaseId() == request.targetLease())
            .findFirst();
    if (leader.isEmpty() || wanted.isEmpty()) {
      return List.of();
    }
    return ahead(members, wanted.get(), leader.get()).stream()
        .filter(c -> members.keysOf(c.member()).contains(c))
        .map(c -> new SiteQueue.Requeue(c, wanted.get(), leader.get()))
        .toList();
  }

  /**
   * Whether the master may hand over now, judged from the election alone (so that the watch event
   * that shows the queue ready acts before any reconcile): {@code request} is still published,
   * attached to the lease that leads, and the member it names is next in line, no other candidate
   * queued between the leader and it.
   */
  public static boolean handOverDue(ElectionView view, SwitchoverRequest request) {
    Optional<Candidate> leader = view.leader();
    if (!view.reachable()
        || !view.switchover().equals(Optional.of(request))
        || leader.filter(l -> l.leaseId() == request.masterLease()).isEmpty()) {
      return false;
    }
    return view.candidates().stream()
        .filter(c -> c.leaseId() == request.targetLease() && c.leaseId() != request.masterLease())
        .findFirst()
        .filter(wanted -> ahead(view.candidates(), wanted, leader.get()).isEmpty())
        .isPresent();
  }

  private static List<Candidate> ahead(Membership members, Candidate wanted, Candidate leader) {
    return ahead(members.view().candidates(), wanted, leader);
  }

  private static List<Candidate> ahead(
      List<Candidate> candidates, Candidate wanted, Candidate leader) {
    return candidates.stream()
        .filter(c -> !c.key().equals(leader.key()))
        .filter(c -> c.createRevision() < wanted.createRevision())
        .toList();
  }

  private static Optional<Candidate> find(
      Membership members, boolean local, String site, String pod) {
    if (local) {
      // The newest key: older ones of the same pod are left by an agent restart, and go.
      return Membership.newestFirst(members.keysOf(pod)).stream()
          .filter(c -> c.identity().flatMap(MemberIdentity::leftBecause).isEmpty())
          .findFirst();
    }
    return members.remote().stream()
        .filter(
            c ->
                c.identity()
                    .filter(i -> i.site().equals(site) && i.pod().equals(pod))
                    .map(MemberIdentity::pod)
                    .isPresent())
        .findFirst();
  }
}
