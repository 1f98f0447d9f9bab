package dev.halo.bench;

import dev.halo.sandbox.EmbeddedApiServer;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Counts the operator's API requests (all but the bench's user agent) per verb and resource kind,
 * e.g. {@code PATCH pods}, since the last reset.
 */
final class RequestCounter implements Consumer<EmbeddedApiServer.ApiRequest> {
  private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
  private volatile long since = System.nanoTime();

  @Override
  public void accept(EmbeddedApiServer.ApiRequest r) {
    String who =
        r.userAgent() != null && r.userAgent().contains(ScaleBench.BENCH_USER_AGENT)
            ? "bench "
            : "";
    String path = r.uri().replaceAll("\\?.*", "");
    String[] parts = path.split("/");
    String kind = path;
    for (int i = 0; i < parts.length - 1; i++) {
      if (parts[i].equals("namespaces") && i + 2 < parts.length) {
        kind = parts[i + 2] + (i + 3 < parts.length ? "/name" : "");
        if (i + 4 < parts.length) {
          kind += "/" + parts[i + 4];
        }
      }
    }
    String verb = r.uri().contains("watch=true") ? "WATCH" : r.method();
    counts.computeIfAbsent(who + verb + " " + kind, k -> new AtomicLong()).incrementAndGet();
  }

  void reset() {
    counts.clear();
    since = System.nanoTime();
  }

  /**
   * The operator's requests (the bench's own left out) since the last reset, divided by {@code
   * groups}, per verb and kind and in all ({@code "total"}), to two decimals.
   */
  Map<String, Double> operatorPerGroup(int groups) {
    Map<String, Double> out = new TreeMap<>();
    long total = 0;
    for (Map.Entry<String, AtomicLong> e : counts.entrySet()) {
      if (!e.getKey().startsWith("bench ")) {
        total += e.getValue().get();
        out.put(e.getKey(), Math.round(100.0 * e.getValue().get() / groups) / 100.0);
      }
    }
    out.put("total", Math.round(100.0 * total / groups) / 100.0);
    return out;
  }

  Map<String, Double> perSecond() {
    double seconds = (System.nanoTime() - since) / 1e9;
    Map<String, Double> out = new TreeMap<>();
    counts.forEach((k, v) -> out.put(k, Math.round(10.0 * v.get() / seconds) / 10.0));
    return out;
  }
}
