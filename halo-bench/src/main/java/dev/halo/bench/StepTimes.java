package dev.halo.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Percentiles of one step's samples, taken in microseconds and given in ms with two decimals. */
record StepTimes(int n, double minMs, double p50Ms, double p99Ms, double maxMs) {

  static StepTimes ofMicros(List<Long> micros) {
    Stats s = Stats.of(micros); // nearest-rank over the microseconds
    return new StepTimes(s.n(), ms(s.minMs()), ms(s.p50Ms()), ms(s.p99Ms()), ms(s.maxMs()));
  }

  private static double ms(long micros) {
    return FloorChains.round(micros / 1000.0, 2);
  }

  Map<String, Object> asMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("n", n);
    m.put("minMs", minMs);
    m.put("p50Ms", p50Ms);
    m.put("p99Ms", p99Ms);
    m.put("maxMs", maxMs);
    return m;
  }
}
