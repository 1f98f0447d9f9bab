package dev.halo.bench;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.Labels;
import dev.halo.sandbox.EmbeddedApiServer;
import dev.halo.sandbox.EtcdCluster;
import dev.halo.sandbox.LocalKubelet;
import dev.halo.sandbox.Sandbox;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The operator's footprint at idle: {@code java -jar halo.jar operator} as its own process with the
 * chart's JVM options (heap capped as MaxRAMPercentage=70 of the chart's 512 MiB limit), on the
 * embedded API server and a 1-member etcd, with 1 and then 10 groups of 3 pods whose agents run in
 * this JVM (LocalKubelet IN_PROCESS, so they do not count against the operator). After every group
 * has a labelled master and a settle time: RSS (VmRSS), heap used (jcmd GC.heap_info) and CPU over
 * the settle window. Writes target/bench/operator.json.
 */
public final class OperatorBench {
  public static void main(String[] args) {
    Mains.exitWith("bench: operator", () -> run(args));
  }

  private static int run(String[] args) throws Exception {
    boolean quick = List.of(args).contains("--quick");
    Duration settle = Duration.ofSeconds(quick ? 10 : 20);
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("jvmOptions", OperatorProcess.JVM_OPTIONS);
    doc.put(
        "setup",
        "operator as its own process, leader election off, etcd 1 member; agents in-process in the"
            + " bench JVM; settle "
            + settle.toSeconds()
            + " s after every group is labelled");
    try (EmbeddedApiServer api = EmbeddedApiServer.start();
        EtcdCluster etcd = EtcdCluster.start(1);
        LocalKubelet kubelet =
            LocalKubelet.start(
                api.client(), Sandbox.NAMESPACE, etcd, LocalKubelet.AgentMode.IN_PROCESS);
        OperatorProcess operator =
            OperatorProcess.start(api, Sandbox.NAMESPACE, etcd.endpoints())) {
      List<Map<String, Object>> points = new ArrayList<>();
      int created = 0;
      for (int groups : List.of(1, 10)) {
        for (; created < groups; created++) {
          createGroup(api, "idle-" + created);
        }
        long t0 = System.nanoTime();
        int want = groups;
        BenchRig.await(
            "every group labelled", Duration.ofSeconds(180), 200, () -> labelled(api) == want);
        long labelledMs = (System.nanoTime() - t0) / 1_000_000;
        double cpuPercent = operator.cpuPercentOver(settle.toMillis());
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("groups", groups);
        p.put("pods", groups * 3);
        p.put("allLabelledAfterMs", labelledMs);
        p.put("rssMiB", operator.rssKib() / 1024);
        p.put("heapUsedMiB", operator.heapUsedKib() / 1024);
        p.put("cpuPercentOfOneCore", cpuPercent);
        points.add(p);
        System.out.println("bench: operator idle " + p);
      }
      doc.put("idle", points);
    }
    System.out.println("wrote " + BenchReport.write("operator.json", doc));
    return 0;
  }

  private static void createGroup(EmbeddedApiServer api, String name) throws IOException {
    HighAvailabilityGroup hag = Sandbox.exampleGroup(name, Sandbox.NAMESPACE);
    api.client().resource(hag).create();
  }

  private static long labelled(EmbeddedApiServer api) {
    return api.client()
        .pods()
        .inNamespace(Sandbox.NAMESPACE)
        .withLabel(Labels.ROLE, Labels.ROLE_MASTER)
        .list()
        .getItems()
        .size();
  }
}
