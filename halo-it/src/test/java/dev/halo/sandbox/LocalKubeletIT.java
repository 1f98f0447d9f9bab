package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.halo.common.ElectionKeys;
import dev.halo.common.Labels;
import dev.halo.common.Names;
import dev.halo.sandbox.LocalKubelet.AgentMode;
import dev.halo.sandbox.history.HistoryFile;
import dev.halo.sandbox.history.MasterInterval;
import dev.halo.sandbox.history.RoleHistoryChecker;
import dev.halo.testing.EtcdExtension;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The test kubelet runs real agents for hand-made Halo pods on the mock API and a real etcd. */
class LocalKubeletIT {
  @RegisterExtension static final EtcdExtension etcd = EtcdExtension.members(1);

  private static final Logger log = LoggerFactory.getLogger(LocalKubeletIT.class);
  private static final int TTL = 2;
  private static final String GROUP = "g";
  private static EmbeddedApiServer kube;
  private static KubernetesClient client;
  private LocalKubelet kubelet;

  @BeforeAll
  static void startApi() {
    kube = EmbeddedApiServer.start();
    client = kube.client();
  }

  @AfterAll
  static void stopApi() {
    kube.close();
  }

  @AfterEach
  void stopKubelet() {
    if (kubelet != null) {
      kubelet.close();
    }
  }

  @Test
  void inProcessAgentsElectFailOverOnUnhealthyWorkloadAndOnGracefulDeletion() {
    String ns = "inproc";
    String election = ElectionKeys.electionName(ns, GROUP);
    kubelet = LocalKubelet.start(client, ns, etcd.cluster(), AgentMode.IN_PROCESS);
    long created = System.nanoTime();
    createPods(ns, election, "g-0", "g-1");
    kubelet.awaitRunning("g-0", Duration.ofSeconds(30));
    kubelet.awaitRunning("g-1", Duration.ofSeconds(30));
    log.info("timing: pods running (in-process) after {} ms", ms(created));

    await().untilAsserted(() -> assertRunningAndReady(ns, "g-0", "g-1"));
    String master = awaitSingleMaster(election, Duration.ofSeconds(10));
    String standby = other(master);
    log.info("timing: first master {} after {} ms", master, ms(created));

    // An unhealthy workload takes its agent out of the election and its pod out of Ready.
    kubelet.setWorkloadHealthy(master, false);
    long unhealthy = System.nanoTime();
    await()
        .pollInterval(Duration.ofMillis(10))
        .atMost(Duration.ofSeconds(3))
        .until(() -> kubelet.agent(standby).role().equals("master"));
    log.info("timing: failover on unhealthy workload {} ms", ms(unhealthy));
    assertThat(leader(election)).isEqualTo(standby);
    await().untilAsserted(() -> assertThat(condition(ns, master, "Ready")).isEqualTo("False"));
    assertThat(containerStatus(ns, master, "app").getReady()).isFalse();
    assertThat(containerStatus(ns, master, Names.AGENT_CONTAINER).getReady()).isTrue();

    kubelet.setWorkloadHealthy(master, true);
    await().untilAsserted(() -> assertThat(condition(ns, master, "Ready")).isEqualTo("True"));
    await().until(() -> kubelet.agent(master).role().equals("standby"));
    assertThat(kubelet.agent(standby).role()).isEqualTo("master");

    assertThatThrownBy(() -> kubelet.crashAgent(standby))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("PROCESS");

    // Graceful deletion: the pod is seen terminating, the master resigns, the pod goes.
    String current = standby;
    String next = master;
    List<String> events = new CopyOnWriteArrayList<>();
    try (Watch watch = client.pods().inNamespace(ns).withName(current).watch(recorder(events))) {
      long deleting = System.nanoTime();
      CompletableFuture<Void> deletion =
          CompletableFuture.runAsync(() -> kubelet.deletePodGracefully(current));
      await()
          .pollInterval(Duration.ofMillis(5))
          .atMost(Duration.ofSeconds(1))
          .until(() -> kubelet.agent(next).role().equals("master"));
      log.info("timing: failover on graceful deletion (in-process) {} ms", ms(deleting));
      deletion.join();
      log.info("timing: deletePodGracefully returned after {} ms", ms(deleting));
      await().until(() -> events.stream().anyMatch(e -> e.startsWith("DELETED")));
    }
    // Seen terminating while still ready, then with its containers stopped, then gone.
    assertThat(events)
        .containsSubsequence(
            "MODIFIED terminating ready",
            "MODIFIED terminating not-ready",
            "DELETED terminating not-ready");
    assertThat(client.pods().inNamespace(ns).withName(current).get()).isNull();
    assertThat(kubelet.agent(next).role()).isEqualTo("master");
    assertThat(leader(election)).isEqualTo(next);
    assertThat(kubelet.pods()).containsExactly(next);

    // A DELETE from someone else (the operator) stops the agent too, after a terminating phase.
    List<String> deleteEvents = new CopyOnWriteArrayList<>();
    try (Watch watch = client.pods().inNamespace(ns).withName(next).watch(recorder(deleteEvents))) {
      await().until(() -> !deleteEvents.isEmpty());
      client.pods().inNamespace(ns).withName(next).delete();
      await().until(() -> client.pods().inNamespace(ns).withName(next).get() == null);
      await().until(() -> deleteEvents.stream().anyMatch(e -> e.startsWith("DELETED")));
    }
    assertThat(deleteEvents)
        .containsSubsequence(
            "MODIFIED terminating ready",
            "MODIFIED terminating not-ready",
            "DELETED terminating not-ready");
    await().until(() -> kubelet.pods().isEmpty());
    await().until(() -> leader(election).isEmpty());
  }

