package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.halo.testing.EtcdExtension;
import java.nio.file.Path;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class EtcdClusterTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final EtcdExtension etcd = EtcdExtension.members(3);

  @BeforeEach
  void allMembersUp() {
    etcd.ensureAllRunning();
  }

  @Test
  void singleMemberRoundTripsAndCloseRemovesEverything() {
    EtcdCluster cluster = EtcdCluster.start(1);
    long pid = cluster.pid(0);
    Path dataDir = cluster.dataDir(0);
    Path root = cluster.root();
    try (cluster) {
      assertThat(cluster.size()).isEqualTo(1);
      assertThat(cluster.endpoints()).isEqualTo(cluster.clientUrl(0));
      assertThat(dataDir.resolve("member")).isDirectory();

      cluster.etcdctl("put", "greeting", "hello");

      assertThat(cluster.etcdctl("get", "greeting", "--print-value-only")).isEqualTo("hello\n");
    }

    assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
    assertThat(dataDir).doesNotExist();
    assertThat(root).doesNotExist();
    assertThatCode(cluster::close).doesNotThrowAnyException();
  }

  @Test
  void withAuthenticationOnEtcdctlRunsAsRootAndTakesInputOnStdin() {
    try (EtcdCluster cluster = EtcdCluster.start(1)) {
      cluster.enableAuth("root-secret");

      // Only root may list roles; etcdctl's auth enable made the root role.
      assertThat(cluster.etcdctl("role", "list")).contains("root");
      cluster.etcdctlWithInput("reader-secret\n", "user", "add", "reader", "--interactive=false");
      cluster.etcdctl("put", "greeting", "hello");
      assertThat(cluster.etcdctl("user", "list")).contains("reader", "root");
      // The user added without a role may read nothing: the password from stdin let it in.
      assertThatThrownBy(() -> cluster.etcdctl("--user=reader:reader-secret", "get", "greeting"))
          .hasMessageContaining("permission denied");
    }
  }

  @Test
  void killedLeaderIsReplacedAndRejoinsAfterRestart() throws Exception {
    EtcdCluster cluster = etcd.cluster();
    int oldLeader = cluster.leaderIndex();
    long oldPid = cluster.pid(oldLeader);

    cluster.kill(oldLeader);

    assertThat(cluster.isRunning(oldLeader)).isFalse();
    assertThat(ProcessHandle.of(oldPid).filter(ProcessHandle::isAlive)).isEmpty();
    assertThat(cluster.leaderIndex()).isNotEqualTo(oldLeader);
    cluster.etcdctl("put", "after-kill", "still-writable");

    cluster.restart(oldLeader);

    assertThat(cluster.isRunning(oldLeader)).isTrue();
    assertThat(cluster.pid(oldLeader)).isNotEqualTo(oldPid);
    // Plain etcdctl 3.4 prints health to stderr; JSON goes to stdout.
    JsonNode health =
        JSON.readTree(cluster.etcdctl("endpoint", "health", "--cluster", "-w", "json"));
    assertThat(health)
        .hasSize(3)
        .allSatisfy(h -> assertThat(h.path("health").asBoolean()).isTrue());
    assertThat(health.findValuesAsText("endpoint"))
        .containsExactlyInAnyOrderElementsOf(cluster.clientUrls());
    // The restarted process rejoined as the old member instead of adding a fourth one.
    assertThat(cluster.etcdctl("member", "list").lines()).hasSize(3);
    assertThat(cluster.etcdctl("get", "after-kill", "--print-value-only"))
        .isEqualTo("still-writable\n");
  }

  @Test
  void stopAllAndRestartAllKeepsData() {
    EtcdCluster cluster = etcd.cluster();
    cluster.etcdctl("put", "durable", "yes");

    cluster.stopAll();

    assertThat(IntStream.range(0, cluster.size()).filter(cluster::isRunning)).isEmpty();

    cluster.restartAll();

    assertThat(IntStream.range(0, cluster.size()).allMatch(cluster::isRunning)).isTrue();
    assertThat(cluster.etcdctl("get", "durable", "--print-value-only")).isEqualTo("yes\n");
  }

  @Test
  void missingEtcdBinaryFailsWithInstallHint() {
    Path missing = Path.of("/nonexistent/etcd");

    assertThatThrownBy(() -> EtcdCluster.start(1, missing, EtcdCluster.DEFAULT_ETCDCTL))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("etcd not found at /nonexistent/etcd")
        .hasMessageContaining("apt-get install etcd-server etcd-client")
        .hasMessageContaining("make test");
  }
}
