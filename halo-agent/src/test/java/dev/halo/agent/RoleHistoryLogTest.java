package dev.halo.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.halo.common.ElectionKeys;
import dev.halo.etcd.EtcdSecurity;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RoleHistoryLogTest {
  @TempDir Path dir;
  private final AtomicLong now = new AtomicLong(1_000);
  private final AtomicLong lease = new AtomicLong(0x694d8c5e2a1b0f07L);
  private final AgentClock clock =
      new AgentClock() {
        @Override
        public long nanoTime() {
          return now.get();
        }

        @Override
        public Instant wallTime() {
          return Instant.parse("2026-12-07T03:04:05.123456Z");
        }
      };
  private final RoleState state = new RoleState(clock::nanoTime);
  private final long pid = ProcessHandle.current().pid();

  private RoleHistoryLog log(Path file) {
    RoleHistoryLog log = new RoleHistoryLog(file, "web-\"0\"", lease::get, clock);
    state.journal(log);
    return log;
  }

  private static long seconds(long s) {
    return TimeUnit.SECONDS.toNanos(s);
  }

  @Test
  void writesOneLinePerTransitionWithTheTermOfTheIntervalItEnds() throws Exception {
    Path file = dir.resolve("web-0.history");
    try (RoleHistoryLog ignored = log(file)) {
      state.extendDeadline(now.get() + seconds(4));
      state.promote(state.epoch(), "elected", "web-0", 1234);
      lease.set(0); // the lease is dropped before a lease-loss demotion is published
      now.addAndGet(seconds(1));
      state.invalidateLease("lease-lost");
    }

    assertThat(Files.readAllLines(file))
        .containsExactly(
            "{\"member\":\"web-\\\"0\\\"\",\"lease\":\"694d8c5e2a1b0f07\",\"from\":\"standby\","
                + "\"to\":\"master\",\"reason\":\"elected\",\"term\":1234,\"atNanos\":1000,"
                + "\"deadlineNanos\":4000001000,\"wallTime\":\"2026-12-07T03:04:05.123Z\","
                + "\"pid\":"
                + pid
                + "}",
            "{\"member\":\"web-\\\"0\\\"\",\"lease\":\"694d8c5e2a1b0f07\",\"from\":\"master\","
                + "\"to\":\"standby\",\"reason\":\"lease-lost\",\"term\":1234,"
                + "\"atNanos\":1000001000,\"deadlineNanos\":4000001000,"
                + "\"wallTime\":\"2026-12-07T03:04:05.123Z\",\"pid\":"
                + pid
                + "}");
  }

  @Test
  void aRestartedAgentAppends() throws Exception {
    Path file = dir.resolve("web-0.history");
    Files.writeString(file, "{\"earlier\":true}\n");
    try (RoleHistoryLog ignored = log(file)) {
      state.extendDeadline(now.get() + seconds(4));
      state.promote(state.epoch(), "elected", "web-0", 7);
    }

    List<String> lines = Files.readAllLines(file);
    assertThat(lines).hasSize(2).first().isEqualTo("{\"earlier\":true}");
    assertThat(lines.get(1)).contains("\"to\":\"master\"", "\"term\":7");
  }

  @Test
  void aFileThatCannotBeWrittenNeverStopsTheElection() {
    log(dir.resolve("missing-dir").resolve("history"));
    state.extendDeadline(now.get() + seconds(4));

    assertThat(state.promote(state.epoch(), "elected", "web-0", 7)).isTrue();
    state.demote("shutdown", "", 0);
    assertThat(state.role()).isEqualTo(Role.STANDBY);
  }

  @Test
  void anAgentWithHaloRoleHistoryRecordsItsTransitions() throws Exception {
    Path file = dir.resolve("b-0.history");
    String election = ElectionKeys.electionName("test", "history");
    BrokenEtcdClient etcd = new BrokenEtcdClient(election, "b-0");
    etcd.watchesBreak = false;
    AgentConfig config =
        new AgentConfig(
            List.of(URI.create("http://127.0.0.1:1")),
            EtcdSecurity.none(),
            election,
            "b-0",
            5,
            "127.0.0.1",
            0,
            Optional.empty(),
            Duration.ofSeconds(1),
            3,
            Optional.empty(),
            Optional.empty(),
            "",
            "",
            Optional.of(file));
    try (Agent agent = Agent.start(config, etcd)) {
      await().atMost(Duration.ofSeconds(5)).until(() -> agent.role() == Role.MASTER);
    }

    List<String> lines = Files.readAllLines(file);
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0))
        .contains("\"member\":\"b-0\"", "\"lease\":\"1f\"", "\"to\":\"master\"")
        .contains("\"term\":" + BrokenEtcdClient.CREATE_REVISION);
    assertThat(lines.get(1))
        .contains("\"to\":\"standby\"", "\"reason\":\"shutdown\"", "\"lease\":\"1f\"")
        .contains("\"term\":" + BrokenEtcdClient.CREATE_REVISION);
  }
}
