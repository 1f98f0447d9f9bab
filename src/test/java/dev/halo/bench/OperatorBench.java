package dev.halo.bench;

import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.Labels;
import dev.halo.sandbox.AgentProcess;
import dev.halo.sandbox.EmbeddedApiServer;
import dev.halo.sandbox.EtcdCluster;
import dev.halo.sandbox.Http;
import dev.halo.sandbox.LocalKubelet;
import dev.halo.sandbox.Sandbox;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The operator's footprint at idle: {@code java -jar halo.jar operator} as its own process with the
 * chart's JVM options (heap capped as MaxRAMPercentage=70 of the chart's 512 MiB limit), on the
 * embedded API server and a 1-member etcd, with 1 and then 10 groups of 3 pods whose agents run in
 * this JVM (LocalKubelet IN_PROCESS, so they do not count against the operator). After every group
 * has a labelled master and a settle time: RSS (VmRSS), heap used (jcmd GC.heap_info) and CPU over
 * the settle window. Writes target/bench/operator.json.
 */
public final class OperatorBench {
  private static final List<String> OPERATOR_JVM_OPTIONS =
      List.of("-Xmx358m", "-XX:+ExitOnOutOfMemoryError");

  public static void main(String[] args) throws Exception {
    boolean quick = List.of(args).contains("--quick");
    Duration settle = Duration.ofSeconds(quick ? 10 : 20);
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("jvmOptions", OPERATOR_JVM_OPTIONS);
    doc.put(
        "setup",
        "operator as its own process, leader election off, etcd 1 member; agents in-process in the"
            + " bench JVM; settle "
            + settle.toSeconds()
            + " s after every group is labelled");
    Path dir = Files.createTempDirectory("halo-operator-bench-");
    try (EmbeddedApiServer api = EmbeddedApiServer.start();
        EtcdCluster etcd = EtcdCluster.start(1);
        LocalKubelet kubelet =
            LocalKubelet.start(
                api.client(), Sandbox.NAMESPACE, etcd, LocalKubelet.AgentMode.IN_PROCESS)) {
      Path kubeconfig = dir.resolve("kubeconfig");
      api.writeKubeconfig(kubeconfig);
      int port = Http.freePort();
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(OPERATOR_JVM_OPTIONS);
      command.addAll(List.of("-jar", AgentProcess.jar().toString(), "operator"));
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
      pb.redirectOutput(dir.resolve("operator.log").toFile());
      pb.environment().put("KUBECONFIG", kubeconfig.toString());
      pb.environment().put("HALO_LEADER_ELECTION", "false");
      pb.environment().put("HALO_WATCH_NAMESPACES", Sandbox.NAMESPACE);
      pb.environment().put("HALO_ETCD_ENDPOINTS", etcd.endpoints());
      pb.environment().put("HALO_AGENT_IMAGE", "halo:bench");
      pb.environment().put("HALO_OPERATOR_ADDRESS", "127.0.0.1");
      pb.environment().put("HALO_OPERATOR_PORT", Integer.toString(port));
      Process operator = pb.start();
      try {
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
          long cpuBefore = cpuTicks(operator.pid());
          long wallBefore = System.nanoTime();
          Thread.sleep(settle.toMillis());
          double cpuPercent =
              100.0
                  * (cpuTicks(operator.pid()) - cpuBefore)
                  / 100.0
                  / ((System.nanoTime() - wallBefore) / 1e9);
          Map<String, Object> p = new LinkedHashMap<>();
          p.put("groups", groups);
          p.put("pods", groups * 3);
          p.put("allLabelledAfterMs", labelledMs);
          p.put("rssMiB", rssKib(operator.pid()) / 1024);
          p.put("heapUsedMiB", heapUsedKib(operator.pid()) / 1024);
          p.put("cpuPercentOfOneCore", Math.round(cpuPercent * 10) / 10.0);
          points.add(p);
          System.out.println("bench: operator idle " + p);
        }
        doc.put("idle", points);
      } finally {
        operator.destroy();
        operator.waitFor();
      }
    }
    System.out.println("wrote " + BenchReport.write("operator.json", doc));
    System.exit(0);
  }

  private static void createGroup(EmbeddedApiServer api, String name) throws IOException {
    HighAvailabilityGroup hag;
    try (InputStream in =
        Sandbox.class.getClassLoader().getResourceAsStream(Sandbox.EXAMPLE_RESOURCE)) {
      hag = Serialization.unmarshal(in, HighAvailabilityGroup.class);
    }
    hag.getMetadata().setName(name);
    hag.getMetadata().setNamespace(Sandbox.NAMESPACE);
    hag.getSpec().getService().setName(name);
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

  static long rssKib(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmRSS for " + pid);
  }

  /** utime + stime in clock ticks (100 per second on Linux). */
  static long cpuTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  /** Heap used from {@code jcmd <pid> GC.heap_info} (the "used" of the heap's first line). */
  static long heapUsedKib(long pid) throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process p =
        new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.heap_info")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    Matcher m = Pattern.compile("total (\\d+)K, used (\\d+)K").matcher(out);
    if (!m.find()) {
      throw new IllegalStateException("jcmd GC.heap_info gave no heap figures: " + out);
    }
    return Long.parseLong(m.group(2));
  }
}
