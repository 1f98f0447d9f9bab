package dev.halo.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** An Event is recorded once per window per group, reason and message, until it is forgotten. */
class RecentEventsTest {
  private static final Instant T0 = Instant.parse("2026-12-07T20:00:00Z");
  private final RecentEvents recent = new RecentEvents(Duration.ofMinutes(5));

  @Test
  void theSameEventIsDueOncePerWindow() {
    assertThat(recent.due("uid-1", "EtcdUnreachable", "down", T0)).isTrue();
    assertThat(recent.due("uid-1", "EtcdUnreachable", "down", T0.plusSeconds(299))).isFalse();
    assertThat(recent.due("uid-1", "EtcdUnreachable", "down", T0.plusSeconds(300))).isTrue();
  }

  @Test
  void anotherMessageGroupOrReasonIsDueAtOnce() {
    assertThat(recent.due("uid-1", "EtcdUnreachable", "down", T0)).isTrue();
    assertThat(recent.due("uid-1", "EtcdUnreachable", "refused", T0)).isTrue();
    assertThat(recent.due("uid-2", "EtcdUnreachable", "down", T0)).isTrue();
    assertThat(recent.due("uid-1", "InvalidSpec", "down", T0)).isTrue();
  }

  @Test
  void forgettingAReasonMakesItsNextEventDueAndLeavesTheOthers() {
    recent.due("uid-1", "EtcdUnreachable", "down", T0);
    recent.due("uid-1", "InvalidSpec", "bad", T0);
    recent.due("uid-2", "EtcdUnreachable", "down", T0);

    recent.forget("uid-1", "EtcdUnreachable");

    assertThat(recent.due("uid-1", "EtcdUnreachable", "down", T0.plusSeconds(1))).isTrue();
    assertThat(recent.due("uid-1", "InvalidSpec", "bad", T0.plusSeconds(1))).isFalse();
    assertThat(recent.due("uid-2", "EtcdUnreachable", "down", T0.plusSeconds(1))).isFalse();
  }

  @Test
  void forgettingADeletedGroupForgetsAllItsReasons() {
    recent.due("uid-1", "EtcdUnreachable", "down", T0);
    recent.due("uid-1", "InvalidSpec", "bad", T0);

    recent.forget("uid-1");

    assertThat(recent.due("uid-1", "EtcdUnreachable", "down", T0.plusSeconds(1))).isTrue();
    assertThat(recent.due("uid-1", "InvalidSpec", "bad", T0.plusSeconds(1))).isTrue();
  }
}