  @Test
  void processAgentsFailOverWhenTheMasterCrashesAndComeBackOnRestart() {
    String ns = "proc";
    String election = ElectionKeys.electionName(ns, GROUP);
    kubelet = LocalKubelet.start(client, ns, etcd.cluster(), AgentMode.PROCESS);
    long created = System.nanoTime();
    createPods(ns, election, "g-0", "g-1");
    kubelet.awaitRunning("g-0", Duration.ofSeconds(60));
    kubelet.awaitRunning("g-1", Duration.ofSeconds(60));
    log.info("timing: pods running (process) after {} ms", ms(created));
    await().untilAsserted(() -> assertRunningAndReady(ns, "g-0", "g-1"));
    String master = awaitSingleMaster(election, Duration.ofSeconds(20));
    String standby = other(master);
    log.info("timing: first master {} after {} ms", master, ms(created));
    List<Long> pids = new ArrayList<>();
    pids.add(((AgentProcess) kubelet.agent("g-0")).pid());
    pids.add(((AgentProcess) kubelet.agent("g-1")).pid());

    // kill -9 of the master: reported terminated, the standby takes over within TTL + 1 s.
    AgentHandle standbyAgent = kubelet.agent(standby);
    long crashedPid = ((AgentProcess) kubelet.agent(master)).pid();
    kubelet.crashAgent(master);
    long crashed = System.nanoTime();
    await()
        .pollInterval(Duration.ofMillis(10))
        .atMost(Duration.ofSeconds(TTL + 1))
        .until(() -> standbyAgent.role().equals("master"));
    log.info("timing: failover after kill -9 {} ms (TTL {} s)", ms(crashed), TTL);
    assertThat(kubelet.pods()).containsExactly(standby);
    ContainerStatus agentStatus = containerStatus(ns, master, Names.AGENT_CONTAINER);
    assertThat(agentStatus.getState().getTerminated()).isNotNull();
    assertThat(agentStatus.getState().getTerminated().getExitCode()).isEqualTo(137);
    assertThat(agentStatus.getState().getTerminated().getReason()).isEqualTo("Error");
    assertThat(agentStatus.getReady()).isFalse();
    assertThat(condition(ns, master, "Ready")).isEqualTo("False");
    assertThat(getPod(ns, master).getStatus().getPhase()).isEqualTo("Running");
    await().until(() -> leader(election).equals(standby));

    // A restart brings it back as a standby, with the crash as its last state.
    kubelet.restartAgent(master);
    kubelet.awaitRunning(master, Duration.ofSeconds(30));
    pids.add(((AgentProcess) kubelet.agent(master)).pid());
    await()
        .untilAsserted(
            () -> {
              ContainerStatus restarted = containerStatus(ns, master, Names.AGENT_CONTAINER);
              assertThat(restarted.getRestartCount()).isEqualTo(1);
              assertThat(restarted.getState().getRunning()).isNotNull();
              assertThat(restarted.getLastState().getTerminated().getExitCode()).isEqualTo(137);
              assertThat(restarted.getReady()).isTrue();
              assertThat(condition(ns, master, "Ready")).isEqualTo("True");
            });
    await().until(() -> kubelet.agent(master).role().equals("standby"));

    // Graceful deletion of the master (SIGTERM): the restarted agent takes over at once.
    AgentHandle restarted = kubelet.agent(master);
    AgentProcess terminated = (AgentProcess) kubelet.agent(standby);
    List<String> events = new CopyOnWriteArrayList<>();
    try (Watch watch = client.pods().inNamespace(ns).withName(standby).watch(recorder(events))) {
      await().until(() -> !events.isEmpty());
      long deleting = System.nanoTime();
      CompletableFuture<Void> deletion =
          CompletableFuture.runAsync(() -> kubelet.deletePodGracefully(standby));
      await()
          .pollInterval(Duration.ofMillis(5))
          .atMost(Duration.ofSeconds(2))
          .until(() -> restarted.role().equals("master"));
      log.info("timing: failover on graceful deletion (SIGTERM) {} ms", ms(deleting));
      deletion.join();
      log.info("timing: deletePodGracefully returned after {} ms", ms(deleting));
      assertThat(terminated.isAlive()).isFalse();
      assertThat(terminated.waitFor(Duration.ZERO)).as(terminated.output()).isZero();
      await().until(() -> events.stream().anyMatch(e -> e.startsWith("DELETED")));
    }
    assertThat(events)
        .containsSubsequence(
            "MODIFIED terminating ready",
            "MODIFIED terminating not-ready",
            "DELETED terminating not-ready");
    assertThat(client.pods().inNamespace(ns).withName(standby).get()).isNull();
    assertThat(leader(election)).isEqualTo(master);

    // The pods' role histories hold all three masters, one after the other: the killed agent's
    // interval closed by the time the kubelet saw it die, the restarted agent in the same file.
    List<HistoryFile> histories = kubelet.roleHistories(GROUP);
    assertThat(histories).extracting(HistoryFile::pod).containsExactlyInAnyOrder("g-0", "g-1");
    assertThat(histories.stream().filter(h -> h.pod().equals(master)).findFirst().orElseThrow())
        .satisfies(h -> assertThat(h.processEnds()).containsKey(crashedPid));
    RoleHistoryChecker.Verdict verdict =
        RoleHistoryChecker.check(GROUP, histories, System.nanoTime());
    assertThat(verdict.violations()).isEmpty();
    assertThat(verdict.intervals())
        .extracting(MasterInterval::member)
        .containsExactly(master, standby, master);
    assertThat(verdict.intervals().get(0).pid()).isEqualTo(crashedPid);
    assertThat(verdict.intervals().get(0).ended()).contains("process " + crashedPid + " ended");
    assertThat(verdict.intervals().get(1).ended()).contains("demoted");
    assertThat(verdict.intervals().get(2).ended()).contains("end of the run");
    assertThat(verdict.handovers()).hasSize(2).allMatch(h -> h.gapNanos() > 0);
    log.info(
        "role histories: {} master intervals, smallest gap {} ms",
        verdict.intervals().size(),
        verdict.smallestGapNanos().orElseThrow() / 1_000_000);

    kubelet.close();
    kubelet = null;
    for (long pid : pids) {
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
          .as("agent process %d alive after close()", pid)
          .isFalse();
    }
  }

