package dev.halo.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.halo.common.ElectionKeys;
import dev.halo.sandbox.AgentEnv;
import dev.halo.sandbox.InProcessAgent;
import dev.halo.testing.EtcdExtension;
import dev.halo.testing.RoleSampler;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Leadership gated on the workload's health probe. */
class HealthGatedIT {
  @RegisterExtension static final EtcdExtension etcd = EtcdExtension.members(1);

  private static final AtomicInteger groups = new AtomicInteger();
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final String election =
      ElectionKeys.electionName("health", "g" + groups.incrementAndGet());

  @AfterEach
  void cleanUp() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }

  /** A workload whose health endpoint answers 200 or 503 as the test says. */
  private static final class Workload implements AutoCloseable {
    final AtomicBoolean healthy = new AtomicBoolean(true);
    final HttpServer server;

    Workload() throws IOException {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
      server.createContext(
          "/health",
          ex -> {
            ex.sendResponseHeaders(healthy.get() ? 200 : 503, -1);
            ex.close();
          });
      server.start();
    }

    String url() {
      return "http://127.0.0.1:" + server.getAddress().getPort() + "/health";
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }

  private InProcessAgent start(String member, Workload workload) {
    InProcessAgent agent =
        InProcessAgent.start(
            AgentEnv.of(etcd.cluster().endpoints(), election, member)
                .ttl(2)
                .set("HALO_HEALTH_HTTP", workload.url())
                .set("HALO_HEALTH_PERIOD_MS", "100")
                .set("HALO_HEALTH_FAILURES", "2"));
    closeables.add(0, agent);
    return agent;
  }

  private Workload workload() throws IOException {
    Workload w = new Workload();
    closeables.add(w);
    return w;
  }

  private static boolean campaigning(InProcessAgent a) {
    return a.status().map(s -> s.get("phase")).orElse("").equals("campaigning");
  }

  @Test
  void unhealthyMasterResignsAndRejoinsAsStandbyWhenHealthyAgain() throws IOException {
    Workload w0 = workload();
    Workload w1 = workload();
    InProcessAgent a0 = start("w-0", w0);
    await().until(() -> a0.role().equals("master"));
    InProcessAgent a1 = start("w-1", w1);
    await().until(() -> campaigning(a1));

    String oldKey = a0.agent().status().key();
    try (RoleSampler sampler = new RoleSampler(List.of(a0, a1))) {
      w0.healthy.set(false);
      await().atMost(Duration.ofSeconds(3)).until(() -> a1.role().equals("master"));
      assertThat(a0.role()).isEqualTo("standby");
      assertThat(a0.status().orElseThrow()).containsEntry("eligible", false);
      assertThat(etcd.cluster().etcdctl("get", oldKey)).isBlank();

      w0.healthy.set(true);
      await().atMost(Duration.ofSeconds(5)).until(() -> campaigning(a0));
      assertThat(a0.role()).isEqualTo("standby");
      assertThat(a1.role()).isEqualTo("master");
      assertThat(sampler.violations()).as(sampler.describe()).isEmpty();
    }
  }

  @Test
  void unhealthyWorkloadNeverCampaigns() throws IOException {
    Workload w = workload();
    w.healthy.set(false);
    InProcessAgent a = start("u-0", w);
    // Give the probe time to fail repeatedly, then check nothing reached etcd.
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> a.status().map(s -> s.get("phase")).orElse("").equals("idle"));
    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(3))
        .until(() -> !campaigning(a));
    assertThat(a.role()).isEqualTo("standby");
    assertThat(etcd.cluster().etcdctl("get", election, "--prefix", "--keys-only")).isBlank();

    w.healthy.set(true);
    await().atMost(Duration.ofSeconds(5)).until(() -> a.role().equals("master"));
  }
}
