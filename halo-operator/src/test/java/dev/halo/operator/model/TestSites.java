package dev.halo.operator.model;

import static dev.halo.operator.model.TestPods.GROUP_UID;
import static dev.halo.operator.model.TestPods.uid;

import dev.halo.common.ElectionKeys;
import dev.halo.common.FenceValue;
import dev.halo.common.MemberIdentity;
import dev.halo.operator.election.Candidate;
import dev.halo.operator.election.ElectionView;
import dev.halo.operator.election.Fence;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;
import java.util.Optional;

/**
 * Keys of group "web" (TestPods) on site "paris" of the shared group "orders", and of members on
 * site "lyon", for pure tests.
 */
public final class TestSites {
  private TestSites() {}

  public static final String ELECTION = ElectionKeys.siteElectionName("orders");
  public static final String SITE = "paris";

  /** A key of this site's group "web" (its pod's identity, published on site paris). */
  public static Candidate local(String pod, long createRevision, long lease) {
    return new Candidate(key(lease), pod, createRevision, lease)
        .withIdentity(
            Optional.of(new MemberIdentity(pod, uid(pod), GROUP_UID).atSite(SITE, "10.0.0.1")));
  }

  /** A key of the group on site lyon: its pods may have the very same names. */
  public static Candidate remote(String pod, long createRevision, long lease) {
    return new Candidate(key(lease), pod, createRevision, lease)
        .withIdentity(
            Optional.of(
                new MemberIdentity(pod, "uid-lyon-" + pod, "uid-group-lyon")
                    .atSite("lyon", "10.9.0.7")));
  }

  /** A key of the group on site {@code site}, another than paris. */
  public static Candidate remoteAt(String site, String pod, long createRevision, long lease) {
    return new Candidate(key(lease), pod, createRevision, lease)
        .withIdentity(
            Optional.of(
                new MemberIdentity(pod, "uid-" + site + "-" + pod, "uid-group-" + site)
                    .atSite(site, "10.9.0.8")));
  }

  public static ElectionView view(Candidate... queue) {
    return new ElectionView(ELECTION, true, List.of(queue), 20, "");
  }

  public static Membership members(List<Pod> pods, ElectionView view) {
    return Membership.of("web", GROUP_UID, SITE, pods, view);
  }

  public static Fence fence(long lease, String groupUid) {
    return new Fence(
        ElectionKeys.fenceKey(ELECTION, lease),
        Optional.of(
            new FenceValue(
                lease,
                11,
                "web-0",
                "",
                groupUid,
                "podDeleted",
                3,
                FenceValue.FENCED,
                FenceValue.REVOKING)),
        0,
        30);
  }

  private static String key(long lease) {
    return ElectionKeys.candidateKey(ELECTION, lease);
  }
}
