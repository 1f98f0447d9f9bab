package dev.halo.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code halo sandbox} as a command: the scripted failover tour (on a plaintext etcd, {@code
 * --insecure-etcd}; SandboxIT runs the secured default), and bad input.
 */
class SandboxCommandIT {
  @TempDir Path dir;

  @Test
  void failoverScenarioPrintsBothHandoversAndExitsZero() throws Exception {
    try (SandboxProcess sandbox =
        SandboxProcess.start(
            dir, Map.of(), "--scenario", "failover", "--etcd-members", "1", "--insecure-etcd")) {
      List<ProcessHandle> children = List.of();
      long deadline = System.nanoTime() + Duration.ofSeconds(240).toNanos();
      while (sandbox.process.isAlive() && System.nanoTime() < deadline) {
        List<ProcessHandle> now = sandbox.process.descendants().toList();
        if (now.size() > children.size()) {
          children = now;
        }
        sandbox.process.waitFor(200, TimeUnit.MILLISECONDS);
      }
      assertThat(sandbox.process.isAlive()).as("the scenario is still running").isFalse();
      assertThat(sandbox.process.exitValue())
          .as("exit code; stderr:\n%s", SandboxProcess.tail(sandbox.stderr()))
          .isZero();
      assertThat(sandbox.stdout())
          .containsPattern("etcd\\s+http://127\\.0\\.0\\.1:\\d+  \\(plaintext, --insecure-etcd\\)")
          .contains("ETCDCTL_API=3 etcdctl --endpoints http://127.0.0.1:")
          .containsPattern("kill -9 master agent\\s+web-\\d\\s+web-\\d\\s+\\d+ ms\\s+\\d+")
          .containsPattern("delete master pod\\s+web-\\d\\s+web-\\d\\s+\\d+ ms\\s+\\d+");
      assertThat(children).as("it ran etcd and agent processes").isNotEmpty();
      assertThat(children).noneMatch(ProcessHandle::isAlive);
    }
  }

  @Test
  void apiPortInUseFailsWithOneLine() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Result result = run("--api-port", Integer.toString(taken.getLocalPort()));
      assertThat(result.exit()).isEqualTo(1);
      assertThat(result.lastErrLine())
          .startsWith("halo sandbox: cannot listen on 127.0.0.1:" + taken.getLocalPort())
          .contains("--api-port");
    }
  }

  @Test
  void proxyPortInUseFailsWithOneLine() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Result result = run("--proxy-port", Integer.toString(taken.getLocalPort()));
      assertThat(result.exit()).isEqualTo(1);
      assertThat(result.lastErrLine()).contains("--proxy-port");
    }
  }

  @Test
  void unwritableKubeconfigFailsWithOneLine() throws Exception {
    Result result = run("--kubeconfig", "/proc/halo/kubeconfig");
    assertThat(result.exit()).isEqualTo(1);
    assertThat(result.lastErrLine())
        .startsWith("halo sandbox: cannot write the kubeconfig /proc/halo/kubeconfig");
  }

  @Test
  void missingEtcdFailsWithAnInstallHint() throws Exception {
    Result result = run(Map.of("HALO_ETCD_BIN", dir.resolve("no-etcd").toString()));
    assertThat(result.exit()).isEqualTo(1);
    assertThat(result.lastErrLine()).startsWith("halo sandbox: ").contains("apt-get install");
  }

  private record Result(int exit, String stderr) {
    String lastErrLine() {
      List<String> lines = stderr.lines().filter(l -> l.startsWith("halo sandbox:")).toList();
      assertThat(lines).as("one error line in:\n%s", stderr).hasSize(1);
      return lines.get(0);
    }
  }

  private Result run(String... args) throws Exception {
    return run(Map.of(), args);
  }

  private Result run(Map<String, String> env, String... args) throws Exception {
    try (SandboxProcess sandbox = SandboxProcess.start(dir, env, args)) {
      assertThat(sandbox.process.waitFor(90, TimeUnit.SECONDS)).as("exited").isTrue();
      return new Result(sandbox.process.exitValue(), sandbox.stderr());
    }
  }
}
