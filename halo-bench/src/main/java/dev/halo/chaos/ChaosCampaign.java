package dev.halo.chaos;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.halo.agent.ElectionClient;
import dev.halo.agent.JetcdElectionClient;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.bench.BenchReport;
import dev.halo.bench.Mains;
import dev.halo.common.AgentDefaults;
import dev.halo.common.ElectionKeys;
import dev.halo.operator.HaloOperator;
import dev.halo.operator.OperatorConfig;
import dev.halo.sandbox.AgentProcess;
import dev.halo.sandbox.EmbeddedApiServer;
import dev.halo.sandbox.EtcdCluster;
import dev.halo.sandbox.LocalKubelet;
import dev.halo.sandbox.Sandbox;
import dev.halo.sandbox.ServiceProxy;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code make chaos SEED=n}: a seeded campaign of faults ({@link FaultKind}) against three groups
 * (two with lease TTL 2 s, one with TTL 5 s) on the sandbox's machinery: embedded API server,
 * 3-member etcd, the operator in this JVM (restartable, on its own API client so API faults can
 * target it), the local kubelet running every agent as an OS process and restarting dead agents
 * after 1 s, and the service proxy. One fault at a time, targets picked from the live state; the
 * rollouts and scaling they start run on under the next faults. A {@link Checker} samples
 * throughout; at the end every group must be whole again (its replicas Running with one agreed
 * master). Writes target/chaos/report.json and target/chaos/summary.txt.
 */
public final class ChaosCampaign implements AutoCloseable {
  static final String NAMESPACE = "chaos";
  static final String OPERATOR_USER_AGENT = "halo-operator-chaos";
  private static final Logger log = LoggerFactory.getLogger(ChaosCampaign.class);
  private static final Map<String, Integer> GROUPS = Map.of("c0", 2, "c1", 2, "c5", 5);
  private static final List<String> GROUP_NAMES = List.of("c0", "c1", "c5");
  private static final int MAX_TTL = 5;

  private final long seed;
  private final EmbeddedApiServer api;
  private final EtcdCluster etcd;
  private final LocalKubelet kubelet;
  private final ServiceProxy proxy;
  private final ElectionClient electionClient;
  private final KubernetesClient checkerClient;
  private HaloOperator operator;
  private KubernetesClient operatorClient;
  private final Disturbances disturbances = new Disturbances();
  private final Map<String, Integer> byKind = new TreeMap<>();
  private final List<Map<String, Object>> log_ = new ArrayList<>();
  private final Map<String, Integer> replicas = new LinkedHashMap<>();
  private int templateRound;
  private int unreadableRound;
  private final List<String> unreadableNotReported = new ArrayList<>();

