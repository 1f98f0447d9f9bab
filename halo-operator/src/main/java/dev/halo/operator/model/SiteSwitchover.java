package dev.halo.operator.model;

import dev.halo.common.Annotations;
import dev.halo.common.MemberIdentity;
import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.SwitchoverRequest;
import java.util.List;
import java.util.Optional;

/**
 * A planned switchover of a group spread over sites to a named member on any site ({@value
 * Annotations#SWITCHOVER_TO} on the group of the master's site). Whoever is queued ahead of that
 * member must queue again first, each by its own site's operator, which learns of it from the
 * request in etcd ({@link SwitchoverRequest}); once the member is next in line the master steps
 * down, and the member is elected.
 */
public final class SiteSwitchover {
  private SiteSwitchover() {}

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

  /** The step for the request {@code target} ({@code <site>/<pod>}) on this site's group. */
  public static Step plan(Membership members, String target) {
    int slash = target.indexOf('/');
    if (members.site().isEmpty()) {
      return new Step.Refuse(
          "SwitchoverIgnored",
          "this group spans no sites; hand over with " + Annotations.SWITCHOVER + "=<master>");
    }
    if (slash <= 0 || slash == target.length() - 1) {
      return new Step.Refuse(
          "SwitchoverIgnored", "\"" + target + "\" is not <site>/<pod>, e.g. lyon/orders-lyon-1");
    }
    String site = target.substring(0, slash);
    String pod = target.substring(slash + 1);
    Optional<Candidate> leader = members.leader();
    if (leader.isEmpty()) {
      return new Step.Wait("no master yet");
    }
    Optional<Candidate> wanted = find(members, site, pod);
    if (wanted.filter(w -> w.key().equals(leader.get().key())).isPresent()) {
      return new Step.Done(target);
    }
    Optional<String> master = members.leaderPod();
    if (master.isEmpty()) {
      return new Step.Refuse(
          "SwitchoverIgnored",
          "the master is not on this site ("
              + members.site().get()
              + "): annotate the group of the master's site");
    }
    if (wanted.isEmpty()) {
      return new Step.Refuse(
          "SwitchoverRefused",
          target
              + " is not campaigning (no such member, not Ready, or its site is held out);"
              + " the master stays "
              + master.get());
    }
    SwitchoverRequest request =
        new SwitchoverRequest(site, pod, wanted.get().leaseId(), leader.get().leaseId());
    int ahead = ahead(members, wanted.get(), leader.get()).size();
    return ahead == 0 ? new Step.HandOver(master.get(), request) : new Step.Publish(request, ahead);
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
    if (leader.isEmpty() || wanted.isEmpty() || members.site().isEmpty()) {
      return List.of();
    }
    return ahead(members, wanted.get(), leader.get()).stream()
        .filter(c -> members.keysOf(c.member()).contains(c))
        .map(c -> new SiteQueue.Requeue(c, wanted.get(), leader.get()))
        .toList();
  }

  private static List<Candidate> ahead(Membership members, Candidate wanted, Candidate leader) {
    return members.view().candidates().stream()
        .filter(c -> !c.key().equals(leader.key()))
        .filter(c -> c.createRevision() < wanted.createRevision())
        .toList();
  }

  private static Optional<Candidate> find(Membership members, String site, String pod) {
    if (members.site().filter(site::equals).isPresent()) {
      return members.keysOf(pod).stream().findFirst();
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
