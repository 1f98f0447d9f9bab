package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.api.v1alpha1.FailoverRecord;
import dev.halo.api.v1alpha1.HighAvailabilityGroup;
import dev.halo.common.Annotations;
import dev.halo.common.Labels;
import dev.halo.common.Names;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * One sandbox as {@code halo sandbox} starts it (secured etcd: TLS, client certificates, a role per
 * group; 1 member), shared by the tests: the agents of group {@code web} reach etcd through the
 * Secret volume the kubelet writes, the operator revokes and asks for step-downs under its own
 * role, a rotated Secret reaches the agent's files without a failover, and a missing Secret keeps a
 * pod in ContainerCreating with a FailedMount event until it appears.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecuredSandboxIT {
  private static final Duration CONVERGE = Duration.ofSeconds(60);
  private static final String GROUP = "web";
  private static final String SECRET = "web-etcd-tls";
  private static Sandbox sandbox;
  private static KubernetesClient client;

  @BeforeAll
  static void start() {
    Awaitility.ignoreExceptionsByDefault();
    sandbox = Sandbox.start(new Sandbox.Options(1, 0, 0, Optional.empty(), true, false));
    client = sandbox.client();
    awaitMaster();
  }

  @AfterAll
  static void stop() {
    if (sandbox != null) {
      sandbox.close();
    }
  }

  @Test
  @Order(1)
  void agentsUseTheirGroupsCertificateFromTheSecretVolume() throws Exception {
    String master = awaitMaster();
    Path volume = sandbox.kubelet().secretVolume(master, Names.ETCD_TLS_VOLUME);
    assertThat(Files.readAllBytes(volume.resolve("tls.crt"))).isEqualTo(secretKey("tls.crt"));
    assertThat(Files.isSymbolicLink(volume.resolve("..data"))).isTrue();
    assertThat(sandbox.etcdEndpoints()).startsWith("https://");
    // The group's role covers its own prefix only, the reader's nothing but reads.
    assertThat(sandbox.etcd().etcdctl("role", "get", "halo-agent-default-web"))
        .contains("[/halo/default/web/, /halo/default/web0)");
    assertThat(sandbox.etcd().etcdctl("role", "get", SandboxEtcdIssuer.READER))
        .contains("KV Read:")
        .doesNotContain("KV Write:\n\t[");
  }

  @Test
  @Order(2)
  void aRotatedSecretReachesTheFilesAndTheMasterKeepsItsLease() throws Exception {
    String master = awaitMaster();
    AgentHandle agent = sandbox.kubelet().agent(master);
    Map<String, Object> before = agent.status().orElseThrow();
    byte[] oldCert = secretKey("tls.crt");
    List<String> history = new CopyOnWriteArrayList<>();
    Thread sampler = sample(agent, history);
    try {
      sandbox.issuer().orElseThrow().issue(GROUP, SECRET);
      byte[] newCert = secretKey("tls.crt");
      assertThat(newCert).isNotEqualTo(oldCert);
      for (String pod : List.of("web-0", "web-1", "web-2")) {
        Path cert = sandbox.kubelet().secretVolume(pod, Names.ETCD_TLS_VOLUME).resolve("tls.crt");
        await()
            .atMost(CONVERGE)
            .until(() -> java.util.Arrays.equals(Files.readAllBytes(cert), newCert));
      }
      // The agents keep working on the new files: the master holds on, nobody fails over.
      await()
          .during(Duration.ofSeconds(3))
          .atMost(Duration.ofSeconds(10))
          .until(() -> master.equals(labelledMaster()));
    } finally {
      sampler.interrupt();
      sampler.join(2000);
    }
    Map<String, Object> after = agent.status().orElseThrow();
    assertThat(after.get("leaseId")).isEqualTo(before.get("leaseId"));
    assertThat(after.get("leaderRevision")).isEqualTo(before.get("leaderRevision"));
    assertThat(after.get("etcdFailure")).isIn("", null);
    assertThat(history).isNotEmpty().allMatch(h -> h.equals("master " + before.get("leaseId")));
    assertThat(labelledHag().getStatus().getFailovers()).isIn(0, null);
  }

  @Test
  @Order(3)
  void theOperatorRevokesACrashedMastersLeaseUnderItsRole() {
    String master = awaitMaster();
    sandbox.kubelet().crashAgent(master);
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () -> {
              FailoverRecord last = labelledHag().getStatus().getLastFailover();
              assertThat(last).isNotNull();
              assertThat(last.getFrom()).isEqualTo(master);
              assertThat(last.getReason()).isEqualTo("podFailed");
              // Revoked at once; a refused revoke would wait for the 5 s lease TTL.
              assertThat(last.getDurationMillis()).isLessThan(4000L);
            });
    assertThat(awaitMaster()).isNotEqualTo(master);
  }

  @Test
  @Order(4)
  void aSwitchoverStepDownRequestWorksUnderTheOperatorsRole() {
    String master = awaitMaster();
    client
        .resources(HighAvailabilityGroup.class)
        .inNamespace(Sandbox.NAMESPACE)
        .withName(GROUP)
        .edit(
            h -> {
              h.getMetadata().getAnnotations().put(Annotations.SWITCHOVER, master);
              return h;
            });
    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () -> {
              assertThat(labelledMaster()).isNotEmpty().isNotEqualTo(master);
              assertThat(labelledHag().getStatus().getLastFailover().getReason())
                  .isEqualTo("switchover");
            });
  }

  @Test
  @Order(5)
  void aMissingSecretKeepsThePodInContainerCreatingWithFailedMountUntilItExists() {
    HighAvailabilityGroup api = Sandbox.exampleGroup("api", Sandbox.NAMESPACE);
    api.getSpec().setReplicas(1);
    api.getSpec().setZones(List.of("a"));
    // Its own endpoints: the sandbox issues nothing for it, as for a group you bring your own
    // Secret for.
    api.getSpec().getElection().setEndpoints(List.of(sandbox.etcdEndpoints().split(",")));
    api.getSpec().getElection().setTls(new dev.halo.api.v1alpha1.EtcdTlsSpec());
    api.getSpec().getElection().getTls().setSecretName("api-etcd-tls");
    client.resource(api).create();

    await()
        .atMost(CONVERGE)
        .untilAsserted(
            () -> {
              Pod pod = client.pods().inNamespace(Sandbox.NAMESPACE).withName("api-0").get();
              assertThat(pod.getStatus().getPhase()).isEqualTo("Pending");
              assertThat(pod.getStatus().getContainerStatuses())
                  .allMatch(c -> "ContainerCreating".equals(c.getState().getWaiting().getReason()));
              assertThat(failedMounts("api-0"))
                  .contains(
                      "MountVolume.SetUp failed for volume \"halo-etcd-tls\" : secret"
                          + " \"api-etcd-tls\" not found");
            });

    sandbox.issuer().orElseThrow().issue("api", "api-etcd-tls");
    await()
        .atMost(CONVERGE)
        .until(
            () ->
                client
                        .pods()
                        .inNamespace(Sandbox.NAMESPACE)
                        .withLabel(Labels.GROUP, "api")
                        .withLabel(Labels.ROLE, Labels.ROLE_MASTER)
                        .list()
                        .getItems()
                        .size()
                    == 1);
  }

  private static List<String> failedMounts(String pod) {
    return client.v1().events().inNamespace(Sandbox.NAMESPACE).list().getItems().stream()
        .filter(e -> "FailedMount".equals(e.getReason()))
        .filter(e -> pod.equals(e.getInvolvedObject().getName()))
        .map(Event::getMessage)
        .toList();
  }

  /** Records the agent's role and lease every 100 ms until interrupted. */
  private static Thread sample(AgentHandle agent, List<String> history) {
    Thread thread =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                agent.status().ifPresent(s -> history.add(s.get("role") + " " + s.get("leaseId")));
                try {
                  Thread.sleep(100);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "role-history");
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  private static byte[] secretKey(String key) {
    Secret secret = client.secrets().inNamespace(Sandbox.NAMESPACE).withName(SECRET).get();
    return Base64.getDecoder().decode(secret.getData().get(key));
  }

  private static HighAvailabilityGroup labelledHag() {
    return client
        .resources(HighAvailabilityGroup.class)
        .inNamespace(Sandbox.NAMESPACE)
        .withName(GROUP)
        .get();
  }

  private static String labelledMaster() {
    return client
        .pods()
        .inNamespace(Sandbox.NAMESPACE)
        .withLabel(Labels.GROUP, GROUP)
        .withLabel(Labels.ROLE, Labels.ROLE_MASTER)
        .list()
        .getItems()
        .stream()
        .map(p -> p.getMetadata().getName())
        .reduce((a, b) -> "")
        .orElse("");
  }

  private static String awaitMaster() {
    return await().atMost(CONVERGE).until(SecuredSandboxIT::labelledMaster, m -> !m.isEmpty());
  }
}
