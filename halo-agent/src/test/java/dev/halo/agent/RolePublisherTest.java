package dev.halo.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RolePublisherTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant T0 = Instant.parse("2026-12-07T03:04:05.123Z");

  @TempDir Path dir;

  // What the agent's deadline is as wall time; empty while not master.
  private final AtomicReference<Optional<Instant>> deadline =
      new AtomicReference<>(Optional.of(T0));
  // The leader the agent last read.
  private final AtomicReference<Optional<ElectionClient.Candidate>> leader =
      new AtomicReference<>(Optional.empty());
  private RolePublisher publisher;

  private RolePublisher start(Duration refreshEvery) throws IOException {
    publisher =
        new RolePublisher(
            Optional.of(dir.resolve("role")),
            Optional.empty(),
            "web-0",
            refreshEvery,
            new RolePublisher.Live(deadline::get, leader::get));
    publisher.initialize();
    return publisher;
  }

  @AfterEach
  void close() {
    if (publisher != null) {
      publisher.close();
    }
  }

  private String roleFile() {
    return read(dir.resolve("role"));
  }

  private JsonNode json() {
    try {
      return JSON.readTree(read(dir.resolve("role.json")));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "";
    }
  }

  @Test
  void startsAsStandbyWithTermZeroBesideTheOneWordRoleFile() throws IOException {
    start(Duration.ofSeconds(2));

    assertThat(roleFile()).isEqualTo("standby\n");
    assertThat(read(dir.resolve("role.json")))
        .isEqualTo(
            "{\"role\":\"standby\",\"term\":0,\"validUntil\":null,"
                + "\"member\":\"web-0\",\"leader\":\"\"}\n");
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("role", "role.json");
    }
  }

  @Test
  void aPromotionWritesItsTermAndTheDeadlineAsValidUntil() throws IOException {
    start(Duration.ofSeconds(2)).publish(Role.MASTER, 1234, "web-0");

    await().until(() -> roleFile().equals("master\n"));
    JsonNode json = json();
    assertThat(json.get("role").asText()).isEqualTo("master");
    assertThat(json.get("term").asLong()).isEqualTo(1234);
    assertThat(json.get("validUntil").asText()).isEqualTo("2026-12-07T03:04:05.123Z");
    assertThat(json.get("leader").asText()).isEqualTo("web-0");
  }

  @Test
  void aDemotionNamesTheNewLeadersTermAndClearsValidUntil() throws IOException {
    start(Duration.ofSeconds(2)).publish(Role.MASTER, 10, "web-0");
    await().until(() -> roleFile().equals("master\n"));
    deadline.set(Optional.empty());

    publisher.publish(Role.STANDBY, 15, "web-1");

    await().until(() -> roleFile().equals("standby\n"));
    JsonNode json = json();
    assertThat(json.get("role").asText()).isEqualTo("standby");
    assertThat(json.get("term").asLong()).isEqualTo(15);
    assertThat(json.get("validUntil").isNull()).isTrue();
    assertThat(json.get("leader").asText()).isEqualTo("web-1");
  }

  @Test
  void aMasterKeepsValidUntilMovingWithItsDeadline() throws IOException {
    start(Duration.ofMillis(20)).publish(Role.MASTER, 10, "web-0");
    await().until(() -> roleFile().equals("master\n"));

    deadline.set(Optional.of(T0.plusSeconds(2)));

    await().until(() -> json().get("validUntil").asText().equals("2026-12-07T03:04:07.123Z"));
    assertThat(json().get("term").asLong()).isEqualTo(10);
  }

  @Test
  void aStandbysJsonFollowsTheLeaderItLastRead() throws IOException {
    start(Duration.ofMillis(20));

    leader.set(Optional.of(new ElectionClient.Candidate("/e/1", "web-1", 15, 1)));

    await().until(() -> json().get("term").asLong() == 15);
    assertThat(json().get("leader").asText()).isEqualTo("web-1");
    assertThat(json().get("role").asText()).isEqualTo("standby");
    assertThat(roleFile()).isEqualTo("standby\n");
  }

  @Test
  void aStandbyIsNeverRewrittenAsMaster() throws IOException {
    start(Duration.ofMillis(20)).publish(Role.MASTER, 10, "web-0");
    await().until(() -> roleFile().equals("master\n"));
    publisher.publish(Role.STANDBY, 10, "web-0");
    await().until(() -> roleFile().equals("standby\n"));

    // A refresh of the old mastership would write master again if it had not been cancelled.
    await()
        .during(Duration.ofMillis(200))
        .until(() -> json().get("role").asText().equals("standby"));
  }

  @Test
  void aPromotionNoLongerHeldIsNotPublished() throws IOException {
    deadline.set(Optional.empty());

    start(Duration.ofMillis(20)).publish(Role.MASTER, 10, "web-0");

    await().during(Duration.ofMillis(200)).until(() -> roleFile().equals("standby\n"));
    assertThat(json().get("term").asLong()).isZero();
  }

  @Test
  void aReaderNeverSeesAHalfWrittenJson() throws IOException {
    start(Duration.ofMillis(1)).publish(Role.MASTER, 10, "web-0");
    await().until(() -> roleFile().equals("master\n"));
    Set<String> seen = new HashSet<>();

    for (int i = 0; seen.size() < 20; i++) {
      deadline.set(Optional.of(T0.plusMillis(i)));
      String text = read(dir.resolve("role.json"));
      assertThat(text)
          .as("a whole JSON, never a torn or empty file")
          .startsWith("{")
          .endsWith("}\n");
      JsonNode json = JSON.readTree(text);
      assertThat(json.get("role").asText()).isEqualTo("master");
      seen.add(json.get("validUntil").asText());
    }
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).doesNotContain("role.json.tmp");
    }
  }
}
