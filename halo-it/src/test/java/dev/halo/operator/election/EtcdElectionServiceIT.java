package dev.halo.operator.election;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.halo.common.ElectionKeys;
import dev.halo.common.FenceValue;
import dev.halo.sandbox.AgentEnv;
import dev.halo.sandbox.Http;
import dev.halo.sandbox.InProcessAgent;
import dev.halo.testing.EtcdExtension;
import io.etcd.jetcd.Client;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The operator's election views on a real etcd, with real agents campaigning in-process. */
class EtcdElectionServiceIT {
  @RegisterExtension static final EtcdExtension etcd = EtcdExtension.members(1);

  private static final Duration OUTAGE_BOUND = Duration.ofSeconds(10);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger groups = new AtomicInteger();

  private final String election = ElectionKeys.electionName("test", "g" + groups.incrementAndGet());
  private final List<InProcessAgent> agents = new ArrayList<>();
  // The view each listener call saw, so tests check what was visible when the call came.
  private final List<ElectionView> heard = new CopyOnWriteArrayList<>();
  private EtcdElectionService service;
  private List<String> endpoints;

  @BeforeEach
  void startService() {
    etcd.ensureAllRunning();
    endpoints = etcd.cluster().clientUrls();
    service = new EtcdElectionService();
    service.addListener(e -> heard.add(service.view(endpoints, e)));
    await().until(() -> view().reachable());
  }

  @AfterEach
  void stopEverything() {
    agents.forEach(InProcessAgent::close);
    service.close();
  }

  @Test
  void candidatesAreInCreateRevisionOrderAndTheFirstIsEtcdsLeader() {
    for (int i = 0; i < 3; i++) {
      start("pod-" + i);
      int candidates = i + 1;
      await().until(() -> view().candidates().size() == candidates);
    }

    ElectionView view = view();
    assertThat(view.candidates())
        .extracting(Candidate::member)
        .containsExactly("pod-0", "pod-1", "pod-2");
    assertThat(view.candidates())
        .extracting(Candidate::createRevision)
        .isSorted()
        .doesNotHaveDuplicates();
    assertThat(view.candidates())
        .allSatisfy(
            c -> assertThat(c.key()).isEqualTo(ElectionKeys.candidateKey(election, c.leaseId())));
    assertThat(view.leader()).map(Candidate::member).contains(etcdLeader());
    assertThat(view.revision()).isEqualTo(view.candidates().get(2).createRevision());
  }

  @Test
  void listenersHearJoinsAndResignationsWithTheViewAlreadyUpdated() {
    InProcessAgent first = start("pod-0");
    await().until(() -> heardLeader().equals("pod-0"));
    start("pod-1");
    await().until(() -> lastHeard().isCampaigning("pod-1"));

    first.close();

    await().atMost(Duration.ofSeconds(5)).until(() -> heardLeader().equals("pod-1"));
    assertThat(lastHeard().candidates()).extracting(Candidate::member).containsExactly("pod-1");
    assertThat(etcdLeader()).isEqualTo("pod-1");
  }

  /** Removes {@code key} at once, as for an agent known dead. */
  private void removeAtOnce(Candidate key) throws Exception {
    service
        .remove(
            endpoints,
            election,
            new KeyRemoval(
                key,
                RemovalPath.IMMEDIATE,
                Optional.empty(),
                new FenceValue(
                    key.leaseId(),
                    key.createRevision(),
                    key.member(),
                    "",
                    "",
                    "agentTerminated",
                    0,
                    RemovalPath.IMMEDIATE.label(),
                    FenceValue.REVOKING)))
        .get(5, TimeUnit.SECONDS);
  }

