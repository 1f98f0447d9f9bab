package dev.halo.agent;

import java.time.Instant;

/**
 * Formats an instant as RFC 3339 in UTC with exactly three fraction digits ({@code
 * 2026-12-07T03:04:05.120Z}) by arithmetic alone. A promotion writes such a time stamp (the role
 * history's line, the role file's {@code validUntil}) while it decides; {@code DateTimeFormatter}'s
 * first use in the agent's process loaded and initialised enough of {@code java.time.format} to
 * hold a first promotion back by 30-270 ms on the bench machine. Years 0-9999.
 */
final class UtcMillis {
  private static final long MILLIS_PER_DAY = 86_400_000L;
  // Days from 0000-03-01 to 1970-01-01 in the proleptic Gregorian calendar.
  private static final long EPOCH_SHIFT = 719_468L;
  private static final long DAYS_PER_ERA = 146_097L;

  private UtcMillis() {}

  static String format(Instant instant) {
    long millis = instant.toEpochMilli();
    long days = Math.floorDiv(millis, MILLIS_PER_DAY);
    long ofDay = Math.floorMod(millis, MILLIS_PER_DAY);
    // Civil date from a day count, counting years from March so that February comes last.
    long z = days + EPOCH_SHIFT;
    long era = Math.floorDiv(z, DAYS_PER_ERA);
    long dayOfEra = z - era * DAYS_PER_ERA;
    long yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
    long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    long monthFromMarch = (5 * dayOfYear + 2) / 153;
    long day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1;
    long month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
    long year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
    if (year < 0 || year > 9999) {
      throw new IllegalArgumentException("year out of 0-9999: " + instant);
    }
    StringBuilder b = new StringBuilder(24);
    pad(b, year, 4).append('-');
    pad(b, month, 2).append('-');
    pad(b, day, 2).append('T');
    pad(b, ofDay / 3_600_000, 2).append(':');
    pad(b, ofDay / 60_000 % 60, 2).append(':');
    pad(b, ofDay / 1000 % 60, 2).append('.');
    return pad(b, ofDay % 1000, 3).append('Z').toString();
  }

  private static StringBuilder pad(StringBuilder b, long value, int digits) {
    String s = Long.toString(value);
    for (int i = s.length(); i < digits; i++) {
      b.append('0');
    }
    return b.append(s);
  }
}
