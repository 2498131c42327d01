package io.consolidb.query;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;

/**
 * The text {@code DateTimeFormatter.ISO_*} gives for a row's dates and times, written directly:
 * the formatters walk a chain of generic printers per field and were about 7 % of the query
 * verticle's CPU on a lookup of a row with two timestamps (JFR, docs/BENCHMARKS.md). Same output,
 * character for character ({@code IsoTextTest} compares them over random values): seconds always
 * printed, the fraction with as many digits as it needs, the offset as {@code ZoneOffset.getId()}.
 */
final class IsoText {

  private IsoText() {
  }

  /** {@code ISO_OFFSET_DATE_TIME}. */
  static String of(OffsetDateTime t) {
    StringBuilder text = new StringBuilder(35);
    dateTime(text, t.toLocalDateTime());
    return text.append(t.getOffset().getId()).toString();
  }

  /** {@code ISO_LOCAL_DATE_TIME}. */
  static String of(LocalDateTime t) {
    StringBuilder text = new StringBuilder(29);
    dateTime(text, t);
    return text.toString();
  }

  /** {@code ISO_LOCAL_TIME}. */
  static String of(LocalTime t) {
    StringBuilder text = new StringBuilder(18);
    time(text, t);
    return text.toString();
  }

  /** {@code ISO_OFFSET_TIME}. */
  static String of(OffsetTime t) {
    StringBuilder text = new StringBuilder(24);
    time(text, t.toLocalTime());
    return text.append(t.getOffset().getId()).toString();
  }

  /** {@code ISO_LOCAL_DATE}: {@link LocalDate#toString} is specified as exactly that format. */
  static String of(LocalDate t) {
    return t.toString();
  }

  private static void dateTime(StringBuilder text, LocalDateTime t) {
    text.append(t.toLocalDate()).append('T');
    time(text, t.toLocalTime());
  }

  private static void time(StringBuilder text, LocalTime t) {
    twoDigits(text, t.getHour()).append(':');
    twoDigits(text, t.getMinute()).append(':');
    twoDigits(text, t.getSecond());
    int nano = t.getNano();
    if (nano == 0) {
      return;
    }
    int digits = 9;
    while (nano % 10 == 0) { // as ISO_LOCAL_TIME: no trailing zeros
      nano /= 10;
      digits--;
    }
    text.append('.');
    String fraction = Integer.toString(nano);
    for (int pad = digits - fraction.length(); pad > 0; pad--) {
      text.append('0');
    }
    text.append(fraction);
  }

  private static StringBuilder twoDigits(StringBuilder text, int value) {
    return text.append((char) ('0' + value / 10)).append((char) ('0' + value % 10));
  }
}