  @Test
  void revokingTheMastersLeaseMakesTheNextCandidateLeader() throws Exception {
    start("pod-0");
    await().until(() -> view().candidates().size() == 1);
    start("pod-1");
    await().until(() -> view().candidates().size() == 2);
    Candidate master = view().leader().orElseThrow();

    removeAtOnce(master);

    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> view().leader().orElseThrow().member().equals("pod-1"));
    assertThat(view().candidates()).extracting(Candidate::key).doesNotContain(master.key());
    assertThat(etcdLeader()).isEqualTo("pod-1");
    // The lease is gone now; revoking it again is not an error.
    removeAtOnce(master);
  }

  @Test
  void aMasterAskedToStepDownGivesUpItsLeaseAndTheRequestGoesWithIt() throws Exception {
    start("pod-0");
    await().until(() -> view().candidates().size() == 1);
    start("pod-1");
    await().until(() -> view().candidates().size() == 2);
    Candidate master = view().leader().orElseThrow();
    String request = ElectionKeys.stepDownKey(election, master.leaseId());

    service
        .requestStepDown(endpoints, election, master.leaseId(), "switchover")
        .get(5, TimeUnit.SECONDS);

    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> view().leader().orElseThrow().member().equals("pod-1"));
    assertThat(view().candidates()).extracting(Candidate::leaseId).doesNotContain(master.leaseId());
    assertThat(etcd.cluster().etcdctl("get", request)).isBlank();
    assertThat(etcd.cluster().etcdctl("get", election, "--prefix", "--keys-only"))
        .doesNotContain("stepdown");
    // The lease is gone now; asking it again fails, so the caller knows there is nobody to ask.
    assertThat(service.requestStepDown(endpoints, election, master.leaseId(), "switchover"))
        .failsWithin(Duration.ofSeconds(5));
  }

  @Test
  void aStepDownRequestForALegacyAgentAlsoGoesWhereThatAgentWatchesAndGoesWithTheLease()
      throws Exception {
    put(election + "/1", "pod-0");
    await().until(() -> view().leader().isPresent());
    long lease;
    try (Client client = Client.builder().endpoints(etcd.cluster().clientUrls().get(0)).build()) {
      lease = client.getLeaseClient().grant(30).get(5, TimeUnit.SECONDS).getID();
    }

    service
        .requestStepDown(endpoints, election, lease, "switchover", true)
        .get(5, TimeUnit.SECONDS);

    String legacy = ElectionKeys.legacyStepDownKey(election, lease);
    assertThat(legacy).startsWith("/halo-stepdown/halo/");
    assertThat(etcd.cluster().etcdctl("get", legacy, "--print-value-only")).contains("switchover");
    assertThat(
            etcd.cluster()
                .etcdctl("get", ElectionKeys.stepDownKey(election, lease), "--print-value-only"))
        .contains("switchover");
    etcd.cluster().etcdctl("lease", "revoke", Long.toHexString(lease));
    assertThat(etcd.cluster().etcdctl("get", legacy)).isBlank();
  }

  @Test
  void anEtcdOutageMakesViewsUnreachableAndARestartRebuildsThem() {
    put(election + "/1", "pod-0");
    await().until(() -> view().leader().isPresent());

    etcd.cluster().stopAll();

    await().atMost(OUTAGE_BOUND).until(() -> !view().reachable());
    assertThat(view().candidates()).isEmpty();
    assertThat(view().error()).contains(endpoints.get(0));
    assertThat(heard).anyMatch(v -> !v.reachable());

    etcd.cluster().restartAll();
    // These land in the fresh read or in the new watch, depending on timing; either must work.
    etcd.cluster().etcdctl("del", election + "/1");
    put(election + "/2", "pod-1");

    await().atMost(OUTAGE_BOUND).until(() -> view().reachable() && heardLeader().equals("pod-1"));
    assertThat(view().candidates()).extracting(Candidate::member).containsExactly("pod-1");
    assertThat(etcdLeader()).isEqualTo("pod-1");
  }

  @Test
  void aFrozenEtcdIsCaughtByTheHealthCheck() throws Exception {
    EtcdElectionService quick =
        new EtcdElectionService(Duration.ofMillis(200), Duration.ofMillis(300));
    try (quick) {
      await().until(() -> quick.view(endpoints, election).reachable());
      signal("STOP");
      try {
        // gRPC keepalive alone would take 7 s (5 s + 2 s); the health check is much faster.
        await()
            .atMost(Duration.ofSeconds(3))
            .until(() -> !quick.view(endpoints, election).reachable());
      } finally {
        signal("CONT");
      }
      await().atMost(OUTAGE_BOUND).until(() -> quick.view(endpoints, election).reachable());
    }
  }

  @Test
  void aCompactedHistoryStillGivesACorrectViewAfterTheWatchRestarts() {
    for (int i = 0; i < 5; i++) {
      put(election + "/" + i, "pod-" + i);
      if (i % 2 == 0) {
        etcd.cluster().etcdctl("del", election + "/" + i);
      }
    }
    await().until(() -> view().candidates().size() == 2);
    int watches = service.watchesCreated(endpoints);

    etcd.cluster().stopAll();
    etcd.cluster().restartAll();
    etcd.cluster().etcdctl("del", election + "/1");
    long revision = put(election + "/9", "pod-9");
    etcd.cluster().etcdctl("compact", Long.toString(revision));

    await().atMost(OUTAGE_BOUND).until(() -> service.watchesCreated(endpoints) > watches);
    await().until(() -> view().reachable() && view().candidates().size() == 2);
    assertThat(view().candidates()).extracting(Candidate::member).containsExactly("pod-3", "pod-9");
    assertThat(view().leader()).map(Candidate::member).contains(etcdLeader());
  }

  @Test
  void groupsOnTheSameEtcdShareOneWatch() {
    String other = ElectionKeys.electionName("test", "other-of-" + groups.get());
    List<String> sameEtcdOtherSpelling = new ArrayList<>(endpoints);
    sameEtcdOtherSpelling.add(" " + endpoints.get(0) + " ");

    put(election + "/1", "pod-0");
    put(other + "/1", "pod-a");

    await().until(() -> view().isCampaigning("pod-0"));
    await().until(() -> service.view(sameEtcdOtherSpelling, other).isCampaigning("pod-a"));
    assertThat(service.connectionCount()).isEqualTo(1);
    assertThat(service.watchesCreated(endpoints)).isEqualTo(1);
  }

  @Test
  void anUnreachableEtcdIsReportedWithoutWaiting() {
    List<String> nowhere = List.of("http://127.0.0.1:" + Http.freePort());

    long start = System.nanoTime();
    ElectionView first = service.view(nowhere, election);
    long tookMs = (System.nanoTime() - start) / 1_000_000;

    assertThat(first.reachable()).isFalse();
    assertThat(first.leader()).isEmpty();
    assertThat(tookMs).isLessThan(500);
    await()
        .atMost(OUTAGE_BOUND)
        .until(() -> service.view(nowhere, election).error().matches("etcd .*127.0.0.1.*: .+"));
    assertThat(service.view(List.of("not a uri"), election).reachable()).isFalse();
    assertThat(service.view(List.of(), election).error()).contains("no etcd endpoints");
  }

  private ElectionView view() {
    return service.view(endpoints, election);
  }

  /** This test's election as the latest listener call saw it. */
  private ElectionView lastHeard() {
    return heard.stream()
        .filter(v -> v.election().equals(election))
        .reduce((a, b) -> b)
        .orElse(ElectionView.unreachable(election, "not heard of yet"));
  }

  private String heardLeader() {
    return lastHeard().leader().map(Candidate::member).orElse("");
  }

  private InProcessAgent start(String member) {
    InProcessAgent agent =
        InProcessAgent.start(AgentEnv.of(etcd.cluster().endpoints(), election, member).ttl(2));
    agents.add(agent);
    return agent;
  }

  /** Puts a key without a lease and returns the revision of the put. */
  private long put(String key, String value) {
    String out = etcd.cluster().etcdctl("put", key, value, "-w", "json");
    try {
      return JSON.readTree(out).path("header").path("revision").asLong();
    } catch (IOException e) {
      throw new IllegalStateException("unexpected etcdctl output: " + out, e);
    }
  }

  private String etcdLeader() {
    String out =
        etcd.cluster()
            .etcdctl(
                "get", election, "--prefix", "--sort-by=CREATE", "--order=ASCEND", "--limit=1");
    String[] lines = out.strip().split("\n");
    return lines.length < 2 ? "" : lines[1];
  }

  private static void signal(String signal) throws IOException, InterruptedException {
    long pid = etcd.cluster().pid(0);
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
    assertThat(kill.waitFor(5, TimeUnit.SECONDS) && kill.exitValue() == 0)
        .as("kill -" + signal)
        .isTrue();
  }
}
