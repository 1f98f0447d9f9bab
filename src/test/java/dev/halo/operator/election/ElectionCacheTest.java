package dev.halo.operator.election;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
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
            List.of(candidate(WEB, "a", "web-0", 11), candidate(cart, "c", "cart-0", 20)), 30);

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

  private static Candidate candidate(String election, String lease, String member, long created) {
    return new Candidate(election + "/" + lease, member, created, 0);
  }
}