  private ChaosCampaign(long seed) throws Exception {
    this.seed = seed;
    api = EmbeddedApiServer.start();
    try {
      api.client()
          .namespaces()
          .resource(
              new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
          .create();
      etcd = EtcdCluster.start(3);
      kubelet =
          LocalKubelet.start(
              api.client(),
              NAMESPACE,
              etcd,
              LocalKubelet.AgentMode.PROCESS,
              LocalKubelet.Options.defaults().withAgentRestarts(Duration.ofSeconds(1)));
      startOperator();
      proxy = ServiceProxy.start(api.client(), NAMESPACE, kubelet, 0);
      electionClient =
          new JetcdElectionClient(
              etcd.clientUrls().stream().map(URI::create).toList(), Duration.ofSeconds(1));
      checkerClient = api.newClient();
    } catch (Exception | Error e) {
      close();
      throw e;
    }
  }

  /** Runs {@code faults} faults from {@code seed}; returns the report (also written to disk). */
  public static Map<String, Object> run(
      long seed, int faults, long minPauseMs, long maxPauseMs, Path out) throws Exception {
    try (ChaosCampaign campaign = new ChaosCampaign(seed)) {
      return campaign.execute(
          FaultPlan.of(seed, faults, GROUP_NAMES.size(), minPauseMs, maxPauseMs), out);
    }
  }

  public static void main(String[] args) {
    Mains.exitWith("chaos", () -> campaign(args));
  }

  private static int campaign(String[] args) throws Exception {
    long seed = 1;
    int faults = 200;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--seed" -> seed = Long.parseLong(args[i + 1]);
        case "--faults" -> faults = Integer.parseInt(args[i + 1]);
        default ->
            throw new IllegalArgumentException(
                "unknown option " + args[i] + "; use --seed N --faults N");
      }
    }
    Map<String, Object> report = run(seed, faults, 200, 1200, Path.of("target", "chaos"));
    return ((List<?>) report.get("violations")).isEmpty() ? 0 : 1;
  }

  private void startOperator() throws Exception {
    operatorClient =
        new KubernetesClientBuilder()
            .withConfig(new ConfigBuilder(api.config()).withUserAgent(OPERATOR_USER_AGENT).build())
            .build();
    operator =
        HaloOperator.start(
            operatorClient,
            new OperatorConfig(
                Set.of(NAMESPACE),
                "halo:chaos",
                etcd.clientUrls(),
                false,
                "",
                "127.0.0.1",
                0,
                AgentDefaults.JVM_OPTIONS));
  }

  private void stopOperator() {
    if (operator != null) {
      operator.close();
      operator = null;
    }
    if (operatorClient != null) {
      operatorClient.close();
      operatorClient = null;
    }
  }

  private Map<String, Object> execute(FaultPlan plan, Path out) throws Exception {
    long start = System.nanoTime();
    for (String g : GROUP_NAMES) {
      createGroup(g, GROUPS.get(g));
      replicas.put(g, 3);
    }
    for (String g : GROUP_NAMES) {
      awaitWhole(g, Duration.ofSeconds(90));
    }
    long campaignStart = System.nanoTime();
    try (Checker checker =
        new Checker(
            checkerClient,
            electionClient,
            kubelet,
            proxy,
            NAMESPACE,
            GROUPS,
            disturbances::excused,
            campaignStart)) {
      for (FaultPlan.Fault f : plan.faults()) {
        Thread.sleep(f.pauseMs());
        String group = GROUP_NAMES.get(f.group());
        long at = System.nanoTime();
        String outcome;
        try {
          outcome = inject(f, group);
        } catch (RuntimeException e) {
          outcome = "could not inject: " + e.getMessage();
          log.atWarn()
              .addKeyValue("fault", f.kind())
              .addKeyValue("error", e.toString())
              .log("chaos: fault failed");
        }
        byKind.merge(f.kind().name(), 1, Integer::sum);
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("index", f.index());
        entry.put("kind", f.kind().name());
        entry.put("group", group);
        entry.put("atMs", (at - campaignStart) / 1_000_000);
        entry.put("tookMs", (System.nanoTime() - at) / 1_000_000);
        entry.put("outcome", outcome);
        log_.add(entry);
        log.atInfo()
            .addKeyValue("index", f.index())
            .addKeyValue("kind", f.kind())
            .addKeyValue("group", group)
            .addKeyValue("outcome", outcome)
            .log("chaos: fault done");
      }
      // Let everything settle and check that no group lost a pod or its master.
      for (String g : GROUP_NAMES) {
        if (replicas.get(g) != 3) {
          scale(g, 3);
        }
      }
      for (String g : GROUP_NAMES) {
        try {
          awaitWhole(g, Duration.ofSeconds(120));
        } catch (RuntimeException e) {
          checker
              .judge()
              .add(
                  new Judge.Violation(
                      "GROUP_NOT_WHOLE",
                      g,
                      (System.nanoTime() - campaignStart) / 1_000_000,
                      0,
                      e.getMessage()));
        }
      }
      for (String missed : unreadableNotReported) {
        checker
            .judge()
            .add(
                new Judge.Violation(
                    "UNREADABLE_NOT_REPORTED",
                    missed.substring(0, missed.indexOf(':')),
                    (System.nanoTime() - campaignStart) / 1_000_000,
                    0,
                    "a group whose spec does not fit the model got no Valid=False within 15 s: "
                        + missed));
      }
      checker.close();
      return report(plan, checker.judge(), start, out);
    }
  }

  // ---------------------------------------------------------------- faults

  private String inject(FaultPlan.Fault f, String group) throws Exception {
    int ttl = GROUPS.get(group);
    switch (f.kind()) {
      case KILL_MASTER_AGENT -> {
        String master = awaitMaster(group);
        kubelet.crashAgent(master);
        return "killed the agent of " + master;
      }
      case KILL_STANDBY_AGENT -> {
        String master = awaitMaster(group);
        List<String> standbys =
            kubelet.pods().stream()
                .filter(p -> p.startsWith(group + "-") && !p.equals(master))
                .toList();
        if (standbys.isEmpty()) {
          return "no running standby";
        }
        String victim = standbys.get((int) (f.pick() * standbys.size()));
        kubelet.crashAgent(victim);
        return "killed the agent of standby " + victim;
      }
      case PAUSE_MASTER -> {
        String master = awaitMaster(group);
        AgentProcess agent = (AgentProcess) kubelet.agent(master);
        agent.pause();
        try {
          Thread.sleep(ttl * 1000L + 1000);
        } finally {
          agent.resume();
        }
        return "paused " + master + " for " + (ttl + 1) + " s";
      }
      case DELETE_MASTER_POD -> {
        String master = awaitMaster(group);
        api.client().pods().inNamespace(NAMESPACE).withName(master).delete();
        return "deleted pod " + master;
      }
      case UNHEALTHY_MASTER -> {
        String master = awaitMaster(group);
        kubelet.setWorkloadHealthy(master, false);
        try {
          Thread.sleep(3000);
        } finally {
          try {
            kubelet.setWorkloadHealthy(master, true);
          } catch (RuntimeException e) {
            // the pod went meanwhile
          }
        }
        return master + " unhealthy for 3 s";
      }
      case KILL_ETCD_MEMBER, KILL_ETCD_LEADER -> {
        int leader = etcd.leaderIndex();
        int victim =
            f.kind() == FaultKind.KILL_ETCD_LEADER
                ? leader
                : (leader + 1 + (int) (f.pick() * 2)) % 3;
        etcd.kill(victim);
        Thread.sleep(2000);
        etcd.restart(victim);
        return "killed etcd member "
            + victim
            + (victim == leader ? " (raft leader)" : "")
            + " for 2 s";
      }
      case STOP_ETCD_CLUSTER -> {
        Disturbances.Window w =
            disturbances.open("etcd down", Duration.ofMillis(MAX_TTL * 1000L + 2000));
        try {
          etcd.killAll();
          Thread.sleep(MAX_TTL * 1000L + 1000);
          etcd.restartAll();
        } finally {
          w.close();
        }
        return "etcd down for " + (MAX_TTL + 1) + " s";
      }
      case RESTART_OPERATOR -> {
        Disturbances.Window w = disturbances.open("operator restart", Duration.ofSeconds(5));
        try {
          stopOperator();
          Thread.sleep(500);
          startOperator();
        } finally {
          w.close();
        }
        return "restarted the operator";
      }
      case RESTART_OPERATOR_DURING_HANDOVER -> {
        String master = awaitMaster(group);
        Disturbances.Window w =
            disturbances.open("operator restart in a handover", Duration.ofSeconds(5));
        try {
          kubelet.crashAgent(master);
          stopOperator();
          Thread.sleep(500);
          startOperator();
        } finally {
          w.close();
        }
        return "killed " + master + "'s agent and restarted the operator";
      }
      case API_ERRORS, API_HANG -> {
        Disturbances.Window w = disturbances.open("API " + f.kind(), Duration.ofSeconds(3));
        try {
          api.injectFault(
              f.kind() == FaultKind.API_ERRORS
                  ? EmbeddedApiServer.Fault.ERRORS
                  : EmbeddedApiServer.Fault.HANG,
              r -> OPERATOR_USER_AGENT.equals(r.userAgent()),
              Duration.ofSeconds(3));
          Thread.sleep(3000);
        } finally {
          api.clearFault();
          w.close();
        }
        return "API "
            + (f.kind() == FaultKind.API_ERRORS ? "errors" : "hang")
            + " for the operator, 3 s";
      }
      case ROLLING_UPDATE -> {
        int round = ++templateRound;
        editGroup(
            group,
            g ->
                g.getSpec()
                    .getTemplate()
                    .getMetadata()
                    .getAnnotations()
                    .put("chaos.halo.dev/round", Integer.toString(round)));
        return "template changed (round " + round + ")";
      }
      case SCALE -> {
        int to = replicas.get(group) == 3 ? 4 : 3;
        scale(group, to);
        return "scaled to " + to;
      }
      case UNREADABLE_GROUP -> {
        return unreadableGroup(group);
      }
      default -> throw new IllegalStateException("unknown fault " + f.kind());
    }
  }

  /**
   * Stores a copy of {@code group} whose spec.zones is a string, waits until the operator reports
   * it ({@code Valid=False}), then deletes it. Not reported within 15 s is a violation; an operator
   * that stopped over it would also leave the campaign's groups unserved, which the checker sees.
   */
  @SuppressWarnings("unchecked")
  private String unreadableGroup(String group) {
    String name = "unreadable-" + (++unreadableRound);
    GenericKubernetesResource g =
        Serialization.unmarshal(
            Serialization.asJson(Sandbox.exampleGroup(name, NAMESPACE)),
            GenericKubernetesResource.class);
    ((Map<String, Object>) g.getAdditionalProperties().get("spec")).put("zones", "a,b,c");
    var stored =
        api.client()
            .genericKubernetesResources(
                HighAvailabilityGroup.GROUP + "/" + HighAvailabilityGroup.VERSION,
                "HighAvailabilityGroup")
            .inNamespace(NAMESPACE)
            .withName(name);
    api.client().resource(g).create();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    String reported = null;
    while (reported == null && System.nanoTime() < deadline) {
      reported = invalidMessage(name);
      if (reported == null) {
        sleep(200);
      }
    }
    stored.delete();
    if (reported == null || !reported.contains("spec.zones")) {
      unreadableNotReported.add(name + ": " + reported);
      return name + " stored with zones \"a,b,c\"; NOT reported within 15 s";
    }
    return name + " stored with zones \"a,b,c\", reported invalid, deleted";
  }

  /** The Valid=False message of a group, or null while it has none. */
  private String invalidMessage(String name) {
    try {
      HighAvailabilityGroup hag =
          api.client()
              .resources(HighAvailabilityGroup.class)
              .inNamespace(NAMESPACE)
              .withName(name)
              .get();
      if (hag == null || hag.getStatus() == null || hag.getStatus().getConditions() == null) {
        return null;
      }
      return hag.getStatus().getConditions().stream()
          .filter(c -> "Valid".equals(c.getType()) && "False".equals(c.getStatus()))
          .map(c -> c.getMessage())
          .findFirst()
          .orElse(null);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private void scale(String group, int to) {
    editGroup(group, g -> g.getSpec().setReplicas(to));
    replicas.put(group, to);
  }

  private void editGroup(String group, java.util.function.Consumer<HighAvailabilityGroup> change) {
    RuntimeException last = null;
    for (int attempt = 0; attempt < 20; attempt++) {
      try {
        api.client()
            .resources(HighAvailabilityGroup.class)
            .inNamespace(NAMESPACE)
            .withName(group)
            .edit(
                g -> {
                  change.accept(g);
                  return g;
                });
        return;
      } catch (RuntimeException e) {
        last = e;
        sleep(100);
      }
    }
    throw last;
  }

  /** The group's master once etcd, the label and the kubelet agree (up to 20 s), else etcd's. */
  private String awaitMaster(String group) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    String leader = "";
    while (System.nanoTime() < deadline) {
      leader = leader(group);
      if (!leader.isEmpty()
          && kubelet.pods().contains(leader)
          && labelledMasters(group).equals(List.of(leader))) {
        return leader;
      }
      sleep(50);
    }
    if (leader.isEmpty() || !kubelet.pods().contains(leader)) {
      throw new IllegalStateException("group " + group + " has no running master to hit");
    }
    return leader;
  }

  private String leader(String group) {
    try {
      return electionClient
          .leader(ElectionKeys.prefix(ElectionKeys.electionName(NAMESPACE, group)))
          .get(1, TimeUnit.SECONDS)
          .leader()
          .map(ElectionClient.Candidate::value)
          .orElse("");
    } catch (Exception e) {
      return "";
    }
  }

  private List<String> labelledMasters(String group) {
    return api
        .client()
        .pods()
        .inNamespace(NAMESPACE)
        .withLabel(dev.halo.common.Labels.GROUP, group)
        .withLabel(dev.halo.common.Labels.ROLE, dev.halo.common.Labels.ROLE_MASTER)
        .list()
        .getItems()
        .stream()
        .map(p -> p.getMetadata().getName())
        .sorted()
        .toList();
  }

  /**
   * Waits until the group has its replicas, all Running with a running agent, and one agreed
   * master.
   */
  private void awaitWhole(String group, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String state = "";
    while (System.nanoTime() < deadline) {
      try {
        HighAvailabilityGroup hag =
            api.client()
                .resources(HighAvailabilityGroup.class)
                .inNamespace(NAMESPACE)
                .withName(group)
                .get();
        List<Pod> pods =
            api.client()
                .pods()
                .inNamespace(NAMESPACE)
                .withLabel(dev.halo.common.Labels.GROUP, group)
                .list()
                .getItems();
        Set<String> running = kubelet.pods();
        String leader = leader(group);
        long up =
            pods.stream()
                .filter(
                    p ->
                        running.contains(p.getMetadata().getName())
                            && p.getMetadata().getDeletionTimestamp() == null)
                .count();
        state =
            "pods "
                + pods.size()
                + "/"
                + hag.getSpec().getReplicas()
                + ", running "
                + up
                + ", leader '"
                + leader
                + "', labelled "
                + labelledMasters(group);
        if (pods.size() == hag.getSpec().getReplicas()
            && up == pods.size()
            && !leader.isEmpty()
            && labelledMasters(group).equals(List.of(leader))
            && proxy.endpoints(group).equals(List.of(leader))) {
          return;
        }
      } catch (RuntimeException e) {
        state = e.toString();
      }
      sleep(200);
    }
    throw new IllegalStateException(
        "group " + group + " not whole after " + timeout.toSeconds() + " s: " + state);
  }

  private void createGroup(String name, int ttl) throws Exception {
    HighAvailabilityGroup hag = Sandbox.exampleGroup(name, NAMESPACE);
    hag.getSpec().getElection().setLeaseTTLSeconds(ttl);
    if (hag.getSpec().getTemplate().getMetadata() == null) {
      hag.getSpec().getTemplate().setMetadata(new ObjectMeta());
    }
    if (hag.getSpec().getTemplate().getMetadata().getAnnotations() == null) {
      hag.getSpec().getTemplate().getMetadata().setAnnotations(new LinkedHashMap<>());
    }
    api.client().resource(hag).create();
  }

  // ---------------------------------------------------------------- report

  private Map<String, Object> report(FaultPlan plan, Judge judge, long start, Path out)
      throws Exception {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("seed", plan.seed());
    r.put("faults", plan.faults().size());
    r.put("byKind", byKind);
    List<Map<String, Object>> violations = new ArrayList<>();
    for (Judge.Violation v : judge.violations()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("kind", v.kind());
      m.put("group", v.group());
      m.put("atMs", v.atMs());
      m.put("durationMs", v.durationMs());
      m.put("details", v.details());
      m.put("faultsBefore", faultsAround(v.atMs()));
      violations.add(m);
    }
    r.put("violations", violations);
    r.putAll(judge.figures());
    r.put("allowedLabelLagMs", Judge.ALLOWED_LABEL_LAG_MS);
    r.put("noMasterAllowedMs", "TTL + " + Judge.NO_MASTER_SLACK_MS);
    r.put("groups", GROUPS);
    r.put("excusedWindows", disturbances.closed());
    r.put("durationSeconds", (System.nanoTime() - start) / 1_000_000_000);
    r.put("machine", BenchReport.machine());
    r.put("log", log_);
    Files.createDirectories(out);
    new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(out.resolve("report.json").toFile(), r);
    String summary = summary(r);
    Files.writeString(out.resolve("summary.txt"), summary);
    System.out.println(summary);
    return r;
  }

  private List<String> faultsAround(long atMs) {
    return log_.stream()
        .filter(e -> (long) e.get("atMs") <= atMs && (long) e.get("atMs") > atMs - 15_000)
        .map(
            e ->
                e.get("atMs")
                    + " ms "
                    + e.get("kind")
                    + " "
                    + e.get("group")
                    + ": "
                    + e.get("outcome"))
        .toList();
  }

  private static String summary(Map<String, Object> r) {
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            "chaos campaign: seed %s, %s faults in %s s%n",
            r.get("seed"), r.get("faults"), r.get("durationSeconds")));
    s.append("by kind: ").append(r.get("byKind")).append('\n');
    s.append(
        String.format(
            "max time without a labelled master (while a healthy standby existed): %s ms; max label lag behind etcd: %s ms (allowed %s ms)%n",
            r.get("maxNoMasterMs"), r.get("maxLabelLagMs"), r.get("allowedLabelLagMs")));
    List<?> violations = (List<?>) r.get("violations");
    s.append(
        violations.isEmpty() ? "violations: none\n" : "violations: " + violations.size() + "\n");
    for (Object v : violations) {
      s.append("  ").append(v).append('\n');
    }
    return s.toString();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public void close() {
    for (AutoCloseable part : new AutoCloseable[] {checkerClient, electionClient, proxy}) {
      closeQuietly(part);
    }
    stopOperator();
    for (AutoCloseable part : new AutoCloseable[] {kubelet, etcd, api}) {
      closeQuietly(part);
    }
  }

  private static void closeQuietly(AutoCloseable part) {
    if (part == null) {
      return;
    }
    try {
      part.close();
    } catch (Exception e) {
      log.atWarn()
          .addKeyValue("part", part.getClass().getSimpleName())
          .addKeyValue("error", e.toString())
          .log("chaos: a part did not stop cleanly");
    }
  }
}
