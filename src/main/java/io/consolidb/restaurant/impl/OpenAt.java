package io.consolidb.restaurant.impl;

import static io.consolidb.service.InputCheck.invalid;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * The {@code open_now} / {@code open_at} filter: the instant a restaurant must be open at, checked
 * against its hours on its own wall clock ({@code time_zone}), in SQL.
 *
 * <p>The instant is truncated to the minute: hours have minute resolution, so every instant of a
 * minute keeps the same restaurants, and requests within one minute share a cache entry.
 * {@code open_now} is resolved here, on the node's clock, to the current minute: its cache key
 * names that absolute minute ({@code :at=20261205T1830Z}), the same key as {@code open_at} for
 * that minute, so an entry can never answer an {@code open_now} of a later minute (the answer it
 * holds stays true for its minute until a write invalidates it; the entries of past minutes are
 * simply no longer asked for and expire with the default TTL).
 */
final class OpenAt {

  static final String OPEN_NOW = "open_now";
  static final String OPEN_AT = "open_at";

  /** Longest accepted {@code open_at} text: an ISO-8601 instant with nanoseconds and an offset is 35. */
  private static final int MAX_LENGTH = 64;
  private static final Instant EARLIEST = Instant.parse("1970-01-01T00:00:00Z");
  private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");
  /** Compact and free of ':' (the key's separator) and of glob characters. */
  private static final DateTimeFormatter KEY = DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmm'Z'").withZone(ZoneOffset.UTC);

  private OpenAt() {
  }

  /**
   * The minute the filters ask about, or null when they ask nothing ({@code open_now} absent or
   * false, no {@code open_at}). Throws a 400 naming the parameter at fault, or both when both are
   * given.
   */
  static Instant parse(JsonObject filters, Clock clock) {
    boolean hasNow = filters.containsKey(OPEN_NOW);
    boolean hasAt = filters.containsKey(OPEN_AT);
    if (hasNow && hasAt) {
      throw invalid(List.of(OPEN_NOW, OPEN_AT), "give open_now or open_at, not both");
    }
    if (hasNow) {
      Object now = filters.getValue(OPEN_NOW);
      if (!(now instanceof Boolean open)) {
        throw invalid(OPEN_NOW, "open_now must be true or false");
      }
      return open ? clock.instant().truncatedTo(ChronoUnit.MINUTES) : null;
    }
    if (hasAt) {
      return instant(filters.getValue(OPEN_AT)).truncatedTo(ChronoUnit.MINUTES);
    }
    return null;
  }

  /**
   * The condition, starting with {@code " AND "}, its instant appended to {@code params} (as ISO
   * text: the query layer binds it as the {@code timestamptz} the statement asks for). A restaurant
   * that is not {@code open} (closed for good, or for now) or has no hours never matches.
   *
   * <p>It is never an index condition: it runs on the rows the read's access path and cheaper
   * filters have already bounded, one multirange lookup each ({@code weekly_hours}, the hours
   * parsed once per write) after converting the instant to the row's wall clock.
   */
  static String condition(Instant at, JsonArray params) {
    params.add(at.toString());
    // coalesce(…, false): the same answer (weekly_hours is never null), but the planner estimates a
    // plain boolean expression at half the rows, where it prices "multirange @> element" at 0.5 %;
    // with that, a city listing expected fewer matches than a page, read the whole city and sorted
    // it instead of reading the city index in page order (RestaurantQueryPlanTest)
    return " AND status = 'open' AND coalesce(weekly_hours @> restaurant_week_minute($" + params.size()
        + "::timestamptz, time_zone), false)";
  }

  /** The cache-key part: {@code :at=} and the minute, UTC. */
  static String keyPart(Instant at) {
    return ":at=" + KEY.format(at);
  }

  private static Instant instant(Object value) {
    Instant instant;
    if (value instanceof Instant given) {
      instant = given;
    } else if (value instanceof String text && text.strip().length() <= MAX_LENGTH) {
      try {
        instant = DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(text.strip(), Instant::from);
      } catch (DateTimeParseException e) {
        // the parser's message quotes the input: never echo it
        throw badInstant();
      }
    } else {
      throw badInstant();
    }
    if (instant.isBefore(EARLIEST) || instant.isAfter(LATEST)) {
      throw invalid(OPEN_AT, "open_at must be an instant from 1970 to 9999");
    }
    return instant;
  }

  private static RuntimeException badInstant() {
    return invalid(OPEN_AT, "open_at must be an ISO-8601 instant with an offset, e.g. 2026-12-05T18:30:00Z");
  }
}
