package dev.halo.bench;

import dev.halo.bench.FailoverBench.Round;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/** The failover report's figures per scenario, and reading them back. */
final class FailoverFigures {
  private FailoverFigures() {}

  static Map<String, Object> of(
      List<Round> rounds, List<String> failures, List<String> dualMasters) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("n", rounds.size());
    if (!rounds.isEmpty()) {
      String scenario = rounds.get(0).scenario();
      if (scenario.equals(FailoverBench.Scenario.switchover.name())
          || scenario.equals(FailoverBench.Scenario.switchoverTo.name())) {
        m.put("requestToStepDown", stats(rounds, Round::requestToStepDownMs));
      }
      m.put("faultToKeyLost", stats(rounds, Round::faultToKeyLostMs));
      m.put("electionHandover", stats(rounds, Round::electionHandoverMs));
      m.put("takeover", stats(rounds, Round::takeoverMs));
      m.put("labelConvergence", stats(rounds, Round::labelConvergenceMs));
      m.put("faultToTraffic", stats(rounds, Round::faultToTrafficMs));
      m.put("clientGap", stats(rounds, Round::clientGapMs));
      m.put("faultToServing", stats(rounds, Round::faultToServingMs));
      List<Long> failed = rounds.stream().map(r -> (long) r.failedRequests()).toList();
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("total", failed.stream().mapToLong(Long::longValue).sum());
      f.put("perHandover", Stats.of(failed).asMap());
      m.put("failedRequests", f);
    }
    m.put("dualMasterObservations", dualMasters.size());
    m.put("dualMasterDetails", dualMasters.stream().limit(20).toList());
    m.put("failedRounds", failures);
    m.put("rounds", rounds);
    return m;
  }

  private static Map<String, Object> stats(List<Round> rounds, ToLongFunction<Round> f) {
    return Stats.of(rounds.stream().map(r -> f.applyAsLong(r)).toList()).asMap();
  }

  static Map<String, Object> nested(Map<String, Object> m, String... keys) {
    Object o = m;
    for (String k : keys) {
      o = o instanceof Map<?, ?> map ? map.get(k) : null;
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> result = o instanceof Map<?, ?> ? (Map<String, Object>) o : new HashMap<>();
    return result;
  }
}
