package io.consolidb.analytics.impl;

import static io.consolidb.analytics.AnalyticsLimits.DEFAULT_WINDOW_DAYS;
import static io.consolidb.analytics.AnalyticsLimits.MAX_WINDOW_DAYS;

import io.consolidb.service.InputCheck;
import io.vertx.core.json.JsonArray;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Set;
import java.util.TreeSet;

/**
 * A report's time window {@code [from, to)} in whole UTC days, parsed and bounded, with what caching needs: a key
 * that encodes the window, and the tags of the days (or, for long windows, the months) it covers,
 * which event inserts invalidate (see {@link #eventTags}).
 */
record ReportWindow(Instant from, Instant to) {

  /** Tag prefix shared by report entries and event-insert invalidations. */
  static final String TAG_PREFIX = "analytics:events:";
  /** Windows longer than this are tagged by month rather than by day (fewer tags per entry). */
  static final int MAX_DAY_TAGS = 62;

  /**
   * Parses {@code from}/{@code to} (ISO-8601 instant with offset, or a date meaning midnight UTC);
   * {@code to} defaults to the end of today (UTC), {@code from} to {@code DEFAULT_WINDOW_DAYS}
   * before {@code to}.
   *
   * <p>The window is widened to whole UTC days: {@code from} to the start of its day, {@code to}
   * to the end of the day of its last instant (a {@code to} at midnight stays). The cache key and
   * the query both use the widened window, and the answer reports it, so an answer always matches
   * its key; otherwise every distinct instant an anonymous caller invents would be a new entry
   * (a nanosecond's shift of {@code from} missed the cache). Reports count by day anyway.
   */
  static ReportWindow parse(String from, String to, Instant now) {
    Instant end = blank(to)
        ? now.atOffset(ZoneOffset.UTC).toLocalDate().plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC)
        : instant("to", to);
    Instant start = blank(from) ? end.minus(Duration.ofDays(DEFAULT_WINDOW_DAYS)) : instant("from", from);
    if (!end.isAfter(start)) {
      throw InputCheck.invalid("to", "to must be after from");
    }
    Instant firstMidnight = startOfDay(start);
    Instant endMidnight = startOfDay(end).equals(end) ? end : startOfDay(end).plus(Duration.ofDays(1));
    if (Duration.between(firstMidnight, endMidnight).compareTo(Duration.ofDays(MAX_WINDOW_DAYS)) > 0) {
      throw InputCheck.invalid("to", "the window from..to must be at most " + MAX_WINDOW_DAYS
          + " days, counted in whole UTC days");
    }
    return new ReportWindow(firstMidnight, endMidnight);
  }

  private static Instant startOfDay(Instant instant) {
    return instant.atOffset(ZoneOffset.UTC).toLocalDate().atStartOfDay().toInstant(ZoneOffset.UTC);
  }

  /** The UTC day of {@code from}. */
  LocalDate firstDay() {
    return from.atOffset(ZoneOffset.UTC).toLocalDate();
  }

  /** The UTC day of the last instant before {@code to}. */
  LocalDate lastDay() {
    return to.minusNanos(1).atOffset(ZoneOffset.UTC).toLocalDate();
  }

  String fromText() {
    return from.toString();
  }

  String toText() {
    return to.toString();
  }

  /** A readable cache key: {@code analytics:<report>:<from>:<to>[:<extra>…]}. */
  String cacheKey(String report, Object... extra) {
    StringBuilder key = new StringBuilder("analytics:").append(report).append(':').append(fromText())
        .append(':').append(toText());
    for (Object part : extra) {
      key.append(':').append(part);
    }
    return key.toString();
  }

  /**
   * The tags of the days the window covers ({@code analytics:events:2025-03-01}), or of its months
   * ({@code analytics:events:2025-03}) when it spans more than {@link #MAX_DAY_TAGS} days. An
   * event insert invalidates both its day's and its month's tag, so either kind of entry drops
   * exactly when an event lands inside its window's days.
   */
  JsonArray cacheTags() {
    JsonArray tags = new JsonArray();
    LocalDate first = firstDay();
    LocalDate last = lastDay();
    if (ChronoUnit.DAYS.between(first, last) < MAX_DAY_TAGS) {
      for (LocalDate day = first; !day.isAfter(last); day = day.plusDays(1)) {
        tags.add(TAG_PREFIX + day);
      }
    } else {
      for (YearMonth month = YearMonth.from(first); !month.isAfter(YearMonth.from(last)); month = month.plusMonths(1)) {
        tags.add(TAG_PREFIX + month);
      }
    }
    return tags;
  }

  /** What an insert of events on these days invalidates: each day's tag and each month's. */
  static JsonArray eventTags(Set<LocalDate> days) {
    Set<String> tags = new TreeSet<>();
    for (LocalDate day : days) {
      tags.add(TAG_PREFIX + day);
      tags.add(TAG_PREFIX + YearMonth.from(day));
    }
    return new JsonArray(new java.util.ArrayList<>(tags));
  }

  private static boolean blank(String value) {
    return value == null || value.isBlank();
  }

  private static Instant instant(String name, String value) {
    String text = value.strip();
    try {
      if (text.length() == 10) {
        return LocalDate.parse(text).atStartOfDay().toInstant(ZoneOffset.UTC);
      }
      return OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException e) {
      throw InputCheck.invalid(name, name + " must be an ISO-8601 date (2025-03-01) or instant with an offset"
          + " (2025-03-01T12:00:00Z)");
    }
  }
}
