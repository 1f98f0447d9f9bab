package dev.halo.operator.model;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.api.v1alpha1.HighAvailabilityGroupSpec;
import dev.halo.api.v1alpha1.RemoteMaster;
import dev.halo.api.v1alpha1.SiteSpec;
import dev.halo.common.MemberIdentity;
import dev.halo.operator.election.Candidate;
import java.util.Optional;

/**
 * Where this site's master Service sends traffic: to this site's master by its selector, or, in
 * {@code spec.site.remoteMasterService: EndpointSlice}, to the master of another site through an
 * EndpointSlice the operator keeps (docs/multi-site.md).
 */
public sealed interface MasterRoute {
  /** The default mode: the master Service has no endpoints while the master is remote. */
  String NONE = "None";

  /** The mode in which the master Service follows a remote master through an EndpointSlice. */
  String ENDPOINT_SLICE = "EndpointSlice";

  /** The Service selects this site's master (when there is one here). */
  record Selector() implements MasterRoute {}

  /** The Service has no selector; an EndpointSlice lists {@code master}'s address. */
  record Remote(RemoteMaster master) implements MasterRoute {}

  /**
   * The route for the group as labelled: remote only in EndpointSlice mode, with a remote master
   * that published an address, and when no pod of this site carries the master label any more
   * (demote before routing elsewhere).
   */
  static MasterRoute of(
      HighAvailabilityGroup hag, Membership members, Optional<String> labelledMaster) {
    if (!endpointSliceMode(hag.getSpec()) || labelledMaster.isPresent()) {
      return new Selector();
    }
    return remoteLeader(members, Optional.empty())
        .map(MasterRoute::remoteMaster)
        .filter(m -> m.getAddress() != null && !m.getAddress().isBlank())
        .<MasterRoute>map(Remote::new)
        .orElseGet(Selector::new);
  }

  /** Whether the group asks for {@code remoteMasterService: EndpointSlice}. */
  static boolean endpointSliceMode(HighAvailabilityGroupSpec spec) {
    return GroupElection.site(spec)
        .map(SiteSpec::getRemoteMasterService)
        .filter(ENDPOINT_SLICE::equals)
        .isPresent();
  }

  /**
   * The election's leader when it is another site's member that no fence holds back and this site
   * has no {@code master} of its own: the group's master, on another site.
   */
  static Optional<Candidate> remoteLeader(Membership members, Optional<String> master) {
    if (!members.view().reachable() || master.isPresent()) {
      return Optional.empty();
    }
    return members.remoteLeader().filter(l -> RoleAssignment.fenced(members).isEmpty());
  }

  /** A remote member as the status and the EndpointSlice name it. */
  static RemoteMaster remoteMaster(Candidate c) {
    MemberIdentity id = c.identity().orElseThrow();
    return new RemoteMaster(id.pod(), id.site(), id.address());
  }
}
