package dev.halo.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Percentiles of a list of measurements in milliseconds (nearest-rank). */
public record Stats(int n, long minMs, long p50Ms, long p99Ms, long maxMs) {

  public static Stats of(List<Long> millis) {
    if (millis.isEmpty()) {
      throw new IllegalArgumentException("no measurements");
    }
    List<Long> sorted = new ArrayList<>(millis);
    Collections.sort(sorted);
    return new Stats(
        sorted.size(),
        sorted.get(0),
        rank(sorted, 50),
        rank(sorted, 99),
        sorted.get(sorted.size() - 1));
  }

  private static long rank(List<Long> sorted, int percentile) {
    int index = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }

  public Map<String, Object> asMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("n", n);
    m.put("minMs", minMs);
    m.put("p50Ms", p50Ms);
    m.put("p99Ms", p99Ms);
    m.put("maxMs", maxMs);
    return m;
  }
}
