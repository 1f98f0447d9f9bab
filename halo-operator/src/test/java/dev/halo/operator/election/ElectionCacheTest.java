package dev.halo.operator.election;

import static org.assertj.core.api.Assertions.assertThat;

import dev.halo.common.ElectionKeys;
import dev.halo.common.FenceValue;
import dev.halo.common.MemberIdentity;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ElectionCacheTest {
  private static final String WEB = "/halo/shop/web/election";
  private static final String DB = "/halo/shop/db/election";

  private final ElectionCache cache = new ElectionCache();

  @Test
  void aCandidateKeyBelongsToItsParentElection() {
    assertThat(ElectionCache.electionOf(WEB + "/694d7a1c2b3e0100")).contains(WEB);
    assertThat(ElectionCache.electionOf(WEB)).isEmpty();
    assertThat(ElectionCache.electionOf(WEB + "/")).isEmpty();
    assertThat(ElectionCache.electionOf("/halo/shop/web/config/1")).isEmpty();
    assertThat(ElectionCache.electionOf("/other/shop/web/election/1")).isEmpty();
  }

  private static Fence fence(String election, long lease, String state, long modRevision) {
    return new Fence(
        ElectionKeys.fenceKey(election, lease),
        Optional.of(
            new FenceValue(lease, 11, "web-0", "", "", "podDeleted", 3, FenceValue.FENCED, state)),
        state.equals(FenceValue.ARMED) ? 0x777 : 0,
        modRevision);
  }

  @Test
  void fencesAreKeptWithTheirElectionAndTheirGoingIsTimed() {
    cache.put(candidate(WEB, "b", "web-1", 12), 12);
    assertThat(cache.putFence(fence(WEB, 0xa, FenceValue.REVOKING, 20))).contains(WEB);
    assertThat(cache.putFence(fence(WEB, 0xa, FenceValue.ARMED, 21))).contains(WEB);

    assertThat(cache.get(WEB).orElseThrow().fences())
        .singleElement()
        .satisfies(f -> assertThat(f.unfinished()).isFalse());
    cache.watched(5_000);
    assertThat(cache.delete(ElectionKeys.fenceKey(WEB, 0xa), 30)).contains(WEB);
    cache.settle();

    ElectionCache.Entry entry = cache.get(WEB).orElseThrow();
    assertThat(entry.fences()).isEmpty();
    assertThat(entry.fenceGoneAtMillis()).hasValue(5_000);
    assertThat(entry.candidates()).extracting(Candidate::member).containsExactly("web-1");
  }

  @Test
  void anElectionWithoutCandidatesStillShowsItsFences() {
    cache.putFence(fence(WEB, 0xa, FenceValue.REVOKING, 20));

    assertThat(cache.get(WEB).orElseThrow().fences()).hasSize(1);
    assertThat(cache.get(WEB).orElseThrow().candidates()).isEmpty();
    assertThat(cache.get(DB)).isEmpty();
  }

  @Test
  void aFullReadReplacesTheFencesAndNamesTheElectionsWhoseFencesChanged() {
    cache.put(candidate(WEB, "b", "web-1", 12), 12);
    cache.put(candidate(DB, "c", "db-0", 13), 13);
    cache.putFence(fence(WEB, 0xa, FenceValue.ARMED, 21));

    var changed =
        cache.replaceAll(
            List.of(candidate(WEB, "b", "web-1", 12), candidate(DB, "c", "db-0", 13)),
            List.of(),
            List.of(fence(DB, 0xb, FenceValue.REVOKING, 40)),
            40);

    assertThat(changed).containsExactlyInAnyOrder(WEB, DB);
    assertThat(cache.get(WEB).orElseThrow().fences()).isEmpty();
    assertThat(cache.get(DB).orElseThrow().fences())
        .singleElement()
        .satisfies(f -> assertThat(f.unfinished()).isTrue());
  }

  @Test
  void candidatesAreKeptInCreateRevisionOrder() {
    cache.put(candidate(WEB, "b", "web-1", 12), 12);
    cache.put(candidate(WEB, "a", "web-0", 11), 13);

    assertThat(cache.get(WEB).orElseThrow().candidates())
        .extracting(Candidate::member)
        .containsExactly("web-0", "web-1");
    assertThat(cache.get(WEB).orElseThrow().revision()).isEqualTo(13);
  }

  @Test
  void aDeleteRemovesTheKeyAndNamesItsElection() {
    cache.put(candidate(WEB, "a", "web-0", 11), 11);
    cache.put(candidate(WEB, "b", "web-1", 12), 12);

    assertThat(cache.delete(WEB + "/a", 13)).contains(WEB);

    assertThat(cache.get(WEB).orElseThrow().candidates())
        .extracting(Candidate::member)
        .containsExactly("web-1");
  }

  @Test
  void keysOutsideElectionsAreIgnored() {
    assertThat(cache.put(new Candidate("/halo/shop/web/config", "x", 5, 0), 5)).isEmpty();
    assertThat(cache.delete("/halo/shop/web/config", 6)).isEmpty();
    assertThat(cache.tracked()).isEmpty();
  }

  @Test
  void aStepDownRequestUnderTheGroupPrefixIsNeitherACandidateNorAMember() {
    String request = ElectionKeys.stepDownKey(WEB, 0xa);
    cache.put(new Candidate(WEB + "/a", "web-0", 11, 0xa), 11);

    assertThat(ElectionCache.electionOf(request)).isEmpty();
    assertThat(ElectionKeys.electionOfMemberKey(request)).isEmpty();
    assertThat(cache.put(new Candidate(request, "switchover", 12, 0xa), 12)).isEmpty();
    assertThat(cache.delete(request, 13)).isEmpty();
    // A full read hands every key under /halo/ over, the request among the candidates.
    Candidate a = cache.get(WEB).orElseThrow().candidates().get(0);
    assertThat(
            cache.replaceAll(
                List.of(a, new Candidate(request, "switchover", 12, 0xa)), List.of(), 14))
        .isEmpty();

    assertThat(cache.get(WEB).orElseThrow().candidates())
        .extracting(Candidate::key)
        .containsExactly(WEB + "/a");
    assertThat(cache.tracked()).containsExactly(WEB);
  }

  @Test
  void anElectionNobodyAskedForIsDroppedOnceEmptyButARequestedOneStays() {
    cache.request(WEB);
    cache.put(candidate(WEB, "a", "web-0", 11), 11);
    cache.put(candidate(DB, "a", "db-0", 12), 12);

    cache.delete(WEB + "/a", 13);
    cache.delete(DB + "/a", 14);

    assertThat(cache.tracked()).containsExactly(WEB);
    assertThat(cache.get(WEB).orElseThrow().candidates()).isEmpty();
    assertThat(cache.get(WEB).orElseThrow().revision()).isEqualTo(13);
  }

  @Test
  void aFullReadReportsOnlyTheElectionsThatChanged() {
    cache.request(DB);
    cache.put(candidate(WEB, "a", "web-0", 11), 11);
    cache.put(candidate(DB, "a", "db-0", 12), 12);
    String cart = "/halo/shop/cart/election";

    var changed =
        cache.replaceAll(
            List.of(candidate(WEB, "a", "web-0", 11), candidate(cart, "c", "cart-0", 20)),
            List.of(),
            30);

    assertThat(changed).containsExactlyInAnyOrder(DB, cart);
    assertThat(cache.get(WEB).orElseThrow().revision()).isEqualTo(11);
    assertThat(cache.get(DB).orElseThrow().candidates()).isEmpty();
    assertThat(cache.get(cart).orElseThrow().revision()).isEqualTo(30);
  }

  @Test
  void forgettingAnEmptyElectionStopsTrackingIt() {
    cache.request(WEB);

    cache.forget(WEB);

    assertThat(cache.tracked()).isEmpty();
  }

  @Test
  void aCandidateCarriesTheIdentityPublishedUnderItsOwnLease() {
    MemberIdentity web0 = new MemberIdentity("web-0", "uid-web-0", "uid-group");
    cache.put(new Candidate(WEB + "/a", "web-0", 11, 0xa), 11);
    cache.put(new Candidate(WEB + "/b", "web-1", 12, 0xb), 12);

    assertThat(cache.putMember(new ElectionCache.Member("/halo/shop/web/members/a", web0, 0xa), 13))
        .contains(WEB);
    // Named after lease b but attached to lease a: only a's holder can have written it.
    cache.putMember(new ElectionCache.Member("/halo/shop/web/members/b", web0, 0xa), 14);

    assertThat(cache.get(WEB).orElseThrow().candidates())
        .extracting(Candidate::identity)
        .containsExactly(Optional.of(web0), Optional.empty());
    assertThat(cache.get(WEB).orElseThrow().revision()).isEqualTo(14);
  }

  @Test
  void deletingAMemberKeyRemovesTheIdentity() {
    MemberIdentity web0 = new MemberIdentity("web-0", "uid-web-0", "uid-group");
    cache.put(new Candidate(WEB + "/a", "web-0", 11, 0xa), 11);
    cache.putMember(new ElectionCache.Member("/halo/shop/web/members/a", web0, 0xa), 11);

    assertThat(cache.delete("/halo/shop/web/members/a", 15)).contains(WEB);

    assertThat(cache.get(WEB).orElseThrow().candidates().get(0).identity()).isEmpty();
  }

  @Test
  void aFullReadReportsElectionsWhoseIdentitiesChanged() {
    MemberIdentity web0 = new MemberIdentity("web-0", "uid-web-0", "uid-group");
    Candidate key = new Candidate(WEB + "/a", "web-0", 11, 0xa);
    cache.replaceAll(List.of(key), List.of(), 20);

    var changed =
        cache.replaceAll(
            List.of(key),
            List.of(new ElectionCache.Member("/halo/shop/web/members/a", web0, 0xa)),
            21);

    assertThat(changed).containsExactly(WEB);
    assertThat(cache.get(WEB).orElseThrow().candidates().get(0).identity()).contains(web0);
  }

  @Test
  void aKeyDeletedWithItsMarkedIdentityLeftOnItsOwn() {
    MemberIdentity web0 = new MemberIdentity("web-0", "p0", "g");
    cache.put(leased(WEB, "a", "web-0", 11), 11);
    cache.putMember(new ElectionCache.Member("/halo/shop/web/members/a", web0, 0xa), 11);
    cache.put(leased(WEB, "b", "web-1", 12), 12);

    cache.watched(5_000);
    cache.putMember(
        new ElectionCache.Member(
            "/halo/shop/web/members/a", web0.leaving(MemberIdentity.RESIGNED), 0xa),
        20);
    cache.delete(WEB + "/a", 20);
    cache.delete("/halo/shop/web/members/a", 21); // the revoke that follows
    cache.settle();

    ElectionCache.Entry entry = cache.get(WEB).orElseThrow();
    assertThat(entry.departures())
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.how()).isEqualTo(KeyDeparture.How.MARKED);
              assertThat(d.left()).isEqualTo("resigned");
              assertThat(d.wasLeader()).isTrue();
              assertThat(d.seenAtMillis()).isEqualTo(5_000);
              assertThat(d.member()).isEqualTo("web-0");
            });
    assertThat(entry.leaderSince().orElseThrow().key()).isEqualTo(WEB + "/b");
    assertThat(entry.leaderSince().orElseThrow().seenAtMillis()).hasValue(5_000);
  }

  @Test
  void aKeyThatWentWithItsIdentityAtTheSameRevisionWentWithItsLease() {
    MemberIdentity web0 = new MemberIdentity("web-0", "p0", "g");
    cache.put(leased(WEB, "a", "web-0", 11), 11);
    cache.putMember(new ElectionCache.Member("/halo/shop/web/members/a", web0, 0xa), 11);

    cache.watched(7_000);
    cache.delete("/halo/shop/web/members/a", 30);
    cache.delete(WEB + "/a", 30);
    cache.settle();

    assertThat(cache.get(WEB)).isEmpty();
    cache.request(WEB);
    cache.put(leased(WEB, "b", "web-1", 12), 31);
    assertThat(cache.get(WEB).orElseThrow().departures())
        .singleElement()
        .satisfies(d -> assertThat(d.how()).isEqualTo(KeyDeparture.How.WITH_LEASE));
  }

  @Test
  void aDepartureCarriesTheSiteItsIdentityNamed() {
    MemberIdentity web0 = new MemberIdentity("web-0", "p0", "g").atSite("lyon", "10.2.0.7");
    cache.put(leased(WEB, "a", "web-0", 11), 11);
    cache.putMember(new ElectionCache.Member("/halo/shop/web/members/a", web0, 0xa), 11);
    cache.put(leased(WEB, "b", "web-1", 12), 12);

    cache.watched(9_000);
    cache.delete("/halo/shop/web/members/a", 40);
    cache.delete(WEB + "/a", 40);
    cache.settle();

    assertThat(cache.get(WEB).orElseThrow().departures())
        .singleElement()
        .satisfies(d -> assertThat(d.site()).isEqualTo("lyon"));
  }

  @Test
  void aKeyDeletedAloneWithoutAMarkWasDeleted() {
    MemberIdentity web0 = new MemberIdentity("web-0", "p0", "g");
    cache.put(leased(WEB, "a", "web-0", 11), 11);
    cache.putMember(new ElectionCache.Member("/halo/shop/web/members/a", web0, 0xa), 11);
    cache.put(leased(WEB, "b", "web-1", 12), 12);

    cache.watched(9_000);
    cache.delete(WEB + "/a", 40);
    cache.delete("/halo/shop/web/members/a", 41);
    cache.settle();

    assertThat(cache.get(WEB).orElseThrow().departures())
        .singleElement()
        .satisfies(d -> assertThat(d.how()).isEqualTo(KeyDeparture.How.DELETED));
  }

  @Test
  void aLeaderFoundByAFullReadHasNoKnownArrival() {
    cache.replaceAll(List.of(candidate(WEB, "b", "web-1", 12)), List.of(), 50);

    assertThat(cache.get(WEB).orElseThrow().leaderSince().orElseThrow().seenAtMillis()).isEmpty();
    assertThat(cache.get(WEB).orElseThrow().departures()).isEmpty();
  }

  /** A candidate whose key names its lease, as agents write them. */
  private static Candidate leased(String election, String lease, String member, long created) {
    return new Candidate(election + "/" + lease, member, created, Long.parseLong(lease, 16));
  }

  private static Candidate candidate(String election, String lease, String member, long created) {
    return new Candidate(election + "/" + lease, member, created, 0);
  }
}
