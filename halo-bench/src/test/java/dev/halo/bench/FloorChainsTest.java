package dev.halo.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.halo.bench.FloorChains.Chain;
import dev.halo.bench.FloorChains.Term;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FloorChainsTest {
  private static final Map<String, Double> P50 =
      Map.of(
          FloorChains.ETCD_PUT, 2.0,
          FloorChains.ETCD_RANGE, 1.0,
          FloorChains.ETCD_REVOKE, 3.0,
          FloorChains.ETCD_WATCH_EVENT, -0.5,
          FloorChains.API_PATCH, 10.0,
          FloorChains.API_WATCH_EVENT, 1.0,
          FloorChains.PROXY_UPDATE, 4.0);

  @SuppressWarnings("unchecked")
  private static Map<String, Object> chain(Map<String, Object> figures, String scenario) {
    return (Map<String, Object>) figures.get(scenario);
  }

  @Test
  void theFloorIsTheSumOfEachStepsP50TimesItsCountAndHaloIsDividedByIt() {
    Map<String, Object> series =
        Map.of("switchover", Map.of("faultToTraffic", Map.of("p50Ms", 240, "p99Ms", 423)));

    Map<String, Object> figures = FloorChains.figures(5, P50, series);

    // annotation patch 10 + its event 1 + put 2 + event -0.5 + revoke 3 + event -0.5
    // + 2 label patches 20 + proxy 4
    Map<String, Object> switchover = chain(figures, "switchover");
    assertThat(switchover)
        .containsEntry("floorMs", 39.0)
        .containsEntry("halo", "switchover.faultToTraffic")
        .containsEntry("haloP50Ms", 240L)
        .containsEntry("haloP99Ms", 423L)
        .containsEntry("haloDividedByFloor", 6.2);
    // the lease's TTL itself, then the relabelling and the proxy
    assertThat(chain(figures, "crash")).containsEntry("floorMs", 5024.0);
    assertThat(chain(FloorChains.figures(2, P50, Map.of()), "crash"))
        .containsEntry("floorMs", 2024.0);
    assertThat(chain(figures, "labelConvergence")).containsEntry("floorMs", 24.0);
  }

  @Test
  void withoutHaloFiguresTheFloorStandsAlone() {
    Map<String, Object> podDelete = chain(FloorChains.figures(5, P50, Map.of()), "podDelete");

    assertThat(podDelete).containsKeys("steps", "floorMs").doesNotContainKey("haloDividedByFloor");
  }

  @Test
  void everyScenarioEndsWithDemoteThenPromoteAndTheProxysUpdate() {
    List<Chain> chains = FloorChains.chains(5);

    assertThat(chains)
        .extracting(Chain::scenario)
        .containsExactly(
            "crash", "podFailure", "podDelete", "switchover", "switchoverTo", "labelConvergence");
    for (Chain chain : chains) {
      List<Term> terms = chain.terms();
      assertThat(terms.get(terms.size() - 2))
          .extracting(Term::step, Term::times)
          .containsExactly(FloorChains.API_PATCH, 2);
      assertThat(terms.get(terms.size() - 1).step()).isEqualTo(FloorChains.PROXY_UPDATE);
    }
  }

  @Test
  void aSwitchoverToTheMemberQueuedLastWaitsForTheStandbyAheadAndTheMasterToGiveUpTheirKeys() {
    Chain switchoverTo =
        FloorChains.chains(5).stream()
            .filter(c -> c.scenario().equals("switchoverTo"))
            .findFirst()
            .orElseThrow();

    assertThat(switchoverTo.haloFigure()).isEqualTo("faultToServing");
    assertThat(switchoverTo.terms())
        .filteredOn(t -> t.step().equals(FloorChains.ETCD_REVOKE))
        .hasSize(2);
    assertThat(switchoverTo.terms())
        .filteredOn(t -> t.step().equals(FloorChains.ETCD_WATCH_EVENT))
        .hasSize(3);
  }

  @Test
  void aStepThatWasNotMeasuredIsNamed() {
    Chain podFailure = FloorChains.chains(5).get(1);

    assertThatThrownBy(() -> FloorChains.floorMs(podFailure, Map.of(FloorChains.API_PATCH, 1.0)))
        .hasMessageContaining("podFailure")
        .hasMessageContaining(FloorChains.API_WATCH_EVENT);
  }

  @Test
  void theReportShowsEachChainItsFloorAndHaloDividedByIt() throws Exception {
    Map<String, Object> doc =
        Map.of(
            "setup",
            Map.of("rig", "the rig", "definitions", Map.of("apiPatch", "one patch")),
            "haloFigures",
            "failover.json of this run",
            "steps",
            Map.of("apiPatch", Map.of("n", 50, "p50Ms", 10.0, "p99Ms", 31.5, "maxMs", 40.25)),
            "chains",
            Map.of(
                "ttl5",
                FloorChains.figures(
                    5,
                    P50,
                    Map.of(
                        "crash", Map.of("labelConvergence", Map.of("p50Ms", 130, "p99Ms", 251))))));

    String md = FloorSummary.markdown(new ObjectMapper().valueToTree(doc));

    assertThat(md)
        .contains("| apiPatch | 50 | 10 / 32 / 40 | one patch |")
        .contains(
            "| labelConvergence | 2 × apiPatch + proxyUpdate | 24 | crash.labelConvergence |"
                + " 130 / 251 | 5.4 |")
        .contains("| crash | leaseTtl5 + 2 × apiPatch + proxyUpdate | 5024 | - | - | - |");
  }
}