  @Test
  void withAgentRestartsADeadAgentIsRestartedAndCounted() {
    String ns = "restarts";
    String election = ElectionKeys.electionName(ns, GROUP);
    startProcessKubelet(
        ns, LocalKubelet.Options.defaults().withAgentRestarts(Duration.ofMillis(500)));
    createPods(ns, election, "g-0");
    kubelet.awaitRunning("g-0", Duration.ofSeconds(30));
    long firstPid = kubelet.view().get(0).agentPid().orElseThrow();

    kubelet.crashAgent("g-0");

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              ContainerStatus agent = containerStatus(ns, "g-0", Names.AGENT_CONTAINER);
              assertThat(agent.getRestartCount()).isEqualTo(1);
              assertThat(agent.getState().getRunning()).isNotNull();
              assertThat(agent.getLastState().getTerminated().getExitCode()).isEqualTo(137);
            });
    assertThat(kubelet.view().get(0).agentPid())
        .isPresent()
        .isNotEqualTo(OptionalLong.of(firstPid));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> kubelet.agent("g-0").role().equals("master"));
  }

  @Test
  void aSilentCrashLeavesThePodReadyUntilTheLeaseRunsOutAndRestartReportsAgain() {
    String ns = "silent";
    String election = ElectionKeys.electionName(ns, GROUP);
    kubelet = LocalKubelet.start(client, ns, etcd.cluster(), AgentMode.PROCESS);
    createPods(ns, election, "g-0", "g-1");
    kubelet.awaitRunning("g-0", Duration.ofSeconds(30));
    kubelet.awaitRunning("g-1", Duration.ofSeconds(30));
    String master = awaitSingleMaster(election, Duration.ofSeconds(20));
    AgentHandle standbyAgent = kubelet.agent(other(master));

    kubelet.crashAgentSilently(master);

    // Only the lease tells: the standby takes over after the TTL, while the pod still looks fine.
    await()
        .pollInterval(Duration.ofMillis(10))
        .atMost(Duration.ofSeconds(TTL + 5))
        .until(() -> standbyAgent.role().equals("master"));
    assertThat(kubelet.pods()).containsExactly(other(master));
    ContainerStatus frozen = containerStatus(ns, master, Names.AGENT_CONTAINER);
    assertThat(frozen.getState().getRunning()).isNotNull();
    assertThat(frozen.getReady()).isTrue();
    assertThat(condition(ns, master, "Ready")).isEqualTo("True");

    kubelet.restartAgent(master);
    kubelet.awaitRunning(master, Duration.ofSeconds(30));
    await()
        .untilAsserted(
            () -> {
              ContainerStatus restarted = containerStatus(ns, master, Names.AGENT_CONTAINER);
              assertThat(restarted.getRestartCount()).isEqualTo(1);
              assertThat(restarted.getLastState().getTerminated().getExitCode()).isEqualTo(137);
              assertThat(restarted.getState().getRunning()).isNotNull();
            });
  }

  @Test
  void anOrphanRunsOnAfterAForcedDeletionBesideItsReplacementUntilItsTimeIsUp() throws Exception {
    String ns = "orphan";
    String election = ElectionKeys.electionName(ns, GROUP);
    kubelet = LocalKubelet.start(client, ns, etcd.cluster(), AgentMode.PROCESS);
    createPods(ns, election, "g-0");
    kubelet.awaitRunning("g-0", Duration.ofSeconds(30));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> kubelet.agent("g-0").role().equals("master"));
    String oldUid = getPod(ns, "g-0").getMetadata().getUid();

    long orphaned = System.nanoTime();
    OrphanedPod orphan = kubelet.orphan("g-0", Duration.ofSeconds(15));
    // What `kubectl delete pod --force --grace-period=0` does: the object goes at once.
    client.pods().inNamespace(ns).withName("g-0").withGracePeriod(0).delete();
    await().atMost(Duration.ofSeconds(5)).until(() -> getPod(ns, "g-0") == null);

    assertThat(orphan.uid()).isEqualTo(oldUid);
    assertThat(orphan.isAlive()).isTrue();
    assertThat(orphan.agent().role()).isEqualTo("master");
    assertThat(kubelet.orphans()).containsExactly(orphan);
    assertThat(kubelet.pods()).isEmpty();

    // A new pod of the same name starts beside the orphan, with files of its own.
    createPods(ns, election, "g-0");
    kubelet.awaitRunning("g-0", Duration.ofSeconds(30));
    AgentHandle replacement = kubelet.agent("g-0");
    assertThat(((AgentProcess) replacement).pid()).isNotEqualTo(orphan.pid());
    assertThat(replacement.role()).isEqualTo("standby");
    assertThat(orphan.agent().role()).isEqualTo("master");
    assertThat(kubelet.roleFile("g-0").toString()).doesNotContain(oldUid);

    // Its time up, the orphan is killed and says when; the replacement wins after the TTL.
    long killedAt = orphan.killedAtNanos().get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(killedAt - orphaned).isGreaterThanOrEqualTo(Duration.ofSeconds(15).toNanos());
    assertThat(ProcessHandle.of(orphan.pid()).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(kubelet.orphans()).isEmpty();
    await().atMost(Duration.ofSeconds(TTL + 10)).until(() -> replacement.role().equals("master"));
  }

  @Test
  void withEtcdProxiesAMasterCutFromEtcdDemotesItselfWhileRunningAndRejoinsWhenHealed() {
    String ns = "partition";
    String election = ElectionKeys.electionName(ns, GROUP);
    startProcessKubelet(ns, LocalKubelet.Options.defaults().withEtcdProxies());
    createPods(ns, election, "g-0", "g-1");
    kubelet.awaitRunning("g-0", Duration.ofSeconds(30));
    kubelet.awaitRunning("g-1", Duration.ofSeconds(30));
    String master = awaitSingleMaster(election, Duration.ofSeconds(20));
    AgentHandle cutOff = kubelet.agent(master);
    AgentHandle standby = kubelet.agent(other(master));
    await().atMost(Duration.ofSeconds(20)).until(() -> cutOff.role().equals("master"));

    kubelet.cutEtcd(master);
    // The lease runs out on the server; the cut-off agent demotes itself at its own deadline,
    // still running and answering.
    await()
        .pollInterval(Duration.ofMillis(20))
        .atMost(Duration.ofSeconds(TTL + 5))
        .until(() -> standby.role().equals("master"));
    await().atMost(Duration.ofSeconds(TTL)).until(() -> cutOff.role().equals("standby"));
    assertThat(kubelet.pods()).contains(master);
    assertThat(leader(election)).isEqualTo(other(master));

    kubelet.healEtcd(master);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> "campaigning".equals(cutOff.status().orElse(Map.of()).get("phase")));
    assertThat(standby.role()).isEqualTo("master");
    assertThat(cutOff.role()).isEqualTo("standby");
    try (LocalKubelet direct =
        LocalKubelet.start(client, "direct", etcd.cluster(), AgentMode.PROCESS)) {
      assertThatThrownBy(() -> direct.cutEtcd("g-0"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("withEtcdProxies");
    }
  }

  @Test
  void aDeadAgentIsNoticedEveryProbePeriodWhileHealthzIsAskedOnlyEveryReadinessPeriod() {
    String ns = "readiness";
    String election = ElectionKeys.electionName(ns, GROUP);
    startProcessKubelet(
        ns, LocalKubelet.Options.defaults().withReadinessPeriod(Duration.ofSeconds(60)));
    createPods(ns, election, "g-0");
    kubelet.awaitRunning("g-0", Duration.ofSeconds(30));
    // Until it is Ready the agent is asked every probe period, not every minute.
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertRunningAndReady(ns, "g-0"));

    // A kill the kubelet is not told about: only its 200 ms probe tick can notice the exit,
    // long before the next /healthz (a minute away).
    ((AgentProcess) kubelet.agent("g-0")).kill();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              ContainerStatus agent = containerStatus(ns, "g-0", Names.AGENT_CONTAINER);
              assertThat(agent.getState().getTerminated()).isNotNull();
              assertThat(agent.getState().getTerminated().getExitCode()).isEqualTo(137);
              assertThat(condition(ns, "g-0", "Ready")).isEqualTo("False");
            });
  }

  @Test
  void aReadinessPeriodShorterThanTheProbePeriodIsTheProbePeriod() {
    LocalKubelet.Options options =
        LocalKubelet.Options.defaults()
            .withProbePeriod(Duration.ofSeconds(2))
            .withReadinessPeriod(Duration.ofMillis(100));
    assertThat(options.readinessPeriod()).isEqualTo(Duration.ofSeconds(2));
  }

  private void startProcessKubelet(String ns, LocalKubelet.Options options) {
    kubelet = LocalKubelet.start(client, ns, etcd.cluster(), AgentMode.PROCESS, options);
  }

  @Test
  void manyInProcessPodsStartedAtOnceGetPortsOfTheirOwnAndAllBecomeReadyWithoutWorkloadServers() {
    String ns = "many";
    String election = ElectionKeys.electionName(ns, GROUP);
    kubelet =
        LocalKubelet.start(
            client,
            ns,
            etcd.cluster(),
            AgentMode.IN_PROCESS,
            LocalKubelet.Options.defaults().withoutWorkloadServers());
    String[] names =
        java.util.stream.IntStream.range(0, 30).mapToObj(i -> "m-" + i).toArray(String[]::new);
    for (String name : names) {
      // No workload health probe: nothing listens for it.
      Pod pod = pod(ns, name, election);
      pod.getSpec()
          .getContainers()
          .get(1)
          .getEnv()
          .removeIf(e -> e.getName().startsWith("HALO_HEALTH_"));
      client.pods().inNamespace(ns).resource(pod).create();
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(() -> assertThat(kubelet.pods()).hasSize(names.length));
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(names)
                    .allSatisfy(n -> assertThat(condition(ns, n, "Ready")).isEqualTo("True")));
    List<LocalKubelet.PodView> views = kubelet.view();
    // Each agent bound a port of its own (none was handed a port another server took first).
    assertThat(views).extracting(LocalKubelet.PodView::agentPort).doesNotContain(0);
    assertThat(views.stream().map(LocalKubelet.PodView::agentPort).distinct().count())
        .isEqualTo(names.length);
    assertThat(views).extracting(LocalKubelet.PodView::workloadPort).containsOnly(0);
    for (LocalKubelet.PodView v : views) {
      assertThat(Http.get("http://127.0.0.1:" + v.agentPort() + "/healthz", Duration.ofSeconds(2)))
          .as("%s answers on the port the kubelet reports", v.name())
          .isPresent();
    }
    String master = awaitSingleMaster(election, Duration.ofSeconds(20));
    assertThat(master).startsWith("m-");
    // Without a server the workload's health flag still decides readiness.
    kubelet.setWorkloadHealthy(names[0], false);
    await().untilAsserted(() -> assertThat(condition(ns, names[0], "Ready")).isEqualTo("False"));
  }

  @Test
  void processAgentsReachASecuredEtcdThroughTheirPodsSecretVolume() throws Exception {
    String ns = "secured";
    String election = ElectionKeys.electionName(ns, GROUP);
    String user = "halo-agent-" + ns + "-" + GROUP;
    try (EtcdCluster secured =
        EtcdCluster.start(
            1,
            EtcdServerSecurity.tlsOnly()
                .withClientCertAuth()
                .withUsers(
                    new EtcdServerSecurity.User(
                        user, "unused", ElectionKeys.groupPrefix(election))))) {
      CertificateAuthority ca = secured.certificateAuthority();
      CertificateAuthority.Issued cert =
          ca.client("agent", user, CertificateAuthority.KeyFormat.PKCS1, false);
      client
          .secrets()
          .inNamespace(ns)
          .resource(
              new io.fabric8.kubernetes.api.model.SecretBuilder()
                  .withNewMetadata()
                  .withName("g-etcd-tls")
                  .endMetadata()
                  .withType("kubernetes.io/tls")
                  .withData(
                      Map.of(
                          "tls.crt", base64(cert.cert()),
                          "tls.key", base64(cert.key()),
                          "ca.crt", base64(ca.caFile())))
                  .build())
          .create();
      kubelet = LocalKubelet.start(client, ns, null, AgentMode.PROCESS);
      for (String name : List.of("g-0", "g-1")) {
        client
            .pods()
            .inNamespace(ns)
            .resource(securedPod(ns, name, election, secured.secureEndpoints()))
            .create();
      }
      kubelet.awaitRunning("g-0", Duration.ofSeconds(60));
      kubelet.awaitRunning("g-1", Duration.ofSeconds(60));
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(List.of(kubelet.agent("g-0").role(), kubelet.agent("g-1").role()))
                      .containsExactlyInAnyOrder("master", "standby"));
      Map<String, Object> status = kubelet.agent("g-0").status().orElseThrow();
      assertThat(status.get("etcdFailure")).isIn("", null);
      // The agent was given the files the kubelet wrote, not the pod's /etc/halo/etcd/... paths.
      String environ =
          java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid("g-0") + "/environ"));
      assertThat(environ)
          .contains(
              "HALO_ETCD_CERT="
                  + kubelet.secretVolume("g-0", Names.ETCD_TLS_VOLUME).resolve("tls.crt"));
    }
  }

  private long pid(String pod) {
    return kubelet.view().stream()
        .filter(v -> v.name().equals(pod))
        .findFirst()
        .orElseThrow()
        .agentPid()
        .orElseThrow();
  }

  private static String base64(java.nio.file.Path file) throws java.io.IOException {
    return java.util.Base64.getEncoder().encodeToString(java.nio.file.Files.readAllBytes(file));
  }

  /** A pod whose agent reaches etcd over TLS with the client certificate of Secret g-etcd-tls. */
  private static Pod securedPod(String ns, String name, String election, String endpoints) {
    Pod pod = pod(ns, name, election);
    pod.getSpec()
        .getVolumes()
        .add(
            new io.fabric8.kubernetes.api.model.VolumeBuilder()
                .withName(Names.ETCD_TLS_VOLUME)
                .withNewSecret()
                .withSecretName("g-etcd-tls")
                .withDefaultMode(0440)
                .endSecret()
                .build());
    io.fabric8.kubernetes.api.model.Container agent = pod.getSpec().getContainers().get(1);
    agent
        .getVolumeMounts()
        .add(
            new io.fabric8.kubernetes.api.model.VolumeMountBuilder()
                .withName(Names.ETCD_TLS_VOLUME)
                .withMountPath(Names.ETCD_TLS_MOUNT_PATH)
                .withReadOnly(true)
                .build());
    agent.getEnv().removeIf(e -> e.getName().equals("HALO_ETCD_ENDPOINTS"));
    agent
        .getEnv()
        .add(new io.fabric8.kubernetes.api.model.EnvVar("HALO_ETCD_ENDPOINTS", endpoints, null));
    for (String[] file :
        new String[][] {
          {"HALO_ETCD_CACERT", "ca.crt"},
          {"HALO_ETCD_CERT", "tls.crt"},
          {"HALO_ETCD_KEY", "tls.key"}
        }) {
      agent
          .getEnv()
          .add(
              new io.fabric8.kubernetes.api.model.EnvVar(
                  file[0], Names.ETCD_TLS_MOUNT_PATH + "/" + file[1], null));
    }
    return pod;
  }

  private static void createPods(String ns, String election, String... names) {
    for (String name : names) {
      client.pods().inNamespace(ns).resource(pod(ns, name, election)).create();
    }
  }

  private static Pod pod(String ns, String name, String election) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(ns)
        .addToLabels(Labels.APP_MANAGED_BY, Labels.MANAGED_BY_HALO)
        .addToLabels(Labels.GROUP, GROUP)
        .endMetadata()
        .withNewSpec()
        .withTerminationGracePeriodSeconds(10L)
        .addNewContainer()
        .withName("app")
        .withImage("x")
        .endContainer()
        .addNewContainer()
        .withName(Names.AGENT_CONTAINER)
        .withImage("halo")
        .addNewEnv()
        .withName("HALO_ETCD_ENDPOINTS")
        .withValue(etcd.cluster().endpoints())
        .endEnv()
        .addNewEnv()
        .withName("HALO_ELECTION")
        .withValue(election)
        .endEnv()
        .addNewEnv()
        .withName("HALO_MEMBER")
        .withNewValueFrom()
        .withNewFieldRef()
        .withFieldPath("metadata.name")
        .endFieldRef()
        .endValueFrom()
        .endEnv()
        .addNewEnv()
        .withName("POD_NAME")
        .withNewValueFrom()
        .withNewFieldRef()
        .withFieldPath("metadata.name")
        .endFieldRef()
        .endValueFrom()
        .endEnv()
        .addNewEnv()
        .withName("HALO_LEASE_TTL_SECONDS")
        .withValue(Integer.toString(TTL))
        .endEnv()
        .addNewEnv()
        .withName("HALO_HEALTH_HTTP")
        .withValue("http://127.0.0.1:8080/health")
        .endEnv()
        .addNewEnv()
        .withName("HALO_HEALTH_PERIOD_MS")
        .withValue("100")
        .endEnv()
        .addNewEnv()
        .withName("HALO_HEALTH_FAILURES")
        .withValue("2")
        .endEnv()
        .endContainer()
        .endSpec()
        .build();
  }

  private void assertRunningAndReady(String ns, String... names) {
    for (String name : names) {
      Pod pod = getPod(ns, name);
      assertThat(pod.getStatus().getPhase()).isEqualTo("Running");
      assertThat(pod.getStatus().getPodIP()).isEqualTo("127.0.0.1");
      assertThat(pod.getStatus().getHostIP()).isEqualTo("127.0.0.1");
      assertThat(pod.getStatus().getStartTime()).isNotBlank();
      assertThat(pod.getStatus().getConditions())
          .extracting(PodCondition::getType, PodCondition::getStatus)
          .containsExactlyInAnyOrder(
              org.assertj.core.groups.Tuple.tuple("PodScheduled", "True"),
              org.assertj.core.groups.Tuple.tuple("Initialized", "True"),
              org.assertj.core.groups.Tuple.tuple("ContainersReady", "True"),
              org.assertj.core.groups.Tuple.tuple("Ready", "True"));
      assertThat(pod.getStatus().getContainerStatuses())
          .extracting(ContainerStatus::getName)
          .containsExactly("app", Names.AGENT_CONTAINER);
      assertThat(pod.getStatus().getContainerStatuses())
          .allSatisfy(
              c -> {
                assertThat(c.getReady()).isTrue();
                assertThat(c.getState().getRunning()).isNotNull();
                assertThat(c.getRestartCount()).isZero();
              });
      assertThat(pod.getMetadata().getFinalizers()).contains(LocalKubelet.FINALIZER);
      assertThat(
              Http.get(
                  "http://127.0.0.1:" + kubelet.workloadPort(name) + "/", Duration.ofSeconds(1)))
          .as("the workload answers its pod name and the role and term its agent published")
          .hasValueSatisfying(
              body -> assertThat(body).matches(name + " (master|standby) term=[1-9][0-9]*\\n"));
    }
  }

  /** Waits until exactly one running agent says master, the others standby, and etcd agrees. */
  private String awaitSingleMaster(String election, Duration within) {
    AtomicReference<String> master = new AtomicReference<>();
    await()
        .atMost(within)
        .untilAsserted(
            () -> {
              Map<String, String> roles = roles();
              assertThat(roles.values()).containsOnly("master", "standby");
              List<String> masters =
                  roles.entrySet().stream()
                      .filter(e -> e.getValue().equals("master"))
                      .map(Map.Entry::getKey)
                      .toList();
              assertThat(masters).hasSize(1);
              assertThat(leader(election))
                  .as("etcd leader, roles %s", roles)
                  .isEqualTo(masters.get(0));
              master.set(masters.get(0));
            });
    return master.get();
  }

  private Map<String, String> roles() {
    Map<String, String> roles = new TreeMap<>();
    Set<String> pods = kubelet.pods();
    for (String pod : pods) {
      roles.put(pod, kubelet.agent(pod).role());
    }
    return roles;
  }

  /** The pod name held by the election's leader key, or "" when nobody campaigns. */
  private static String leader(String election) {
    List<String> lines =
        etcd.cluster()
            .etcdctl("get", election, "--prefix", "--sort-by=CREATE", "--order=ASCEND", "--limit=1")
            .lines()
            .toList();
    return lines.size() >= 2 ? lines.get(1) : "";
  }

  private static String other(String pod) {
    return pod.equals("g-0") ? "g-1" : "g-0";
  }

  private static Pod getPod(String ns, String name) {
    return client.pods().inNamespace(ns).withName(name).get();
  }

  private static String condition(String ns, String pod, String type) {
    return getPod(ns, pod).getStatus().getConditions().stream()
        .filter(c -> c.getType().equals(type))
        .map(PodCondition::getStatus)
        .findFirst()
        .orElse("missing");
  }

  private static ContainerStatus containerStatus(String ns, String pod, String container) {
    return getPod(ns, pod).getStatus().getContainerStatuses().stream()
        .filter(c -> c.getName().equals(container))
        .findFirst()
        .orElseThrow();
  }

  private static Watcher<Pod> recorder(List<String> events) {
    return new Watcher<>() {
      @Override
      public void eventReceived(Action action, Pod pod) {
        boolean ready =
            pod.getStatus() != null
                && pod.getStatus().getConditions().stream()
                    .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
        events.add(
            action
                + (pod.getMetadata().getDeletionTimestamp() == null ? "" : " terminating")
                + (ready ? " ready" : " not-ready"));
      }

      @Override
      public void onClose(WatcherException cause) {}
    };
  }

  private static long ms(long sinceNanos) {
    return (System.nanoTime() - sinceNanos) / 1_000_000;
  }
}
