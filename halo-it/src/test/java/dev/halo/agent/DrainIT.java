package dev.halo.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.common.DrainHook;
import dev.halo.common.ElectionKeys;
import dev.halo.sandbox.AgentEnv;
import dev.halo.sandbox.InProcessAgent;
import dev.halo.testing.EtcdExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The drain-before-stop hook on real etcd: {@code GET /drain} makes a master hand over at once and
 * answers only once the operator's route ({@link ElectionKeys#routedKey}) names the successor; the
 * drained agent never campaigns again; a wrong token changes nothing; a member with nobody to hand
 * over to answers at once.
 */
class DrainIT {
  @RegisterExtension static final EtcdExtension etcd = EtcdExtension.members(1);

  private static final String GROUP_UID = "0b5e6c1a-7d2f-4e8a-9c3b-5f1e2d4a6b70";
  private static final String ELECTION = ElectionKeys.electionName("drain", "g");
  private final HttpClient http = HttpClient.newHttpClient();
  private InProcessAgent first;
  private InProcessAgent second;

  @AfterEach
  void stop() {
    for (InProcessAgent agent : new InProcessAgent[] {first, second}) {
      if (agent != null) {
        agent.close();
      }
    }
  }

  private InProcessAgent start(String member) {
    return InProcessAgent.start(
        AgentEnv.of(etcd.cluster().endpoints(), ELECTION, member)
            .ttl(2)
            .set("HALO_GROUP_UID", GROUP_UID));
  }

  /** g-0 master, g-1 campaigning behind it. */
  private void masterAndStandby() {
    first = start("g-0");
    await().atMost(Duration.ofSeconds(10)).until(() -> first.agent().role() == Role.MASTER);
    second = start("g-1");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> second.agent().status().phase().equals("campaigning"));
  }

  private CompletableFuture<HttpResponse<String>> drain(InProcessAgent agent, String token) {
    String path = DrainHook.path(token, 20, 0, 0);
    return http.sendAsync(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agent.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aMasterHandsOverAndAnswersOnceItsSuccessorIsRouted() throws Exception {
    masterAndStandby();

    assertThat(drain(first, "0123456789abcdef").get().statusCode()).isEqualTo(403);
    assertThat(first.agent().role()).isEqualTo(Role.MASTER);

    CompletableFuture<HttpResponse<String>> drained =
        drain(first, DrainHook.token(GROUP_UID, "g-0"));
    await().atMost(Duration.ofSeconds(10)).until(() -> second.agent().role() == Role.MASTER);
    assertThat(first.agent().role()).isEqualTo(Role.STANDBY);
    assertThat(drained).as("waits for the successor's labels").isNotDone();

    long term = second.agent().status().createRevision();
    etcd.cluster()
        .etcdctl("put", ElectionKeys.routedKey(ELECTION), ElectionKeys.routed("g-1", term));
    HttpResponse<String> answer = drained.get(10, TimeUnit.SECONDS);
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.body()).startsWith("handed over to g-1 in ");

    // Drained for good: not back in the queue, whatever happens next.
    assertThat(first.agent().status().phase()).isEqualTo("idle");
    assertThat(
            etcd.cluster()
                .etcdctl("get", ElectionKeys.prefix(ELECTION), "--prefix", "--keys-only")
                .strip()
                .lines()
                .filter(l -> !l.isBlank()))
        .hasSize(1);

    // The last member has nobody to hand over to: it answers without waiting.
    HttpResponse<String> alone =
        drain(second, DrainHook.token(GROUP_UID, "g-1")).get(10, TimeUnit.SECONDS);
    assertThat(alone.body()).startsWith("no other member to hand over to");
    assertThat(second.agent().role()).isEqualTo(Role.STANDBY);
  }

  @Test
  void aMasterAskedToStepDownJustBeforeItsHookStillWaitsForItsSuccessorsRoute() throws Exception {
    masterAndStandby();

    // The operator saw the deletion first and asked the master to step down.
    long lease = Long.parseLong(first.agent().status().leaseId(), 16);
    etcd.cluster().etcdctl("put", ElectionKeys.stepDownKey(ELECTION, lease), "podDeleted");
    await().atMost(Duration.ofSeconds(10)).until(() -> second.agent().role() == Role.MASTER);

    CompletableFuture<HttpResponse<String>> drained =
        drain(first, DrainHook.token(GROUP_UID, "g-0"));
    long term = second.agent().status().createRevision();
    // Waits for the successor's labels, which no one publishes yet.
    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(5))
        .until(() -> !drained.isDone());
    etcd.cluster()
        .etcdctl("put", ElectionKeys.routedKey(ELECTION), ElectionKeys.routed("g-1", term));
    assertThat(drained.get(10, TimeUnit.SECONDS).body()).startsWith("handed over to g-1 in ");
  }
}
