package dev.halo.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RoleNoticeTest {
  private static final Instant NOW = Instant.parse("2026-12-07T03:04:05Z");
  private static final Clock WALL = Clock.fixed(NOW, ZoneOffset.UTC);

  @Test
  void aMastersJsonCarriesItsTermAndValidUntil() {
    RoleNotice notice =
        new RoleNotice(Role.MASTER, 1234, Optional.of(NOW.plusMillis(3123)), "web-0", "web-0");

    assertThat(notice.json())
        .isEqualTo(
            "{\"role\":\"master\",\"term\":1234,\"validUntil\":\"2026-12-07T03:04:08.123Z\","
                + "\"member\":\"web-0\",\"leader\":\"web-0\"}");
  }

  @Test
  void aStandbysJsonNamesTheLeadersTermAndNoValidUntil() {
    RoleNotice notice = new RoleNotice(Role.STANDBY, 1234, Optional.empty(), "web-1", "web-0");

    assertThat(notice.json())
        .isEqualTo(
            "{\"role\":\"standby\",\"term\":1234,\"validUntil\":null,"
                + "\"member\":\"web-1\",\"leader\":\"web-0\"}");
  }

  @Test
  void theWebhookAddsRevisionAsAnAliasOfTerm() throws Exception {
    JsonNode body =
        new ObjectMapper()
            .readTree(
                new RoleNotice(Role.MASTER, 77, Optional.of(NOW), "web-0", "web-0").webhookJson());

    assertThat(body.get("term").asLong()).isEqualTo(77);
    assertThat(body.get("revision").asLong()).isEqualTo(77);
    assertThat(body.get("validUntil").asText()).isEqualTo("2026-12-07T03:04:05.000Z");
  }

  @Test
  void validUntilIsTheDeadlineAsWallTimeNeverRoundedLater() {
    assertThat(RoleNotice.validUntil(3_120_999_999L, WALL.instant()))
        .contains(Instant.parse("2026-12-07T03:04:08.120Z"));
  }

  @Test
  void validUntilIsEmptyOnceTheDeadlinePassedOrWhenThereIsNone() {
    assertThat(RoleNotice.validUntil(0, WALL.instant())).isEmpty();
    assertThat(RoleNotice.validUntil(-1, WALL.instant())).isEmpty();
  }

  @Test
  void anyNameALeaderPutInEtcdStaysValidJson() throws Exception {
    String odd = "x\"y\\z\n\u0001é";
    JsonNode parsed =
        new ObjectMapper()
            .readTree(new RoleNotice(Role.STANDBY, 5, Optional.empty(), "web-1", odd).json());

    assertThat(parsed.get("leader").asText()).isEqualTo(odd);
    assertThat(parsed.get("validUntil").isNull()).isTrue();
  }
}
