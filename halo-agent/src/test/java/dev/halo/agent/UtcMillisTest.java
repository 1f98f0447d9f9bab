package dev.halo.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class UtcMillisTest {
  private static final DateTimeFormatter REFERENCE =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  @Test
  void formatsLikeTheJavaTimePatternWithThreeFractionDigits() {
    assertThat(UtcMillis.format(Instant.parse("2026-12-07T03:04:05.120Z")))
        .isEqualTo("2026-12-07T03:04:05.120Z");
    assertThat(UtcMillis.format(Instant.EPOCH)).isEqualTo("1970-01-01T00:00:00.000Z");
    // Sub-millisecond digits are cut, never rounded up.
    assertThat(UtcMillis.format(Instant.parse("1999-12-31T23:59:59.999999Z")))
        .isEqualTo("1999-12-31T23:59:59.999Z");
  }

  @Test
  void agreesWithJavaTimeOnLeapDaysCenturiesAndRandomInstants() {
    for (String s :
        new String[] {
          "2000-02-29T12:00:00Z", "2100-02-28T23:59:59.001Z", "2100-03-01T00:00:00Z",
          "2024-02-29T00:00:00Z", "1969-12-31T23:59:59.999Z", "0001-01-01T00:00:00Z",
          "9999-12-31T23:59:59.999Z", "1600-02-29T01:02:03.004Z"
        }) {
      Instant i = Instant.parse(s);
      assertThat(UtcMillis.format(i)).as(s).isEqualTo(REFERENCE.format(i));
    }
    SplittableRandom random = new SplittableRandom(7);
    long max = Instant.parse("9999-12-31T23:59:59.999Z").toEpochMilli();
    long min = Instant.parse("0000-01-01T00:00:00Z").toEpochMilli();
    for (int n = 0; n < 200_000; n++) {
      Instant i = Instant.ofEpochMilli(random.nextLong(min, max));
      assertThat(UtcMillis.format(i)).isEqualTo(REFERENCE.format(i));
    }
  }

  @Test
  void refusesYearsItCannotWriteInFourDigits() {
    assertThatThrownBy(() -> UtcMillis.format(Instant.parse("+10000-01-01T00:00:00Z")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("year out of 0-9999");
  }
}
