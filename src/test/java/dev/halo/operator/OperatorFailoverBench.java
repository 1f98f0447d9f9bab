package dev.halo.operator;

import static org.awaitility.Awaitility.await;

import dev.halo.bench.BenchReport;
import dev.halo.bench.Stats;
import dev.halo.sandbox.EtcdCluster;
import dev.halo.sandbox.LocalKubelet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;

/**
 * Measures failover through the operator, on the test harness (mock API server, real etcd, real
 * agent processes): time from the master's agent being killed (kill -9) or its pod being deleted
 * until another pod carries {@code halo.dev/role=master}, TTL 2 s. Writes
 * target/bench/operator-failover.json. Run by {@code make bench}.
 */
public final class OperatorFailoverBench {
  public static void main(String[] args) throws Exception {
    int rounds = List.of(args).contains("--quick") ? 3 : 10;
    Awaitility.ignoreExceptionsByDefault();
    try (EtcdCluster etcd = EtcdCluster.start(1);
        OperatorHarness h = new OperatorHarness(etcd)) {
      Map<String, Object> figures = new LinkedHashMap<>();
      figures.put("ttlSeconds", 2);
      figures.put("agentCrash", run(h, rounds, true));
      figures.put("podDelete", run(h, rounds, false));
      System.out.println("wrote " + BenchReport.write("operator-failover.json", figures));
      System.out.println(figures);
    }
    System.exit(0);
  }

  private static Map<String, Object> run(OperatorHarness h, int rounds, boolean crash) {
    String ns = h.newNamespace();
    List<Long> millis = new ArrayList<>();
    int dual = 0;
    try (LocalKubelet kubelet = h.kubelet(ns, LocalKubelet.AgentMode.PROCESS)) {
      h.create(h.group(ns, "bench"));
      for (int i = 0; i < rounds; i++) {
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () ->
                    h.pods(ns, "bench").size() == 3
                        && h.get(ns, "bench").getStatus().getMembers().stream()
                            .allMatch(m -> m.getCampaigning() && m.getReady()));
        String old = h.awaitAgreedMaster(ns, "bench", Duration.ofSeconds(30));
        try (LabelSampler sampler = new LabelSampler(h, ns, "bench")) {
          long start = System.nanoTime();
          if (crash) {
            kubelet.crashAgent(old);
          } else {
            h.client.pods().inNamespace(ns).withName(old).delete();
          }
          await()
              .atMost(Duration.ofSeconds(30))
              .pollInterval(Duration.ofMillis(5))
              .until(
                  () -> {
                    List<String> m = h.labelledMasters(ns, "bench");
                    return m.size() == 1 && !m.get(0).equals(old);
                  });
          millis.add((System.nanoTime() - start) / 1_000_000);
          dual += sampler.violations().size();
        }
        if (crash) {
          kubelet.restartAgent(old);
        }
      }
    }
    Map<String, Object> m = new LinkedHashMap<>(Stats.of(millis).asMap());
    m.put("dualMasterObservations", dual);
    m.put("samplesMs", millis);
    return m;
  }
}
